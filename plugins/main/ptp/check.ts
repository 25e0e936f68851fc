// ptp CHECK: IPAM (delegated), the container veth, its addresses and routes, the host end holding
// the gateway(s), and the masquerade rules.
import { internalError } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { listAddresses } from "../../../shared/netlink/addresses.ts";
import { getLinkByIndex } from "../../../shared/netlink/links.ts";
import { checkAddresses, checkContainerVeth, checkRoutes, findContainerInterface } from "../pod/check.ts";
import { withNet } from "../pod/net.ts";
import type { PtpDeps } from "./add.ts";
import { checkMasquerade } from "../pod/masq.ts";
import { parsePtpConfig } from "./config.ts";

const fail = (msg: string): never => {
  throw internalError(msg);
};

export async function check(ctx: CmdContext, deps: PtpDeps): Promise<void> {
  const cfg = parsePtpConfig(ctx.conf);
  await deps.ipam.check(ctx);
  const result = ctx.conf.prevResult ?? fail("ptp: Required prevResult missing");
  await withNet(deps.openHandles(ctx.netns), (h) => {
    const ctr = checkContainerVeth(h, findContainerInterface(result, ctx.ifname, ctx.netns));
    checkAddresses(h, ctr, result);
    checkRoutes(h, result);
    const host = ctr.linkIndex === undefined ? undefined : getLinkByIndex(h.host, ctr.linkIndex);
    if (!host || host.kind !== "veth") return fail(`ptp: host end of ${ctx.ifname} not found`);
    const held = new Set(listAddresses(h.host, { link: host.ifindex }).map((a) => a.local ?? a.address));
    for (const ipc of result.ips ?? []) {
      if (ipc.gateway && !held.has(ipc.gateway)) fail(`ptp: gateway ${ipc.gateway} missing on host veth ${host.name}`);
    }
  });
  if (cfg.ipMasq) checkMasquerade(deps.firewall, ctx, result);
}
