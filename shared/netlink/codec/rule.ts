// rtnetlink FIB rules (policy routing, `ip rule`): struct fib_rule_hdr + FRA_* attributes, request
// encoder and reply decoder (linux/fib_rules.h).
import { attrStr, attrU32, attrU8, attrView, forEachAttr, LE, needStruct } from "./attr.ts";
import { formatIp } from "./inet.ts";
import type { NlWriter } from "./writer.ts";

export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;
export const RTM_GETRULE = 34;

const FIB_RULE_HDR_LEN = 12;

const FRA_DST = 1;
export const FRA_SRC = 2;
const FRA_IIFNAME = 3;
const FRA_GOTO = 4;
export const FRA_PRIORITY = 6;
const FRA_FWMARK = 10;
export const FRA_TABLE = 15;
const FRA_FWMASK = 16;
const FRA_OIFNAME = 17;
export const FRA_L3MDEV = 19;
export const FRA_PROTOCOL = 21;

/** fib_rule_hdr.action */
export const FR_ACT_TO_TBL = 1;

/** fib_rule_hdr.table when the table id only fits FRA_TABLE. */
const RT_TABLE_UNSPEC = 0;

export interface RuleRequest {
  family: number;
  dstLen?: number;
  srcLen?: number;
  tos?: number;
  /** Tables above 255 go in FRA_TABLE only (header table = RT_TABLE_UNSPEC); FRA_TABLE is always sent when set. */
  table?: number;
  /** FR_ACT_* (default FR_ACT_TO_TBL). */
  action?: number;
  flags?: number;
  dst?: Uint8Array;
  src?: Uint8Array;
  /** Absent: the kernel picks one just above the rule after the first (e.g. 32765 before main). */
  priority?: number;
  iifname?: string;
  oifname?: string;
  fwmark?: number;
  fwmask?: number;
  /** RTPROT_* of the rule's creator. */
  protocol?: number;
}

/** A decoded RTM_NEWRULE. */
export interface Rule {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  /** FRA_TABLE if present, else the header's table. */
  table: number;
  action: number;
  flags: number;
  dst?: string;
  src?: string;
  priority?: number;
  iifname?: string;
  oifname?: string;
  fwmark?: number;
  fwmask?: number;
  goto?: number;
  /** 1 for a VRF's l3mdev rule. */
  l3mdev?: number;
  protocol?: number;
}

/** Writes struct fib_rule_hdr and the attributes of m. */
export function writeRule(w: NlWriter, m: RuleRequest): void {
  const table = m.table ?? RT_TABLE_UNSPEC;
  w.u8(m.family).u8(m.dstLen ?? 0).u8(m.srcLen ?? 0).u8(m.tos ?? 0);
  w.u8(table > 255 ? RT_TABLE_UNSPEC : table).u8(0).u8(0).u8(m.action ?? FR_ACT_TO_TBL);
  w.u32(m.flags ?? 0);
  if (m.dst) w.attrBytes(FRA_DST, m.dst);
  if (m.src) w.attrBytes(FRA_SRC, m.src);
  if (m.iifname !== undefined) w.attrStr(FRA_IIFNAME, m.iifname);
  if (m.priority !== undefined) w.attrU32(FRA_PRIORITY, m.priority);
  if (m.fwmark !== undefined) w.attrU32(FRA_FWMARK, m.fwmark);
  if (m.table !== undefined) w.attrU32(FRA_TABLE, m.table);
  if (m.fwmask !== undefined) w.attrU32(FRA_FWMASK, m.fwmask);
  if (m.oifname !== undefined) w.attrStr(FRA_OIFNAME, m.oifname);
  if (m.protocol !== undefined) w.attrU8(FRA_PROTOCOL, m.protocol);
}

/** Decodes an RTM_NEWRULE payload [off, end). */
export function decodeRule(dv: DataView, off: number, end: number): Rule {
  needStruct(dv, off, end, FIB_RULE_HDR_LEN, "fib_rule_hdr");
  const r: Rule = {
    family: dv.getUint8(off),
    dstLen: dv.getUint8(off + 1),
    srcLen: dv.getUint8(off + 2),
    tos: dv.getUint8(off + 3),
    table: dv.getUint8(off + 4),
    action: dv.getUint8(off + 7),
    flags: dv.getUint32(off + 8, LE),
  };
  forEachAttr(dv, off + FIB_RULE_HDR_LEN, end, (t, o, l) => {
    switch (t) {
      case FRA_DST: r.dst = formatIp(attrView(dv, o, l)); break;
      case FRA_SRC: r.src = formatIp(attrView(dv, o, l)); break;
      case FRA_IIFNAME: r.iifname = attrStr(dv, o, l); break;
      case FRA_OIFNAME: r.oifname = attrStr(dv, o, l); break;
      case FRA_GOTO: r.goto = attrU32(dv, o, l); break;
      case FRA_PRIORITY: r.priority = attrU32(dv, o, l); break;
      case FRA_FWMARK: r.fwmark = attrU32(dv, o, l); break;
      case FRA_FWMASK: r.fwmask = attrU32(dv, o, l); break;
      case FRA_TABLE: r.table = attrU32(dv, o, l); break;
      case FRA_L3MDEV: r.l3mdev = attrU8(dv, o, l); break;
      case FRA_PROTOCOL: r.protocol = attrU8(dv, o, l); break;
    }
  });
  return r;
}
