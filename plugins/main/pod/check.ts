// CHECK helpers shared by bridge and ptp: the container interface, its addresses and routes must
// still be what the ADD result (prevResult) says.
import { internalError } from "../../../shared/cni/errors.ts";
import type { Interface, Result } from "../../../shared/cni/types.ts";
import { listAddresses } from "../../../shared/netlink/addresses.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import { getLinkByName } from "../../../shared/netlink/links.ts";
import { listRoutes } from "../../../shared/netlink/routes.ts";
import { AF_INET, AF_INET6, familyOf, formatCIDR, formatIP, networkOf, parseCIDR, parseIP } from "../../../shared/ip/index.ts";
import type { PodHandles } from "./handles.ts";

const fail = (msg: string): never => {
  throw internalError(msg);
};

export function findContainerInterface(result: Result, ifname: string, netns: string): Interface {
  const iface = result.interfaces?.find((i) => i.name === ifname && i.sandbox === netns);
  if (!iface) return fail(`CNI created interface in container ${ifname} not found`);
  return iface;
}

/** The container end: present, a veth, with the MAC from the result. */
export function checkContainerVeth(h: PodHandles, iface: Interface): Link {
  const link = getLinkByName(h.ctr, iface.name) ?? fail(`Interface name ${iface.name} not found`);
  if (link.kind !== "veth") fail(`Error: Container interface ${iface.name} not of type veth`);
  if (iface.mac && iface.mac !== link.mac) {
    fail(`Interface ${iface.name} Mac ${iface.mac} doesn't match container Mac: ${link.mac}`);
  }
  return link;
}

const canonical = (cidr: string): string => formatCIDR(parseCIDR(cidr)!);

/** Every result IP belonging to ifname is configured on it. */
export function checkAddresses(h: PodHandles, link: Link, result: Result): void {
  const have = new Set(
    listAddresses(h.ctr, { link: link.ifindex }).map((a) => canonical(`${a.local ?? a.address}/${a.prefixLen}`)),
  );
  for (const ipc of result.ips ?? []) {
    if (ipc.interface === undefined || result.interfaces?.[ipc.interface]?.name !== link.name) continue;
    if (!have.has(canonical(ipc.address))) fail(`Failed to match addr ${ipc.address} on interface ${link.name}`);
  }
}

function routeKey(dst: string | undefined, family: number, gw: string | undefined): string {
  const d = dst ? formatCIDR(networkOf(parseCIDR(dst)!)) : family === AF_INET6 ? "::/0" : "0.0.0.0/0";
  return `${d} ${gw ? formatIP(parseIP(gw)!) : ""}`;
}

/** Every result route is present in the container (any table the route names, main otherwise). */
export function checkRoutes(h: PodHandles, result: Result): void {
  const routes = listRoutes(h.ctr, {});
  const have = new Set<string>();
  for (const r of routes) {
    const dst = r.dst ? `${r.dst}/${r.dstLen}` : undefined;
    have.add(routeKey(dst, r.family, r.gateway));
    have.add(routeKey(dst, r.family, undefined));
  }
  for (const r of result.routes ?? []) {
    const fam = familyOf(r.dst) === 6 ? AF_INET6 : AF_INET;
    if (!have.has(routeKey(r.dst, fam, r.gw))) {
      fail(`Failed to find a route matching dst ${r.dst}${r.gw ? ` via ${r.gw}` : ""} in the container`);
    }
  }
}
