// ptp ADD: a veth whose container end gets the IPAM address with every packet forced through the
// gateway (the host end holds the gateway as /32 or /128), as the reference ptp does.
import { internalError } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { CURRENT_VERSION, type IPConfig, type Result } from "../../../shared/cni/types.ts";
import { familyBits, familyOf, formatCIDR, networkOf, parseCIDR } from "../../../shared/ip/index.ts";
import { addAddress } from "../../../shared/netlink/addresses.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import { RT_SCOPE_HOST, RT_SCOPE_LINK } from "../../../shared/netlink/codec/route.ts";
import { isExists, isNotFound } from "../../../shared/netlink/errors.ts";
import { addRoute, deleteRoute } from "../../../shared/netlink/routes.ts";
import type { PodDeps } from "../pod/deps.ts";
import { withPodHandles, type PodHandles } from "../pod/handles.ts";
import { configureIface, settleAddresses } from "../pod/iface.ts";
import { ipamAdd } from "../pod/ipam.ts";
import { addMasquerade } from "../pod/masq.ts";
import { containerIfaceSysctls, enableForwarding } from "../pod/sysctls.ts";
import { createPodVeth, deletePodVeth, type VethPair } from "../pod/veth.ts";
import { UndoStack } from "../../../shared/undo.ts";
import { parsePtpConfig, type PtpConfig } from "./config.ts";

export const CONTAINER_IFACE_INDEX = 1;

export async function add(ctx: CmdContext, deps: PodDeps): Promise<Result> {
  const cfg = parsePtpConfig(ctx.conf);
  // handles first: a bad netns fails before any IP is allocated, and rollback still has them open
  return withPodHandles(ctx.netns, (h) =>
    new UndoStack().run(async (undo) => {
      const result = await ipamAdd(deps.ipam, ctx, undo);
      requireGateways(result.ips!);
      for (const family of familiesOf(result.ips!)) enableForwarding(family);
      wire(ctx, cfg, h, result, undo);
      if (cfg.ipMasq) addMasquerade(deps.firewall, ctx, result, undo);
      if (cfg.dns) result.dns = { ...cfg.dns };
      return result;
    }, deps.log),
  );
}

function requireGateways(ips: IPConfig[]): void {
  const missing = ips.find((ip) => !ip.gateway);
  if (missing) throw internalError(`ptp needs a gateway from IPAM, none given for ${missing.address}`);
}

function familiesOf(ips: IPConfig[]): Set<4 | 6> {
  return new Set(ips.map((ip) => familyOf(ip.address) ?? 4));
}

function wire(ctx: CmdContext, cfg: PtpConfig, h: PodHandles, result: Result, undo: UndoStack): void {
  const veth = createPodVeth(h, { ifname: ctx.ifname, mtu: cfg.mtu, mac: "", hostNoDad: true });
  undo.push(`delete veth ${ctx.ifname}`, () => deletePodVeth(h, veth.container.ifindex));
  result.cniVersion = CURRENT_VERSION;
  result.interfaces = [
    { name: veth.host.name, mac: veth.host.mac },
    { name: veth.container.name, mac: veth.container.mac, sandbox: ctx.netns },
  ];
  for (const ip of result.ips!) ip.interface = CONTAINER_IFACE_INDEX;
  // The only other party on a point-to-point veth is the host: DAD could never find a duplicate and
  // would only hold the address tentative for 1-2 s (pl#680), so it is off, as bridge's default.
  h.inContainer(() => containerIfaceSysctls(ctx.ifname, false));
  configureIface(h, veth.container.ifindex, ctx.ifname, result);
  // Even without DAD a new IPv6 address is tentative until the kernel's addrconf work runs, and a
  // route with a tentative src fails (EINVAL "Invalid source address"): wait, as the reference's
  // ConfigureIface does (here it is a few ms, not the 1-2 s of DAD).
  if (result.ips!.some((ip) => familyOf(ip.address) === 6)) settleAddresses(h, veth.container.ifindex, ctx.ifname);
  routeThroughGateway(h, veth.container, result.ips!);
  configureHostSide(h, veth, result.ips!);
}

const hostBits = (ip: string): number => familyBits(familyOf(ip) ?? 4);
const plainIp = (cidr: string): string => cidr.slice(0, cidr.indexOf("/"));

/**
 * Replaces the kernel's "subnet dev eth0" route with "gw/32 dev eth0 scope link" plus
 * "subnet via gw": every packet, even to a neighbour pod, goes through the host.
 */
function routeThroughGateway(h: PodHandles, ctr: Link, ips: IPConfig[]): void {
  for (const ipc of ips) {
    const subnet = formatCIDR(networkOf(parseCIDR(ipc.address)!));
    const src = plainIp(ipc.address);
    try {
      deleteRoute(h.ctr, { dst: subnet, dev: ctr, scope: 255 });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const batch = h.ctr.batch();
    addRoute(batch, { dst: `${ipc.gateway}/${hostBits(src)}`, dev: ctr, scope: RT_SCOPE_LINK, src });
    addRoute(batch, { dst: subnet, gw: ipc.gateway, dev: ctr, src });
    batch.commit();
  }
}

/** The host end holds each gateway as a host address (v6 without DAD: no tentative gateway) and a
 * host route to each pod IP. */
function configureHostSide(h: PodHandles, veth: VethPair, ips: IPConfig[]): void {
  for (const ipc of ips) {
    const ip = plainIp(ipc.address);
    const bits = hostBits(ip);
    addAddress(h.host, { link: veth.host, cidr: `${ipc.gateway}/${bits}`, nodad: bits === 128 });
    try {
      addRoute(h.host, { dst: `${ip}/${bits}`, dev: veth.host, scope: RT_SCOPE_HOST });
    } catch (e) {
      if (!isExists(e)) throw e;
    }
  }
}
