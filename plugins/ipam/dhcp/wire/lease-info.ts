// What an ACK grants: address, timers, routes and DNS, and its CNI result. Pure: no I/O.
// Rules follow the reference: lease time default 1 h when option 51 is missing; T2 = option 59 or
// 85 % (also when larger than the lease); T1 = option 58 or 50 % (also when larger than T2); routes
// from option 121 only when present (RFC 3442: then 33 and the router are ignored), else option 33
// plus a default route via the first router.
import { formatCIDR, formatIP, makeCidr, type IP } from "../../../../shared/ip/index.ts";
import type { DNS, Result, Route } from "../../../../shared/cni/types.ts";
import { CURRENT_VERSION } from "../../../../shared/cni/types.ts";
import { DhcpDecodeError, type DhcpMessage } from "./message.ts";
import {
  maskPrefix,
  Opt,
  readClasslessRoutes,
  readDomainSearch,
  readIP,
  readIPList,
  readStaticRoutes,
  readText,
  readU32,
  type Route4,
} from "./options.ts";

const DEFAULT_LEASE_SECONDS = 3600;
const RT_SCOPE_LINK = 253;

export interface LeaseInfo {
  address: IP;
  prefix: number;
  serverId?: IP;
  routers: IP[];
  routes: Route4[];
  dns: DNS;
  leaseSeconds: number;
  renewSeconds: number;
  rebindSeconds: number;
}

export function leaseTimes(ack: DhcpMessage): { lease: number; t1: number; t2: number } {
  const lease = readU32(ack.options.get(Opt.LEASE_TIME), Opt.LEASE_TIME) ?? DEFAULT_LEASE_SECONDS;
  let t2 = readU32(ack.options.get(Opt.REBINDING_TIME), Opt.REBINDING_TIME);
  if (t2 === undefined || t2 > lease) t2 = Math.floor((lease * 85) / 100);
  let t1 = readU32(ack.options.get(Opt.RENEWAL_TIME), Opt.RENEWAL_TIME);
  if (t1 === undefined || t1 > t2) t1 = Math.floor(lease / 2);
  return { lease, t1, t2 };
}

function dnsOf(ack: DhcpMessage): DNS {
  const dns: DNS = {};
  const servers = readIPList(ack.options.get(Opt.DNS_SERVERS), Opt.DNS_SERVERS);
  if (servers) dns.nameservers = servers.map(formatIP);
  const domain = readText(ack.options.get(Opt.DOMAIN_NAME));
  if (domain) dns.domain = domain;
  const search = readDomainSearch(ack.options.get(Opt.DOMAIN_SEARCH));
  if (search && search.length > 0) dns.search = search;
  return dns;
}

function routesOf(ack: DhcpMessage, routers: IP[]): Route4[] {
  const classless = readClasslessRoutes(ack.options.get(Opt.CLASSLESS_ROUTES));
  if (classless && classless.length > 0) return classless;
  const out = [...(readStaticRoutes(ack.options.get(Opt.STATIC_ROUTES)) ?? [])];
  if (routers[0]) out.push({ dst: { family: 4, value: 0n }, prefix: 0, gw: routers[0] });
  return out;
}

/** Interprets an ACK; throws DhcpDecodeError if it grants no usable address. */
export function leaseInfo(ack: DhcpMessage): LeaseInfo {
  const mask = readIP(ack.options.get(Opt.SUBNET_MASK), Opt.SUBNET_MASK);
  if (!mask) throw new DhcpDecodeError("DHCP option Subnet Mask not found in DHCPACK", 0);
  if (ack.yiaddr.value === 0n) throw new DhcpDecodeError("DHCPACK without an address (yiaddr 0.0.0.0)", 16);
  const routers = readIPList(ack.options.get(Opt.ROUTERS), Opt.ROUTERS) ?? [];
  const { lease, t1, t2 } = leaseTimes(ack);
  return {
    address: ack.yiaddr,
    prefix: maskPrefix(mask),
    serverId: readIP(ack.options.get(Opt.SERVER_ID), Opt.SERVER_ID),
    routers,
    routes: routesOf(ack, routers),
    dns: dnsOf(ack),
    leaseSeconds: lease,
    renewSeconds: t1,
    rebindSeconds: t2,
  };
}

/** The IPAM result (no interfaces, no interface index); `priority` != 0 becomes every route's metric. */
export function leaseResult(info: LeaseInfo, priority: number): Result {
  const ip: { address: string; gateway?: string } = { address: formatCIDR(makeCidr(info.address, info.prefix)) };
  if (info.routers[0]) ip.gateway = formatIP(info.routers[0]);
  const routes: Route[] = info.routes.map((r) => {
    const route: Route = { dst: formatCIDR(makeCidr(r.dst, r.prefix)) };
    if (r.gw.value !== 0n) route.gw = formatIP(r.gw);
    else route.scope = RT_SCOPE_LINK; // an on-link route (router 0.0.0.0 in option 121)
    if (priority !== 0) route.priority = priority;
    return route;
  });
  const result: Result = { cniVersion: CURRENT_VERSION, ips: [ip], routes };
  if (Object.keys(info.dns).length > 0) result.dns = info.dns;
  return result;
}
