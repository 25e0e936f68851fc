// rtnetlink traffic control: struct tcmsg + TCA_* attributes for qdiscs and filters, request encoders
// and reply decoders side by side. Covers what the bandwidth plugin needs: tbf (with TCA_TBF_RATE64),
// ingress, u32 (match-all selector, classid) with mirred actions nested under TCA_U32_ACT.
// Also the tick arithmetic of /proc/net/psched as vishvananda/netlink (and so the reference) does it.
import { attrStr, attrU32, attrU64, forEachAttr, LE } from "./attr.ts";
import { NetlinkDecodeError } from "./errors.ts";
import { AF_UNSPEC } from "./inet.ts";
import type { NlWriter } from "./writer.ts";

export const RTM_NEWQDISC = 36;
export const RTM_DELQDISC = 37;
export const RTM_GETQDISC = 38;
export const RTM_NEWTFILTER = 44;
export const RTM_GETTFILTER = 46;

const TCMSG_LEN = 20;

export const TC_H_ROOT = 0xffff_ffff;
export const TC_H_INGRESS = 0xffff_fff1;
/** The ingress qdisc's handle, `ffff:`. */
export const TC_H_INGRESS_HANDLE = 0xffff_0000;

const TCA_KIND = 1;
const TCA_OPTIONS = 2;
const TCA_CHAIN = 11;

const TCA_TBF_PARMS = 1;
const TCA_TBF_RATE64 = 4;

const TCA_U32_CLASSID = 1;
const TCA_U32_HASH = 2;
const TCA_U32_DIVISOR = 4;
const TCA_U32_SEL = 5;
const TCA_U32_ACT = 7;

const TC_U32_TERMINAL = 1;

const TCA_ACT_KIND = 1;
const TCA_ACT_OPTIONS = 2;
const TCA_ACT_INDEX = 3;

const TCA_MIRRED_PARMS = 2;

export const TCA_EGRESS_REDIR = 1;

export const TC_ACT_OK = 0;
export const TC_ACT_STOLEN = 4;

export const ETH_P_ALL = 0x0003;

const TC_RATESPEC_LEN = 12;
const TC_TBF_QOPT_LEN = 2 * TC_RATESPEC_LEN + 12;
const TC_U32_SEL_LEN = 16;
const TC_U32_KEY_LEN = 16;
const TC_MIRRED_LEN = 28;

/** A tc handle from major:minor (`1:0` is 0x00010000). */
export const tcHandle = (major: number, minor: number): number => ((major & 0xffff) * 0x1_0000 + (minor & 0xffff)) >>> 0;

/** tcm_info of a filter: priority in the high 16 bits, protocol (network order) in the low 16. */
export const filterInfo = (prio: number, protocol: number): number =>
  ((prio & 0xffff) * 0x1_0000 + (((protocol & 0xff) << 8) | ((protocol >> 8) & 0xff))) >>> 0;

// ---------------------------------------------------------------- types

/** struct tcmsg. */
interface TcMsg {
  family?: number;
  ifindex: number;
  handle?: number;
  parent?: number;
  info?: number;
}

/** tbf parameters in the kernel's units: bytes/s, bytes, ticks. */
export interface TbfParams {
  /** bytes per second; >= 2^32 adds TCA_TBF_RATE64 */
  rate: number;
  /** bytes queued before dropping (qopt.limit) */
  limit: number;
  /** bucket size as the time to send it at rate, in psched ticks (qopt.buffer) */
  buffer: number;
  /** qopt.mtu in ticks (peak-rate bucket); 0 without a peak rate */
  mtu?: number;
}

/** A mirred action (`action mirred egress redirect dev X` is eaction 1, action TC_ACT_STOLEN). */
export interface MirredAction {
  kind: "mirred";
  /** TCA_EGRESS_REDIR, ... */
  eaction: number;
  ifindex: number;
  /** control action, TC_ACT_* */
  action: number;
  /** tc_gen.index: 0 asks the kernel to allocate one */
  index?: number;
}

/** An action this codec does not model: only its kind and index are decoded. */
interface OtherAction {
  kind: string;
  index?: number;
}

type TcAction = MirredAction | OtherAction;

export const isMirred = (a: TcAction): a is MirredAction => a.kind === "mirred" && "eaction" in a;

/** One struct tc_u32_key: value/mask are in network order as 32-bit numbers. */
interface U32Key {
  mask: number;
  val: number;
  off: number;
  offmask: number;
}

