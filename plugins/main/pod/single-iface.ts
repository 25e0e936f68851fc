// The ADD tail and CHECK of plugins that give the pod exactly one interface and leave nothing on the
// host (macvlan, ipvlan, vlan, dummy; host-device and tap next): the result shape every one of them
// shares, and the reference's ConfigureIface applied to the landed link.
import { delegateStatus } from "../../../shared/cni/delegate.ts";
import { CniError } from "../../../shared/cni/errors.ts";
import type { CmdContext, StatusContext } from "../../../shared/cni/plugin.ts";
import { CURRENT_VERSION, type Interface, type Result } from "../../../shared/cni/types.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import { getLinkByName, setLinkUp } from "../../../shared/netlink/links.ts";
import { writeSysctl } from "../../../shared/sys/sysctl.ts";
import type { PodHandles } from "./handles.ts";
import { configureIface } from "./iface.ts";

/** How long ADD waits for IPv6 DAD when IPAM gave an IPv6 gateway (the reference's 5 s). */
export const SETTLE_V6_MS = 5_000;

const fail = (msg: string): never => {
  throw new CniError(999, msg);
};

/** interfaces = [the pod link], and the IPAM result (if any) with every IP on that interface (index 0). */
export function podIfaceResult(ctx: CmdContext, link: Link, ipam?: Result): Result {
  const result: Result = { cniVersion: CURRENT_VERSION, interfaces: [{ name: link.name, mac: link.mac, sandbox: ctx.netns }] };
  if (!ipam) return result;
  result.ips = (ipam.ips ?? []).map((ip) => ({ ...ip, interface: 0 }));
  if (ipam.routes?.length) result.routes = ipam.routes.map((r) => ({ ...r }));
  if (ipam.dns) result.dns = { ...ipam.dns };
  return result;
}

function bestEffort(key: string, value: string): void {
  try {
    writeSysctl(key, value);
  } catch {
    /* no such knob (IPv6 off): the reference ignores these too */
  }
}

export interface ConfigurePodIfaceOptions {
  /** arp_notify=1 and ndisc_notify=1 (macvlan, ipvlan: announce the new address on the shared L2) */
  notify: boolean;
}

/** Addresses, link up, routes (the reference's ConfigureIface), after the per-interface sysctls. */
export function configurePodIface(h: PodHandles, link: Link, result: Result, o: ConfigurePodIfaceOptions): void {
  h.inContainer(() => {
    if (o.notify) {
      bestEffort(`net/ipv4/conf/${link.name}/arp_notify`, "1");
      bestEffort(`net/ipv6/conf/${link.name}/ndisc_notify`, "1");
    }
    bestEffort(`net/ipv6/conf/${link.name}/keep_addr_on_down`, "1");
  });
  configureIface(h, link.ifindex, link.name, result, { settleV6Ms: SETTLE_V6_MS });
}

/** The L2-only path (no IPAM): the link just comes up. */
export function bringUp(h: PodHandles, link: Link): Link {
  setLinkUp(h.ctr, link);
  return { ...link, up: true };
}

/** CHECK: the prevResult interface named ifname must be in this sandbox (the reference's wording). */
export function findPodInterface(result: Result, ifname: string, netns: string): Interface {
  const iface = result.interfaces?.find((i) => i.name === ifname && i.sandbox === netns);
  if (!iface) return fail(`Sandbox in prevResult ${result.interfaces?.find((i) => i.name === ifname)?.sandbox ?? ""} doesn't match configured netns: ${netns}`);
  return iface;
}

/** CHECK: the pod link exists, is of kind `kind` and has the prevResult's MAC. */
export function checkPodLink(h: PodHandles, iface: Interface, kind: string): Link {
  const link = getLinkByName(h.ctr, iface.name) ?? fail(`Container Interface name in prevResult: ${iface.name} not found`);
  if (link.kind !== kind) fail(`Error: Container interface ${iface.name} not of type ${kind}`);
  if (iface.mac && iface.mac !== link.mac) fail(`Interface ${iface.name} Mac ${iface.mac} doesn't match container Mac: ${link.mac}`);
  return link;
}

/** STATUS: forwarded to IPAM when there is one (the reference macvlan/ipvlan/host-device/tap). */
export async function statusThroughIpam(ctx: StatusContext): Promise<void> {
  const ipam = ctx.conf.ipam?.type;
  if (ipam) await delegateStatus(ipam, ctx);
}
