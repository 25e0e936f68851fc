// bridge GC: the main plugins' GC plus macspoofchk entries left by a lost DEL. Entries carry no
// network, so one is stale only when its attachment is not valid here AND its host veth is gone
// (another network's live pod always still has its veth).
import type { GcContext } from "../../../shared/cni/plugin.ts";
import { NetlinkHandle } from "../../../shared/netlink/client.ts";
import { getLinkByName } from "../../../shared/netlink/links.ts";
import type { PodDeps } from "../pod/deps.ts";
import { gc as podGc } from "../pod/gc.ts";

export async function gc(ctx: GcContext, deps: PodDeps): Promise<void> {
  const valid = new Set(ctx.validAttachments.map((a) => `${a.containerID}-${a.ifname}`));
  await podGc(ctx, deps, [["remove stale macspoofchk rules", () => gcSpoofChecks(deps, valid)]]);
}

function gcSpoofChecks(deps: PodDeps, valid: ReadonlySet<string>): void {
  const host = NetlinkHandle.open();
  try {
    deps.firewall.gcSpoofCheck((e) => !valid.has(e.uniqueId) && (e.hostIface === undefined || !getLinkByName(host, e.hostIface)));
  } finally {
    host.close();
  }
}
