// The ADD tail and CHECK of plugins that give the pod exactly one interface and leave nothing on the
// host (macvlan, ipvlan, vlan, dummy, tap, host-device): the result shape every one of them shares,
// and the reference's ConfigureIface applied to the landed link.
import { delegateGC, delegateStatus } from "../../../shared/cni/delegate.ts";
import { internalError } from "../../../shared/cni/errors.ts";
import { lineLogger, type CmdContext, type GcContext, type StatusContext } from "../../../shared/cni/plugin.ts";
import { CURRENT_VERSION, type DNS, type Interface, type Result } from "../../../shared/cni/types.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import { getLinkByName, setLinkUp } from "../../../shared/netlink/links.ts";
import { writeSysctl } from "../../../shared/sys/sysctl.ts";
import { runTeardown, UndoStack } from "../../../shared/undo.ts";
import { withPodHandles, type PodHandles } from "./handles.ts";
import { configureIface } from "./iface.ts";
import { delegatingIpam } from "./ipam.ts";
import { landPodLink } from "./link.ts";
import { deleteContainerLink } from "./system-net.ts";

/** How long ADD waits for IPv6 DAD when IPAM gave an IPv6 gateway (the reference's 5 s). */
const SETTLE_V6_MS = 5_000;

const fail = (msg: string): never => {
  throw internalError(msg);
};

/** interfaces = [the pod link], and the IPAM result (if any) with every IP on that interface (index 0). */
function podIfaceResult(ctx: CmdContext, link: Link, ipam?: Result): Result {
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

interface ConfigurePodIfaceOptions {
  /**
   * true: arp_notify=1 and ndisc_notify=1 (macvlan, ipvlan: announce the new address on the shared
   * L2); "arp": arp_notify only (tap, as the reference); false: neither
   */
  notify: boolean | "arp";
}

/** Addresses, link up, routes (the reference's ConfigureIface), after the per-interface sysctls. */
function configurePodIface(h: PodHandles, link: Link, result: Result, o: ConfigurePodIfaceOptions): void {
  h.inContainer(() => {
    if (o.notify) bestEffort(`net/ipv4/conf/${link.name}/arp_notify`, "1");
    if (o.notify === true) bestEffort(`net/ipv6/conf/${link.name}/ndisc_notify`, "1");
    bestEffort(`net/ipv6/conf/${link.name}/keep_addr_on_down`, "1");
  });
  configureIface(h, link.ifindex, link.name, result, { settleV6Ms: SETTLE_V6_MS });
}

/** The L2-only path (no IPAM): the link just comes up. */
function bringUp(h: PodHandles, link: Link): Link {
  setLinkUp(h.ctr, link);
  return { ...link, up: true };
}

/** CHECK: the prevResult interface named ifname must be in this sandbox (the reference's wording). */
export function findPodInterface(result: Result, ifname: string, netns: string): Interface {
  const iface = result.interfaces?.find((i) => i.name === ifname && i.sandbox === netns);
  if (!iface) return fail(`Sandbox in prevResult ${result.interfaces?.find((i) => i.name === ifname)?.sandbox ?? ""} doesn't match configured netns: ${netns}`);
  return iface;
}

/** CHECK: the pod link exists, is of kind `kind` (any kind when undefined) and has the prevResult's MAC. */
export function checkPodLink(h: PodHandles, iface: Interface, kind: string | undefined): Link {
  const link = getLinkByName(h.ctr, iface.name) ?? fail(`Container Interface name in prevResult: ${iface.name} not found`);
  if (kind !== undefined && link.kind !== kind) fail(`Error: Container interface ${iface.name} not of type ${kind}`);
  if (iface.mac && iface.mac !== link.mac) fail(`Interface ${iface.name} Mac ${iface.mac} doesn't match container Mac: ${link.mac}`);
  return link;
}

/** STATUS: forwarded to IPAM when there is one (the reference macvlan/ipvlan/host-device/tap). */
export async function statusThroughIpam(ctx: StatusContext): Promise<void> {
  const ipam = ctx.conf.ipam?.type;
  if (ipam) await delegateStatus(ipam, ctx);
}

/**
 * GC: the link lives in the pod netns and goes with it; the IP does not, so GC is forwarded to IPAM
 * (as the spec asks of a plugin with a delegated IPAM): an allocation whose ADD was killed before the
 * runtime got a result is released by GC alone.
 */
export async function gcThroughIpam(ctx: GcContext): Promise<void> {
  const ipam = ctx.conf.ipam?.type;
  if (ipam) await delegateGC(ipam, ctx);
}

/** What differs between the one-interface plugins' ADDs; the steps and their rollback are shared. */
interface PodIfaceAdd {
  /** "macvlan", for messages */
  what: string;
  /**
   * Called once with the open handles, before anything is created: resolves what the link needs
   * (master, MTU bound: errors here leave nothing behind) and returns the function that creates the
   * link in the pod netns under a temporary name (see pod/link.ts).
   */
  prepare(h: PodHandles): (tempName: string) => void;
  /** The inverse of arrive for rollback (pod/link.ts `leave`); default: delete the link. */
  leave?(h: PodHandles, link: Link): void;
  /**
   * Settings applied once the link carries its final name, before IPAM (tap: MTU, MAC, bridge);
   * returns the link as it is then (its MAC goes into the result). Undone with the link itself.
   */
  afterLanding?(h: PodHandles, link: Link): Link;
  /** The IPs to apply, registering their own rollback (IPAM ADD); undefined = L2 only (link up). */
  addresses(undo: UndoStack): Promise<Result | undefined>;
  /** arp_notify/ndisc_notify on the interface (macvlan, ipvlan), arp_notify only (tap) */
  notify: boolean | "arp";
  /** the network's dns, replacing IPAM's ({} drops it), or "ipam" to keep IPAM's (dummy) */
  dns: DNS | "ipam";
}

/** ADD of a one-interface plugin: land the link, get the IPs, configure; every step undone on failure. */
export async function addPodIface(ctx: CmdContext, o: PodIfaceAdd): Promise<Result> {
  const log = lineLogger(ctx, `${o.what} ${ctx.containerId}/${ctx.ifname}`);
  return withPodHandles(ctx.netns, (h) =>
    new UndoStack().run(async (undo) => {
      const arrive = o.prepare(h);
      const leave = o.leave && ((l: Link) => o.leave!(h, l));
      const landed = landPodLink(h, undo, { ifname: ctx.ifname, what: o.what, arrive, leave });
      const link = o.afterLanding ? o.afterLanding(h, landed) : landed;
      const ipam = await o.addresses(undo);
      if (!ipam) return withDns(podIfaceResult(ctx, bringUp(h, link)), o.dns);
      const result = podIfaceResult(ctx, link, ipam);
      configurePodIface(h, link, result, { notify: o.notify });
      return withDns(result, o.dns);
    }, log),
  );
}

function withDns(result: Result, dns: DNS | "ipam"): Result {
  if (dns === "ipam") return result;
  if (Object.keys(dns).length > 0) result.dns = { ...dns };
  else delete result.dns;
  return result;
}

/**
 * DEL of a one-interface plugin: release the IP (when ipam.type is set), delete the pod link. Reads no
 * plugin key and never looks at the master, so it succeeds when the master, the link or the netns is
 * gone and when repeated (the reference's vlan DEL and 1.1.1's macvlan DEL fail without the master).
 */
export async function delPodIface(ctx: CmdContext): Promise<void> {
  await runTeardown([
    ["release IP", () => delegatingIpam.del(ctx)],
    ["delete container interface", () => deleteContainerLink(ctx.netns, ctx.ifname)],
  ]);
}
