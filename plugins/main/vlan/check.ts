// vlan CHECK as the reference: IPAM CHECK, the master, then the pod link (kind, MAC, VLAN id, MTU when
// configured), its addresses and the result's routes.
import { delegateCheck } from "../../../shared/cni/delegate.ts";
import { internalError } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { checkAddresses, checkRoutes } from "../pod/check.ts";
import { withPodHandles } from "../pod/handles.ts";
import { findMaster, masterConn } from "../pod/master.ts";
import { checkPodLink, findPodInterface } from "../pod/single-iface.ts";
import { parseVlanConfig } from "./config.ts";

const fail = (msg: string): never => {
  throw internalError(msg);
};

export async function check(ctx: CmdContext): Promise<void> {
  const cfg = parseVlanConfig(ctx.conf);
  await withPodHandles(ctx.netns, async (h) => {
    await delegateCheck(cfg.ipamType, ctx);
    const result = ctx.conf.prevResult ?? fail("Required prevResult missing");
    const iface = findPodInterface(result, ctx.ifname, ctx.netns);
    findMaster(masterConn(h, cfg.linkInContainer), cfg.master);
    const link = checkPodLink(h, iface, "vlan");
    if (link.vlan?.id !== cfg.vlanId) fail(`Error: Container interface ${iface.name} does not have vlan id ${cfg.vlanId}: ${link.vlan?.id}`);
    if (cfg.mtu && link.mtu !== cfg.mtu) fail(`Error: Container interface ${iface.name} mtu ${link.mtu} does not match configured ${cfg.mtu}`);
    checkAddresses(h, link, result);
    checkRoutes(h, result);
  });
}
