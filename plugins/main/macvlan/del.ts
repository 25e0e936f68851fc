// macvlan DEL: release the IP (when ipam.type is set), delete the pod link. Reads no macvlan key and
// never looks at the master, so it succeeds when the master, the link or the netns is gone (the
// reference 1.1.1 failed when the master was gone, pl#953) and when repeated.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { ipamDel } from "../pod/ipam.ts";
import { deleteContainerLink, runTeardown } from "../pod/teardown.ts";

export async function del(ctx: CmdContext): Promise<void> {
  await runTeardown([
    ["release IP", () => ipamDel(ctx)],
    ["delete container interface", () => deleteContainerLink(ctx)],
  ]);
}
