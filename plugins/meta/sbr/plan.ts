// What sbr ADD does to a pod, computed from what the pod has (pure, so every rule is unit-tested):
// one routing table per IP, the first id >= 100 that no rule and no route uses (the reference looks
// only at rules and the main table; tscni also skips tables holding routes, such as a VRF's), a rule
// "from IP/32|128 lookup T", a default route via the IP's gateway in T, a copy in T of every main-table
// route of the link whose preferred source or gateway is in the IP's subnet, or that has neither (e.g.
// fe80::/64); then every main-table route of the link is deleted.
import { contains, formatIP, parseIP, type IP } from "../../../shared/ip/index.ts";
import type { Route } from "../../../shared/netlink/codec/route.ts";
import type { SbrIP } from "./config.ts";

const FIRST_TABLE = 100;

export interface IpPlan {
  readonly table: number;
  /** the rule's source prefix: the address alone (/32 or /128) */
  readonly src: string;
  /** the default route's gateway, when the IP has one */
  readonly gateway?: string;
  /** main-table routes of the link to copy into the table */
  readonly copies: readonly Route[];
}

interface SbrPlan {
  readonly ips: readonly IpPlan[];
  /** main-table routes of the link, deleted once every table is filled */
  readonly deletes: readonly Route[];
}

/** The first table id >= from that is not in use. */
export function nextFreeTable(used: ReadonlySet<number>, from: number): number {
  let t = from;
  while (used.has(t)) t++;
  return t;
}

/** The rule's source: the address alone, "10.1.0.5/32" or "fd00::5/128". */
export function hostPrefix(ip: SbrIP): string {
  return `${formatIP(ip.address.ip)}/${ip.address.ip.family === 4 ? 32 : 128}`;
}

const ipOf = (text: string | undefined): IP | undefined => (text === undefined ? undefined : parseIP(text));

/** The reference's test: prefsrc or gateway inside the IP's subnet, or neither set ("generic" route). */
function belongsTo(rt: Route, ip: SbrIP): boolean {
  const src = ipOf(rt.prefsrc);
  const gw = ipOf(rt.gateway);
  if (!src && !gw) return true;
  return (src !== undefined && contains(ip.address, src)) || (gw !== undefined && contains(ip.address, gw));
}

/**
 * The plan for the link's IPs: usedTables are the tables every rule and route of the pod refer to;
 * linkRoutes the link's main-table routes.
 */
export function planSbr(ips: readonly SbrIP[], usedTables: ReadonlySet<number>, linkRoutes: readonly Route[]): SbrPlan {
  const out: IpPlan[] = [];
  let table = nextFreeTable(usedTables, FIRST_TABLE);
  for (const ip of ips) {
    out.push(Object.freeze({
      table,
      src: hostPrefix(ip),
      ...(ip.gateway && { gateway: formatIP(ip.gateway) }),
      copies: linkRoutes.filter((rt) => belongsTo(rt, ip)),
    }));
    table = nextFreeTable(usedTables, table + 1);
  }
  return Object.freeze({ ips: out, deletes: linkRoutes });
}
