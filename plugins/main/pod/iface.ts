// Addresses and routes of the container interface, as the reference's ipam.ConfigureIface applies
// an IPAM result: every IP whose `interface` points at this ifname, then the link up, then every
// route (a route without gw takes the first gateway of its family).
import { internalError } from "../../../shared/cni/errors.ts";
import type { Result } from "../../../shared/cni/types.ts";
import { AF_INET6, familyOf } from "../../../shared/ip/index.ts";
import { addAddress, listAddresses } from "../../../shared/netlink/addresses.ts";
import { IFA_F_DADFAILED, IFA_F_TENTATIVE } from "../../../shared/netlink/codec/addr.ts";
import { addRoute } from "../../../shared/netlink/routes.ts";
import { setLinkUp } from "../../../shared/netlink/links.ts";
import { readSysctl, writeSysctl } from "../../../shared/sys/sysctl.ts";
import type { PodHandles } from "./handles.ts";

/** Turns IPv6 on for lo and the interface when an IPv6 address is about to be added (as the reference). */
function enableIPv6(ifname: string): void {
  for (const iface of ["lo", ifname]) {
    const key = `net/ipv6/conf/${iface}/disable_ipv6`;
    try {
      if (readSysctl(key) !== "0") writeSysctl(key, "0");
    } catch {
      /* IPv6 compiled out or the interface has no conf yet: adding the address will tell */
    }
  }
}

/** The IPs of result that belong to ifname (by interface index), validated like the reference. */
function ipsForInterface(result: Result, ifname: string): string[] {
  const out: string[] = [];
  for (const ipc of result.ips ?? []) {
    if (ipc.interface === undefined) continue;
    const iface = result.interfaces?.[ipc.interface];
    if (!iface || iface.name !== ifname) {
      throw internalError(`failed to add IP addr ${ipc.address} to "${ifname}": invalid interface index`);
    }
    out.push(ipc.address);
  }
  return out;
}

function firstGateways(result: Result): { v4?: string; v6?: string } {
  const gws: { v4?: string; v6?: string } = {};
  for (const ipc of result.ips ?? []) {
    if (!ipc.gateway) continue;
    if (familyOf(ipc.gateway) === 6) gws.v6 ??= ipc.gateway;
    else gws.v4 ??= ipc.gateway;
  }
  return gws;
}

interface ConfigureIfaceOptions {
  /** with an IPv6 gateway in the result, wait up to this long after link up for DAD to finish
   * before adding routes, as the reference's ConfigureIface does (5 s there); 0/absent = no wait */
  settleV6Ms?: number;
}

/** Applies result to the container interface ifindex/ifname. Runs sysctls inside the container netns. */
export function configureIface(h: PodHandles, ifindex: number, ifname: string, result: Result, o: ConfigureIfaceOptions = {}): void {
  const addrs = ipsForInterface(result, ifname);
  if (addrs.some((a) => familyOf(a) === 6)) h.inContainer(() => enableIPv6(ifname));
  const batch = h.ctr.batch();
  for (const cidr of addrs) addAddress(batch, { link: { ifindex, name: ifname }, cidr });
  setLinkUp(batch, ifindex);
  batch.commit();
  if (o.settleV6Ms && firstGateways(result).v6) settleAddresses(h, ifindex, ifname, o.settleV6Ms);
  addRoutes(h, ifindex, ifname, result);
}

function addRoutes(h: PodHandles, ifindex: number, ifname: string, result: Result): void {
  const gws = firstGateways(result);
  const batch = h.ctr.batch();
  for (const r of result.routes ?? []) {
    const gw = r.gw ?? (familyOf(r.dst) === 6 ? gws.v6 : gws.v4);
    addRoute(batch, {
      dst: r.dst,
      gw,
      dev: { ifindex, name: ifname },
      mtu: r.mtu,
      advmss: r.advmss,
      priority: r.priority,
      table: r.table,
      scope: r.scope,
    });
  }
  batch.commit();
}

/** Waits until no IPv6 address of ifindex is tentative (DAD enabled); fails on dadfailed. */
export function settleAddresses(h: PodHandles, ifindex: number, ifname: string, timeoutMs = 10_000): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v6 = listAddresses(h.ctr, { link: ifindex }).filter((a) => a.family === AF_INET6 && a.scope === 0);
    const failed = v6.find((a) => a.flags & IFA_F_DADFAILED);
    if (failed) throw internalError(`${failed.address} on ${ifname} failed duplicate address detection`);
    if (!v6.some((a) => a.flags & IFA_F_TENTATIVE)) return;
    if (Date.now() > deadline) throw internalError(`IPv6 addresses on ${ifname} still tentative after ${timeoutMs} ms`);
    Bun.sleepSync(2); // without DAD the wait is a few ms; with DAD, ~1 s either way
  }
}
