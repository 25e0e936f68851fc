// bridge CHECK: IPAM first (delegated), then the bridge, the container veth, its host peer on the
// bridge, addresses, routes and the firewall state this attachment owns.
import { internalError } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { Interface, Result } from "../../../shared/cni/types.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import { IFF_PROMISC } from "../../../shared/netlink/codec/link.ts";
import { getLinkByName } from "../../../shared/netlink/links.ts";
import { checkAddresses, checkContainerVeth, checkRoutes, findContainerInterface } from "../pod/check.ts";
import type { PodHandles } from "../pod/handles.ts";
import { withNet } from "../pod/net.ts";
import { checkMasquerade } from "../pod/masq.ts";
import { loadBridgeConfig, spoofAttachment, type BridgeDeps } from "./add.ts";
import type { BridgeConfig } from "./config.ts";

const fail = (msg: string): never => {
  throw internalError(msg);
};

export async function check(ctx: CmdContext, deps: BridgeDeps): Promise<void> {
  const cfg = loadBridgeConfig(ctx);
  if (cfg.hasIpam) await deps.ipam.check(ctx);
  const result = ctx.conf.prevResult ?? fail("Required prevResult missing");
  await withNet(deps.openHandles(ctx.netns), (h) => {
    const br = checkBridge(h, cfg, result);
    const ctrIface = findContainerInterface(result, ctx.ifname, ctx.netns);
    const ctr = checkContainerVeth(h, ctrIface);
    checkHostVeth(h, cfg, result, br, ctr, ctrIface);
    checkAddresses(h, ctr, result);
    checkRoutes(h, result);
  });
  if (cfg.hasIpam && cfg.ipMasq) checkMasquerade(deps.firewall, ctx, result);
  if (cfg.macspoofchk) deps.firewall.checkSpoofCheck(spoofAttachment(ctx));
}

function checkBridge(h: PodHandles, cfg: BridgeConfig, result: Result): Link {
  const iface = result.interfaces?.find((i) => i.name === cfg.bridge && !i.sandbox);
  const br = getLinkByName(h.host, cfg.bridge);
  if (!iface || !br) return fail(`CNI created bridge ${cfg.bridge} in host namespace was not found`);
  if (br.kind !== "bridge") fail(`Interface ${cfg.bridge} does not have link type of bridge`);
  if (iface.mac && iface.mac !== br.mac) fail(`Bridge interface ${cfg.bridge} Mac doesn't match: ${iface.mac}`);
  const promisc = (br.flags & IFF_PROMISC) !== 0;
  if (promisc !== cfg.promiscMode) {
    fail(`Bridge interface ${cfg.bridge} configured Promisc Mode ${cfg.promiscMode} doesn't match current state: ${promisc}`);
  }
  return br;
}

/** Some host interface of the result must be the container veth's peer and a port of the bridge. */
function checkHostVeth(h: PodHandles, cfg: BridgeConfig, result: Result, br: Link, ctr: Link, ctrIface: Interface): void {
  for (const iface of result.interfaces ?? []) {
    if (iface === ctrIface || iface.sandbox || iface.name === cfg.bridge) continue;
    const link = getLinkByName(h.host, iface.name);
    if (!link || link.kind !== "veth") continue;
    if (link.ifindex !== ctr.linkIndex || link.linkIndex !== ctr.ifindex) continue;
    if (link.master !== br.ifindex) continue;
    if (iface.mac && iface.mac !== link.mac) fail(`Interface ${iface.name} Mac doesn't match: ${iface.mac} not found`);
    return;
  }
  fail(`CNI veth created for bridge ${cfg.bridge} was not found`);
}
