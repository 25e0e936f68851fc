// bridge GC: the main plugins' GC plus macspoofchk entries left by a lost DEL. Entries carry no
// network, so one is stale only when its attachment is not valid here AND its host veth is gone
// (another network's live pod always still has its veth).
import type { GcContext } from "../../../shared/cni/plugin.ts";
import { gc as podGc } from "../pod/gc.ts";
import type { BridgeDeps } from "./add.ts";

export async function gc(ctx: GcContext, deps: BridgeDeps): Promise<void> {
  const valid = new Set(ctx.validAttachments.map((a) => `${a.containerID}-${a.ifname}`));
  const stale = (e: { uniqueId: string; hostIface: string | undefined }) =>
    !valid.has(e.uniqueId) && (e.hostIface === undefined || !deps.hostLinkExists(e.hostIface));
  await podGc(ctx, deps, [["remove stale macspoofchk rules", () => deps.firewall.gcSpoofCheck(stale)]]);
}