/** struct tc_u32_sel (only the fields tscni sets; the rest encode as 0). */
export interface U32Sel {
  flags: number;
  keys: U32Key[];
}

/** A u32 filter's options. */
interface U32Options {
  sel?: U32Sel;
  classid?: number;
  actions?: TcAction[];
  /** decoded only: TCA_U32_HASH (the node's handle) and divisor (hash tables) */
  hash?: number;
  divisor?: number;
}

/** A decoded RTM_NEWQDISC. */
export interface Qdisc {
  ifindex: number;
  handle: number;
  parent: number;
  kind: string;
  /** tbf only */
  tbf?: TbfParams;
}

/** A decoded RTM_NEWTFILTER. */
export interface Filter {
  ifindex: number;
  handle: number;
  parent: number;
  /** tcm_info >> 16 */
  prio: number;
  /** host-order ethertype from tcm_info */
  protocol: number;
  kind: string;
  chain?: number;
  u32?: U32Options;
}

// ---------------------------------------------------------------- encode

/** Writes struct tcmsg. */
export function writeTcMsg(w: NlWriter, m: TcMsg): void {
  w.u8(m.family ?? AF_UNSPEC).u8(0).u16(0);
  w.i32(m.ifindex).u32(m.handle ?? 0).u32(m.parent ?? 0).u32(m.info ?? 0);
}

/** A struct tc_ratespec holding only a rate (linklayer unaware, like vishvananda/netlink). */
function writeRatespec(w: NlWriter, rate: number): void {
  w.u8(0).u8(0).u16(0).u16(0).u16(0).u32(Math.min(rate, 0xffff_ffff));
}

function writeTbfOptions(w: NlWriter, p: TbfParams): void {
  w.nest(TCA_OPTIONS);
  w.nest(TCA_TBF_PARMS);
  writeRatespec(w, p.rate);
  writeRatespec(w, 0);
  w.u32(p.limit).u32(p.buffer).u32(p.mtu ?? 0);
  w.end();
  if (p.rate >= 0x1_0000_0000) w.attrU64(TCA_TBF_RATE64, p.rate);
  w.end();
}

/** RTM_NEWQDISC payload for a tbf qdisc. */
export function writeTbfQdisc(w: NlWriter, m: TcMsg, p: TbfParams): void {
  writeTcMsg(w, m);
  w.attrStr(TCA_KIND, "tbf");
  writeTbfOptions(w, p);
}

/** RTM_NEWQDISC payload for the ingress qdisc `ffff:` (empty TCA_OPTIONS, as the reference sends). */
export function writeIngressQdisc(w: NlWriter, ifindex: number): void {
  writeTcMsg(w, { ifindex, handle: TC_H_INGRESS_HANDLE, parent: TC_H_INGRESS });
  w.attrStr(TCA_KIND, "ingress");
  w.nest(TCA_OPTIONS).end();
}

/** A payload naming a qdisc only (RTM_DELQDISC, or a GETQDISC dump filtered by ifindex). */
export function writeQdiscRef(w: NlWriter, m: TcMsg): void {
  writeTcMsg(w, m);
}

/** Writes tc_u32_sel with keys in network order (the writer's u32 is host order). */
function writeU32SelBytes(w: NlWriter, sel: U32Sel): void {
  const b = new Uint8Array(TC_U32_SEL_LEN + sel.keys.length * TC_U32_KEY_LEN);
  const dv = new DataView(b.buffer);
  dv.setUint8(0, sel.flags);
  dv.setUint8(2, sel.keys.length);
  sel.keys.forEach((k, i) => {
    const o = TC_U32_SEL_LEN + i * TC_U32_KEY_LEN;
    dv.setUint32(o, k.mask >>> 0, false);
    dv.setUint32(o + 4, k.val >>> 0, false);
    dv.setInt32(o + 8, k.off, LE);
    dv.setInt32(o + 12, k.offmask, LE);
  });
  w.attrBytes(TCA_U32_SEL, b);
}

function writeMirred(w: NlWriter, a: MirredAction): void {
  w.attrStr(TCA_ACT_KIND, "mirred");
  w.nest(TCA_ACT_OPTIONS).nest(TCA_MIRRED_PARMS);
  w.u32(a.index ?? 0).u32(0).i32(a.action).i32(0).i32(0); // tc_gen: index, capab, action, refcnt, bindcnt
  w.i32(a.eaction).u32(a.ifindex);
  w.end().end();
}

