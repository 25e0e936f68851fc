// bridge GC: the main plugins' GC plus macspoofchk entries left by a lost DEL: this network's entries
// whose attachment is not valid. Entries of the earlier naming carry no network, so one of those is
// stale only when its attachment is not valid here AND its host veth is gone (another network's live
// pod always still has its veth).
import type { GcContext } from "../../../shared/cni/plugin.ts";
import { gc as podGc } from "../pod/gc.ts";
import type { BridgeDeps } from "./add.ts";

export async function gc(ctx: GcContext, deps: BridgeDeps): Promise<void> {
  const valid = ctx.validAttachments.map((a) => ({ containerId: a.containerID, ifname: a.ifname }));
  const legacyIds = new Set(valid.map((a) => `${a.containerId}-${a.ifname}`));
  const legacyStale = (e: { uniqueId: string; hostIface: string | undefined }) =>
    !legacyIds.has(e.uniqueId) && (e.hostIface === undefined || !deps.hostLinkExists(e.hostIface));
  await podGc(ctx, deps, [["remove stale macspoofchk rules", () => deps.firewall.gcSpoofCheck(ctx.conf.name, valid, legacyStale)]]);
}
