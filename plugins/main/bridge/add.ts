// bridge ADD, as a list of named steps over explicit deps (BridgeDeps: the namespaces' kernel steps,
// the firewall, IPAM, the log). Every step that creates something pushes its inverse on the undo stack,
// so a failure anywhere leaves nothing behind (no veth, no IP, no rule).
import { loadArgs } from "../../../shared/cni/args.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { CURRENT_VERSION, type Result } from "../../../shared/cni/types.ts";
import type { MasqAttachment } from "../../../shared/firewall/types.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import { traced, tracedSync } from "../../../shared/trace.ts";
import { familyOf } from "../../../shared/ip/index.ts";
import { UndoStack } from "../../../shared/undo.ts";
import type { PodDeps } from "../pod/deps.ts";
import { ipamAdd } from "../pod/ipam.ts";
import { addMasquerade } from "../pod/masq.ts";
import { withNet } from "../pod/net.ts";
import type { VethPair } from "../pod/veth.ts";
import { parseBridgeConfig, type BridgeConfig } from "./config.ts";
import { applyGateways } from "./gateways.ts";
import type { BridgeNet } from "./net.ts";

export type BridgeDeps = PodDeps<BridgeNet>;

const BRIDGE_ARGS = { MAC: (v: string) => v };

export function loadBridgeConfig(ctx: CmdContext, forDel = false): Readonly<BridgeConfig> {
  loadArgs(ctx.cniArgs, BRIDGE_ARGS, ctx.ignoreUnknownArgs); // unknown CNI_ARGS keys fail as in the reference
  return parseBridgeConfig(ctx.conf, ctx.cniArgs, forDel);
}

/** What every ADD step works with: the call, its config, its deps, the opened namespaces and the undo stack. */
interface Wiring {
  ctx: CmdContext;
  cfg: BridgeConfig;
  deps: BridgeDeps;
  net: BridgeNet;
  undo: UndoStack;
}

/** What the first steps created, for the later ones. */
interface Wired {
  br: Link;
  veth: VethPair;
  result: Result;
}

export async function add(ctx: CmdContext, deps: BridgeDeps): Promise<Result> {
  const cfg = loadBridgeConfig(ctx);
  return withNet(deps.openNet(ctx.netns), (net) => new UndoStack().run((undo) => wire({ ctx, cfg, deps, net, undo }), deps.log));
}

async function wire(w: Wiring): Promise<Result> {
  const { ctx, cfg, net, undo } = w;
  const br = tracedSync("ensure bridge", () => net.ensureBridge(cfg));
  const veth = tracedSync("create veth", () => net.createVeth({
    ifname: ctx.ifname,
    mtu: cfg.mtu,
    mac: cfg.mac,
    containerUp: !cfg.disableContainerInterface,
  }));
  undo.push(`delete veth ${ctx.ifname}`, () => net.deleteVeth(veth));
  tracedSync("attach to bridge", () => net.attachPort(veth.host, br, cfg));
  const result = baseResult(ctx, br, veth);
  if (cfg.macspoofchk) addSpoofCheck(w, veth);
  if (cfg.hasIpam) await configureL3(w, { br, veth, result });
  tracedSync("wait port up", () => refreshMacs(net, cfg, veth, result));
  // the config's dns wins over IPAM's only when it says something (the reference's dnsConfSet)
  if (ctx.conf.dns && Object.keys(ctx.conf.dns).length > 0) result.dns = ctx.conf.dns;
  return result;
}

function baseResult(ctx: CmdContext, br: Link, veth: VethPair): Result {
  return {
    cniVersion: CURRENT_VERSION,
    interfaces: [
      { name: br.name, mac: br.mac },
      { name: veth.host.name, mac: veth.host.mac },
      { name: veth.container.name, mac: veth.container.mac, sandbox: ctx.netns },
    ],
  };
}

/** The attachment a macspoofchk entry is named after (network, container ID, ifname). */
export const spoofAttachment = (ctx: CmdContext): MasqAttachment => ({ network: ctx.conf.name, containerId: ctx.containerId, ifname: ctx.ifname });

function addSpoofCheck({ ctx, deps, undo }: Wiring, veth: VethPair): void {
  const a = spoofAttachment(ctx);
  deps.firewall.setupSpoofCheck({ ...a, hostIface: veth.host.name, mac: veth.container.mac! });
  undo.push("remove macspoofchk rules", () => deps.firewall.teardownSpoofCheck(a));
}

async function configureL3({ ctx, cfg, deps, net, undo }: Wiring, { br, veth, result }: Wired): Promise<void> {
  const ipam = await traced("ipam add", () => ipamAdd(deps.ipam, ctx, undo));
  result.ips = ipam.ips;
  result.routes = ipam.routes;
  if (ipam.dns) result.dns = ipam.dns;
  const gatewayAddrs = applyGateways(result, cfg);
  tracedSync("configure container iface", () => net.configureContainer(veth, result, cfg.enabledad));
  if (cfg.enabledad && result.ips!.some((ip) => familyOf(ip.address) === 6)) net.settleAddresses(veth);
  if (cfg.isGateway) tracedSync("gateways", () => net.addGateways(cfg, br, gatewayAddrs, result));
  if (cfg.ipMasq) tracedSync("masquerade", () => addMasquerade(deps.firewall, ctx, result, undo));
}

/** Waits for the port to forward, then reads back MACs that change as ports and addresses come. */
function refreshMacs(net: BridgeNet, cfg: BridgeConfig, veth: VethPair, result: Result): void {
  // a port whose container end stays down (disableContainerInterface) never reaches oper up
  if (!cfg.disableContainerInterface) result.interfaces![1]!.mac = net.portUp(veth.host.name).mac;
  result.interfaces![0]!.mac = net.bridge(cfg.bridge).mac;
}