/** An action list: one nest per action, numbered from 1 (the order tc shows). */
function writeActions(w: NlWriter, type: number, actions: readonly MirredAction[]): void {
  w.nest(type);
  actions.forEach((a, i) => {
    w.nest(i + 1);
    writeMirred(w, a);
    w.end();
  });
  w.end();
}

/** The match-all selector: one zero key, terminal. */
export const U32_MATCH_ALL: U32Sel = Object.freeze({
  flags: TC_U32_TERMINAL,
  keys: [Object.freeze({ mask: 0, val: 0, off: 0, offmask: 0 })],
}) as U32Sel;

/** RTM_NEWTFILTER payload for a u32 filter. */
export function writeU32Filter(
  w: NlWriter,
  m: TcMsg,
  opts: { sel: U32Sel; classid?: number; actions: readonly MirredAction[] },
): void {
  writeTcMsg(w, m);
  w.attrStr(TCA_KIND, "u32");
  w.nest(TCA_OPTIONS);
  writeU32SelBytes(w, opts.sel);
  if (opts.classid) w.attrU32(TCA_U32_CLASSID, opts.classid);
  writeActions(w, TCA_U32_ACT, opts.actions);
  w.end();
}

// ---------------------------------------------------------------- decode

function need(end: number, off: number, n: number, what: string): void {
  if (end - off < n) throw new NetlinkDecodeError(`${what} of ${end - off} bytes (needs ${n})`, off);
}

function decodeTcMsg(dv: DataView, off: number, end: number): { ifindex: number; handle: number; parent: number; info: number } {
  need(end, off, TCMSG_LEN, "tcmsg");
  return {
    ifindex: dv.getInt32(off + 4, LE),
    handle: dv.getUint32(off + 8, LE),
    parent: dv.getUint32(off + 12, LE),
    info: dv.getUint32(off + 16, LE),
  };
}

/** Decodes TCA_OPTIONS of a tbf qdisc. */
export function decodeTbfOptions(dv: DataView, off: number, end: number): TbfParams {
  let parms = -1;
  let rate64: number | undefined;
  forEachAttr(dv, off, end, (t, o, l) => {
    if (t === TCA_TBF_PARMS) {
      need(o + l, o, TC_TBF_QOPT_LEN, "tc_tbf_qopt");
      parms = o;
    } else if (t === TCA_TBF_RATE64) rate64 = attrU64(dv, o, l);
  });
  if (parms < 0) throw new NetlinkDecodeError("tbf options without TCA_TBF_PARMS", off);
  const q = parms + 2 * TC_RATESPEC_LEN;
  return {
    rate: rate64 ?? dv.getUint32(parms + 8, LE),
    limit: dv.getUint32(q, LE),
    buffer: dv.getUint32(q + 4, LE),
    mtu: dv.getUint32(q + 8, LE),
  };
}

/** Decodes an RTM_NEWQDISC payload [off, end). */
export function decodeQdisc(dv: DataView, off: number, end: number): Qdisc {
  const h = decodeTcMsg(dv, off, end);
  const q: Qdisc = { ifindex: h.ifindex, handle: h.handle, parent: h.parent, kind: "" };
  let opts = -1;
  let optsEnd = 0;
  forEachAttr(dv, off + TCMSG_LEN, end, (t, o, l) => {
    if (t === TCA_KIND) q.kind = attrStr(dv, o, l);
    else if (t === TCA_OPTIONS) (opts = o), (optsEnd = o + l);
  });
  if (q.kind === "tbf" && opts >= 0) q.tbf = decodeTbfOptions(dv, opts, optsEnd);
  return q;
}

function decodeMirredParms(dv: DataView, off: number, end: number, a: MirredAction): void {
  forEachAttr(dv, off, end, (t, o, l) => {
    if (t !== TCA_MIRRED_PARMS) return;
    need(o + l, o, TC_MIRRED_LEN, "tc_mirred");
    a.index = dv.getUint32(o, LE);
    a.action = dv.getInt32(o + 8, LE);
    a.eaction = dv.getInt32(o + 20, LE);
    a.ifindex = dv.getUint32(o + 24, LE);
  });
}

function decodeAction(dv: DataView, off: number, end: number): TcAction {
  let kind = "";
  let opts = -1;
  let optsEnd = 0;
  let index: number | undefined;
  forEachAttr(dv, off, end, (t, o, l) => {
    if (t === TCA_ACT_KIND) kind = attrStr(dv, o, l);
    else if (t === TCA_ACT_OPTIONS) (opts = o), (optsEnd = o + l);
    else if (t === TCA_ACT_INDEX) index = attrU32(dv, o, l);
  });
  if (kind !== "mirred") return index === undefined ? { kind } : { kind, index };
  const a: MirredAction = { kind: "mirred", eaction: 0, ifindex: 0, action: 0 };
  if (opts >= 0) decodeMirredParms(dv, opts, optsEnd, a);
  return a;
}

