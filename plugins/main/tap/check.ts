// tap CHECK: IPAM CHECK, prevResult required, then (beyond the reference, which checks only IPs and
// routes, so a vanished tap without IPs passes) the tap itself: in this sandbox, kind tun, the
// prevResult's MAC, still on its bridge; then the result's addresses and routes.
import { delegateCheck } from "../../../shared/cni/delegate.ts";
import { internalError } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { checkAddresses, checkRoutes } from "../pod/check.ts";
import { withPodHandles } from "../pod/handles.ts";
import { checkPodLink, findPodInterface } from "../pod/single-iface.ts";
import { findBridge } from "./add.ts";
import { tapConfigOf } from "./config.ts";

const fail = (msg: string): never => {
  throw internalError(msg);
};

export async function check(ctx: CmdContext): Promise<void> {
  const cfg = tapConfigOf(ctx);
  await withPodHandles(ctx.netns, async (h) => {
    if (cfg.ipamType) await delegateCheck(cfg.ipamType, ctx);
    const result = ctx.conf.prevResult ?? fail("Required prevResult missing");
    const link = checkPodLink(h, findPodInterface(result, ctx.ifname, ctx.netns), "tun");
    if (cfg.bridge && link.master !== findBridge(h, cfg.bridge).ifindex) fail(`Error: tap ${link.name} is not attached to bridge ${cfg.bridge}`);
    checkAddresses(h, link, result);
    checkRoutes(h, result);
  });
}
