// ptp ADD: a veth whose container end gets the IPAM address with every packet forced through the
// gateway (the host end holds the gateway as /32 or /128), as the reference ptp does. Steps over
// explicit deps (PtpDeps); each creation pushes its inverse on the undo stack.
import { internalError } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { CURRENT_VERSION, type IPConfig, type Result } from "../../../shared/cni/types.ts";
import { familyOf } from "../../../shared/ip/index.ts";
import { UndoStack } from "../../../shared/undo.ts";
import type { PodDeps } from "../pod/deps.ts";
import { ipamAdd } from "../pod/ipam.ts";
import { addMasquerade } from "../pod/masq.ts";
import { withNet } from "../pod/net.ts";
import { parsePtpConfig, type PtpConfig } from "./config.ts";
import type { PtpNet } from "./net.ts";

export type PtpDeps = PodDeps<PtpNet>;

const CONTAINER_IFACE_INDEX = 1;

export async function add(ctx: CmdContext, deps: PtpDeps): Promise<Result> {
  const cfg = parsePtpConfig(ctx.conf);
  // namespaces first: a bad netns fails before any IP is allocated, and rollback still has them open
  return withNet(deps.openNet(ctx.netns), (net) =>
    new UndoStack().run(async (undo) => {
      const result = await ipamAdd(deps.ipam, ctx, undo);
      requireGateways(result.ips!);
      for (const family of familiesOf(result.ips!)) net.enableForwarding(family);
      wire(ctx, cfg, net, result, undo);
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

function wire(ctx: CmdContext, cfg: PtpConfig, net: PtpNet, result: Result, undo: UndoStack): void {
  const veth = net.createVeth({ ifname: ctx.ifname, mtu: cfg.mtu, mac: "", hostNoDad: true });
  undo.push(`delete veth ${ctx.ifname}`, () => net.deleteVeth(veth));
  result.cniVersion = CURRENT_VERSION;
  result.interfaces = [
    { name: veth.host.name, mac: veth.host.mac },
    { name: veth.container.name, mac: veth.container.mac, sandbox: ctx.netns },
  ];
  for (const ip of result.ips!) ip.interface = CONTAINER_IFACE_INDEX;
  // The only other party on a point-to-point veth is the host: DAD could never find a duplicate and
  // would only hold the address tentative for 1-2 s (pl#680), so it is off, as bridge's default.
  net.configureContainer(veth, result, false);
  // Even without DAD a new IPv6 address is tentative until the kernel's addrconf work runs, and a
  // route with a tentative src fails (EINVAL "Invalid source address"): wait, as the reference's
  // ConfigureIface does (here it is a few ms, not the 1-2 s of DAD).
  if (familiesOf(result.ips!).has(6)) net.settleAddresses(veth);
  net.routeThroughGateway(veth, result.ips!);
  net.configureHostSide(veth, result.ips!);
}
