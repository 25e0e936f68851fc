// High-level route operations: one function per kernel request, option objects in.
import { AF_UNSPEC } from "./codec/inet.ts";
import { wireAddress, type AddressFamily, type WireAddress } from "../ip/index.ts";
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from "./codec/nlmsg.ts";
import {
  decodeRoute,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
  RTM_DELROUTE,
  RTM_F_CLONED,
  RTM_GETROUTE,
  RTM_NEWROUTE,
  RTN_UNICAST,
  RTPROT_BOOT,
  writeRoute,
  type Route,
  type RouteRequest,
} from "./codec/route.ts";
import { prefixOrThrow } from "./addresses.ts";
import { indexOf, labelOf, type IndexRef } from "./refs.ts";
import type { NetlinkConn, NetlinkRequester } from "./request.ts";

interface RouteOptions {
  /** Destination CIDR; absent means the default route (then family comes from gw/src/family). */
  dst?: string;
  family?: AddressFamily;
  /** Gateway address. */
  gw?: string;
  dev?: IndexRef;
  /** RT_SCOPE_* (default universe; RT_SCOPE_LINK for on-link routes without a gateway). */
  scope?: number;
  /** Default RT_TABLE_MAIN. */
  table?: number;
  /** Metric. */
  priority?: number;
  /** RTAX_MTU / RTAX_ADVMSS metrics. */
  mtu?: number;
  advmss?: number;
  /** Preferred source (RTA_PREFSRC). */
  src?: string;
  /** RTPROT_* (default RTPROT_BOOT, as `ip route add` and the reference). */
  protocol?: number;
  /** RTN_* (default RTN_UNICAST). */
  type?: number;
  /** IPv6 router preference (RTA_PREF). */
  pref?: number;
}

/** Address text as the kernel takes it, in `family` when that is already known. */
function addrOf(s: string, family: AddressFamily | undefined, what: string): WireAddress {
  const a = wireAddress(s);
  if (!a || (family !== undefined && a.family !== family)) throw new RangeError(`invalid ${what} "${s}"`);
  return a;
}

/** The request for o; defaults as for RTM_NEWROUTE. */
function routeRequest(o: RouteOptions): RouteRequest {
  let family = o.family;
  const dst = o.dst === undefined ? undefined : prefixOrThrow(o.dst);
  if (dst) family ??= dst.family;
  const gateway = o.gw === undefined ? undefined : addrOf(o.gw, family, "gateway");
  if (gateway) family ??= gateway.family;
  const prefsrc = o.src === undefined ? undefined : addrOf(o.src, family, "source");
  if (prefsrc) family ??= prefsrc.family;
  if (family === undefined) throw new RangeError("route: family needed when dst, gw and src are all absent");
  if (dst && dst.family !== family) throw new RangeError(`route: ${o.dst} is not of the route's family`);
  return {
    family,
    dstLen: dst?.prefixLen ?? 0,
    table: o.table ?? RT_TABLE_MAIN,
    protocol: o.protocol ?? RTPROT_BOOT,
    scope: o.scope ?? RT_SCOPE_UNIVERSE,
    type: o.type ?? RTN_UNICAST,
    dst: dst && dst.prefixLen > 0 ? dst.bytes : undefined,
    gateway: gateway?.bytes,
    oif: o.dev === undefined ? undefined : indexOf(o.dev),
    priority: o.priority,
    prefsrc: prefsrc?.bytes,
    mtu: o.mtu,
    advmss: o.advmss,
    pref: o.pref,
  };
}

/** "10.2.0.0/16 via 10.1.0.1 dev eth0" (for error messages). */
function routeLabel(o: RouteOptions): string {
  let s = o.dst === undefined || /\/0$/.test(o.dst) ? "default" : o.dst;
  if (o.gw !== undefined) s += ` via ${o.gw}`;
  if (o.dev !== undefined) s += ` dev ${labelOf(o.dev)}`;
  if (o.table !== undefined && o.table !== RT_TABLE_MAIN) s += ` table ${o.table}`;
  return s;
}

