// GC (spec 1.1): the ifbs of this network's attachments that are not in the valid list are deleted
// (a DEL that never came: the result never reached the runtime's cache, or bandwidth was killed after
// creating its ifb). Each ifb carries its attachment's tag as its alias (IFLA_IFALIAS, set by ADD):
// another network's ifb, an untagged one (the reference's, or an older tscni's) and any other ifb are
// left alone. The host veth's qdiscs go away with the veth; nothing else is node state.
import type { GcContext } from "../../../shared/cni/plugin.ts";
import { staleTagJudge } from "../../../shared/firewall/hash.ts";
import { runTeardown } from "../../../shared/undo.ts";
import { IFB_PREFIX } from "./config.ts";
import type { BandwidthDeps } from "./deps.ts";


export async function cmdGc(ctx: GcContext, deps: Pick<BandwidthDeps, "listIfbs" | "deleteIfb">): Promise<void> {
  const stale = staleTagJudge(ctx.conf.name, ctx.validAttachments.map((a) => ({ containerId: a.containerID, ifname: a.ifname })));
  const gone = deps.listIfbs().filter((l) => l.name.startsWith(IFB_PREFIX) && stale(l.alias));
  await runTeardown(gone.map((l) => [`delete stale ifb ${l.name}`, () => deps.deleteIfb(l.name)]));
}