/** Decodes an action list nest (children numbered by order) into actions sorted by that order. */
function decodeActions(dv: DataView, off: number, end: number): TcAction[] {
  const byOrder: [number, TcAction][] = [];
  forEachAttr(dv, off, end, (t, o, l) => byOrder.push([t, decodeAction(dv, o, o + l)]));
  return byOrder.sort((a, b) => a[0] - b[0]).map(([, a]) => a);
}

function decodeU32Sel(dv: DataView, off: number, len: number): U32Sel {
  need(off + len, off, TC_U32_SEL_LEN, "tc_u32_sel");
  const nkeys = dv.getUint8(off + 2);
  need(off + len, off, TC_U32_SEL_LEN + nkeys * TC_U32_KEY_LEN, "tc_u32_sel keys");
  const keys: U32Key[] = [];
  for (let i = 0; i < nkeys; i++) {
    const o = off + TC_U32_SEL_LEN + i * TC_U32_KEY_LEN;
    keys.push({ mask: dv.getUint32(o, false), val: dv.getUint32(o + 4, false), off: dv.getInt32(o + 8, LE), offmask: dv.getInt32(o + 12, LE) });
  }
  return { flags: dv.getUint8(off), keys };
}

function decodeU32Options(dv: DataView, off: number, end: number): U32Options {
  const u: U32Options = {};
  forEachAttr(dv, off, end, (t, o, l) => {
    switch (t) {
      case TCA_U32_SEL: u.sel = decodeU32Sel(dv, o, l); break;
      case TCA_U32_CLASSID: u.classid = attrU32(dv, o, l); break;
      case TCA_U32_HASH: u.hash = attrU32(dv, o, l); break;
      case TCA_U32_DIVISOR: u.divisor = attrU32(dv, o, l); break;
      case TCA_U32_ACT: u.actions = decodeActions(dv, o, o + l); break;
    }
  });
  return u;
}

/** Decodes an RTM_NEWTFILTER payload [off, end). */
export function decodeFilter(dv: DataView, off: number, end: number): Filter {
  const h = decodeTcMsg(dv, off, end);
  const f: Filter = {
    ifindex: h.ifindex,
    handle: h.handle,
    parent: h.parent,
    prio: h.info >>> 16,
    protocol: ((h.info & 0xff) << 8) | ((h.info >> 8) & 0xff),
    kind: "",
  };
  let opts = -1;
  let optsEnd = 0;
  forEachAttr(dv, off + TCMSG_LEN, end, (t, o, l) => {
    if (t === TCA_KIND) f.kind = attrStr(dv, o, l);
    else if (t === TCA_OPTIONS) (opts = o), (optsEnd = o + l);
    else if (t === TCA_CHAIN) f.chain = attrU32(dv, o, l);
  });
  if (f.kind === "u32" && opts >= 0) f.u32 = decodeU32Options(dv, opts, optsEnd);
  return f;
}

// ---------------------------------------------------------------- psched ticks

/** Microseconds per second, netlink.TIME_UNITS_PER_SEC. */
export const TIME_UNITS_PER_SEC = 1_000_000;

/**
 * Ticks per microsecond from the text of /proc/net/psched, computed as vishvananda/netlink's
 * initClock (t2us/us2t scaled by clock_res; the 1 GHz "compatibility" case uses us2t for both).
 * Modern kernels print `000003e8 00000040 000f4240 3b9aca00`: 1000/64 = 15.625.
 */
export function tickInUsecFromPsched(text: string): number {
  const parts = text.trim().split(/\s+/);
  if (parts.length < 3) throw new RangeError(`/proc/net/psched: expected 4 hex fields, got "${text.trim()}"`);
  const vals = parts.slice(0, 3).map((p) => (/^[0-9a-fA-F]{1,8}$/.test(p) ? parseInt(p, 16) : NaN));
  if (vals.some((v) => !Number.isFinite(v)) || vals[1] === 0) {
    throw new RangeError(`/proc/net/psched: malformed "${text.trim()}"`);
  }
  let [t2us, us2t, clockRes] = vals as [number, number, number];
  if (clockRes === 1_000_000_000) t2us = us2t;
  return (t2us / us2t) * (clockRes / TIME_UNITS_PER_SEC);
}
