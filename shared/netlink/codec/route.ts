// rtnetlink routes: struct rtmsg + RTA_* attributes, request encoder and reply decoder.
import { attrU32, attrU8, attrView, forEachAttr, LE, needStruct } from "./attr.ts";
import { formatIp } from "./inet.ts";
import type { NlWriter } from "./writer.ts";

export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;

const RTMSG_LEN = 12;

export const RTA_DST = 1;
const RTA_SRC = 2;
const RTA_IIF = 3;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_METRICS = 8;
export const RTA_TABLE = 15;
export const RTA_PREF = 20;

export const RTAX_MTU = 2;
export const RTAX_ADVMSS = 8;

export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_MAIN = 254;

const RTN_UNSPEC = 0;
export const RTN_UNICAST = 1;

const RTPROT_UNSPEC = 0;
export const RTPROT_BOOT = 3;

export const RTM_F_CLONED = 0x200;

export interface RouteRequest {
  family: number;
  dstLen?: number;
  srcLen?: number;
  tos?: number;
  /** rtm_table; tables above 255 go in RTA_TABLE only (rtm_table = RT_TABLE_UNSPEC). */
  table?: number;
  protocol?: number;
  scope?: number;
  type?: number;
  flags?: number;
  dst?: Uint8Array;
  src?: Uint8Array;
  gateway?: Uint8Array;
  oif?: number;
  priority?: number;
  prefsrc?: Uint8Array;
  mtu?: number;
  advmss?: number;
  pref?: number;
}

/** A decoded RTM_NEWROUTE. */
export interface Route {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  /** RTA_TABLE if present, else rtm_table. */
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
  /** Absent for a default route. */
  dst?: string;
  src?: string;
  gateway?: string;
  oif?: number;
  iif?: number;
  priority?: number;
  prefsrc?: string;
  mtu?: number;
  advmss?: number;
  pref?: number;
}

/** Writes struct rtmsg and the attributes of m. */
export function writeRoute(w: NlWriter, m: RouteRequest): void {
  const table = m.table ?? RT_TABLE_UNSPEC;
  w.u8(m.family).u8(m.dstLen ?? 0).u8(m.srcLen ?? 0).u8(m.tos ?? 0);
  w.u8(table > 255 ? RT_TABLE_UNSPEC : table).u8(m.protocol ?? RTPROT_UNSPEC);
  w.u8(m.scope ?? RT_SCOPE_UNIVERSE).u8(m.type ?? RTN_UNSPEC).u32(m.flags ?? 0);
  if (m.dst) w.attrBytes(RTA_DST, m.dst);
  if (m.src) w.attrBytes(RTA_SRC, m.src);
  if (m.gateway) w.attrBytes(RTA_GATEWAY, m.gateway);
  if (m.oif !== undefined) w.attrU32(RTA_OIF, m.oif);
  if (m.priority !== undefined) w.attrU32(RTA_PRIORITY, m.priority);
  if (m.prefsrc) w.attrBytes(RTA_PREFSRC, m.prefsrc);
  if (m.table !== undefined) w.attrU32(RTA_TABLE, m.table);
  if (m.mtu !== undefined || m.advmss !== undefined) {
    w.nest(RTA_METRICS);
    if (m.mtu !== undefined) w.attrU32(RTAX_MTU, m.mtu);
    if (m.advmss !== undefined) w.attrU32(RTAX_ADVMSS, m.advmss);
    w.end();
  }
  if (m.pref !== undefined) w.attrU8(RTA_PREF, m.pref);
}

function decodeMetrics(dv: DataView, off: number, end: number, r: Route): void {
  forEachAttr(dv, off, end, (t, o, l) => {
    if (t === RTAX_MTU) r.mtu = attrU32(dv, o, l);
    else if (t === RTAX_ADVMSS) r.advmss = attrU32(dv, o, l);
  });
}

/** Decodes an RTM_NEWROUTE payload [off, end). */
export function decodeRoute(dv: DataView, off: number, end: number): Route {
  needStruct(dv, off, end, RTMSG_LEN, "rtmsg");
  const r: Route = {
    family: dv.getUint8(off),
    dstLen: dv.getUint8(off + 1),
    srcLen: dv.getUint8(off + 2),
    tos: dv.getUint8(off + 3),
    table: dv.getUint8(off + 4),
    protocol: dv.getUint8(off + 5),
    scope: dv.getUint8(off + 6),
    type: dv.getUint8(off + 7),
    flags: dv.getUint32(off + 8, LE),
  };
  forEachAttr(dv, off + RTMSG_LEN, end, (t, o, l) => {
    switch (t) {
      case RTA_DST: r.dst = formatIp(attrView(dv, o, l)); break;
      case RTA_SRC: r.src = formatIp(attrView(dv, o, l)); break;
      case RTA_GATEWAY: r.gateway = formatIp(attrView(dv, o, l)); break;
      case RTA_PREFSRC: r.prefsrc = formatIp(attrView(dv, o, l)); break;
      case RTA_OIF: r.oif = attrU32(dv, o, l); break;
      case RTA_IIF: r.iif = attrU32(dv, o, l); break;
      case RTA_PRIORITY: r.priority = attrU32(dv, o, l); break;
      case RTA_TABLE: r.table = attrU32(dv, o, l); break;
      case RTA_METRICS: decodeMetrics(dv, o, o + l, r); break;
      case RTA_PREF: r.pref = attrU8(dv, o, l); break;
    }
  });
  return r;
}