/** Adds a route (EEXIST if an equal one exists). */
export function addRoute(r: NetlinkRequester, o: RouteOptions): void {
  const m = routeRequest(o);
  r.request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, `add route ${routeLabel(o)}`, (w) => writeRoute(w, m));
}

/** Adds a route or replaces the one with the same destination, table, tos and priority. */
export function replaceRoute(r: NetlinkRequester, o: RouteOptions): void {
  const m = routeRequest(o);
  r.request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, `replace route ${routeLabel(o)}`, (w) => writeRoute(w, m));
}

/** Deletes the route matching o (unset fields match anything; ESRCH if none: see isNotFound()). */
export function deleteRoute(r: NetlinkRequester, o: RouteOptions): void {
  const m = routeRequest(o);
  m.protocol = o.protocol ?? 0;
  m.type = o.type ?? 0;
  m.scope = o.scope ?? RT_SCOPE_NOWHERE;
  r.request(RTM_DELROUTE, 0, `delete route ${routeLabel(o)}`, (w) => writeRoute(w, m));
}

const routeBytes = (text: string | undefined): Uint8Array | undefined => (text === undefined ? undefined : wireAddress(text)?.bytes);

/** The request re-creating a route a dump returned, in `table` (flags cleared: a cloned/dynamic flag is refused). */
function requestOf(rt: Route, table: number): RouteRequest {
  return {
    family: rt.family,
    dstLen: rt.dstLen,
    srcLen: rt.srcLen,
    tos: rt.tos,
    table,
    protocol: rt.protocol,
    scope: rt.scope,
    type: rt.type,
    dst: routeBytes(rt.dst),
    src: routeBytes(rt.src),
    gateway: routeBytes(rt.gateway),
    oif: rt.oif,
    priority: rt.priority,
    prefsrc: routeBytes(rt.prefsrc),
    mtu: rt.mtu,
    advmss: rt.advmss,
    pref: rt.pref,
  };
}

function dumpedLabel(rt: Route, table: number): string {
  const dst = rt.dst === undefined ? "default" : `${rt.dst}/${rt.dstLen}`;
  return `${dst}${rt.gateway ? ` via ${rt.gateway}` : ""}${rt.oif ? ` dev #${rt.oif}` : ""} table ${table}`;
}

/** Adds (or replaces) a copy of a dumped route in another table. */
export function replaceRouteCopy(r: NetlinkRequester, rt: Route, table: number): void {
  const m = requestOf(rt, table);
  r.request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, `replace route ${dumpedLabel(rt, table)}`, (w) => writeRoute(w, m));
}

/** Deletes exactly a route a dump returned (ESRCH if it is gone: see isNotFound()). */
export function deleteDumpedRoute(r: NetlinkRequester, rt: Route): void {
  const m = requestOf(rt, rt.table);
  r.request(RTM_DELROUTE, 0, `delete route ${dumpedLabel(rt, rt.table)}`, (w) => writeRoute(w, m));
}

interface RouteFilter {
  family?: AddressFamily;
  /** Default RT_TABLE_MAIN; 0 lists every table. */
  table?: number;
  dev?: IndexRef;
}

/** Routes (dump) of a table (main by default), optionally one family and one output device. */
export function listRoutes(c: NetlinkConn, filter: RouteFilter = {}): Route[] {
  const family = filter.family ?? AF_UNSPEC;
  const table = filter.table ?? RT_TABLE_MAIN;
  const oif = filter.dev === undefined ? undefined : indexOf(filter.dev);
  const m: RouteRequest = { family, table: table || undefined, oif };
  return c.dump(RTM_GETROUTE, 0, "list routes", (w) => writeRoute(w, m), (dv, off, end, type) => {
    if (type !== RTM_NEWROUTE) return undefined;
    const rt = decodeRoute(dv, off, end);
    if (rt.flags & RTM_F_CLONED) return undefined;
    if ((table && rt.table !== table) || (oif !== undefined && rt.oif !== oif)) return undefined;
    return family && rt.family !== family ? undefined : rt;
  });
}
