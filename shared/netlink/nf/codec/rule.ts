// NFT_MSG_GETRULE dumps filtered by table and chain, and the NFT_MSG_NEWRULE replies: handle, comment
// (from NFTA_RULE_USERDATA) and, on request, the expressions in a flat, register-level form (enough to
// recognise "payload ... cmp", "immediate verdict", "masq", "lookup" without nft's JSON).
import { attrStr, forEachAttr } from "../../codec/attr.ts";
import type { NlWriter } from "../../codec/writer.ts";
import { decodeData, type NftVerdict } from "./data.ts";
import { attrBe32, attrBe64, NFGENMSG_LEN, readNfgenmsg, writeNfgenmsg } from "./nfgen.ts";
import { NFTNL_UDATA_COMMENT, udataStartsWith, udataString } from "./udata.ts";
import { LE } from "../../codec/attr.ts";

const NFTA_RULE_TABLE = 1;
const NFTA_RULE_CHAIN = 2;
const NFTA_RULE_HANDLE = 3;
const NFTA_RULE_EXPRESSIONS = 4;
const NFTA_RULE_USERDATA = 7;

export const NFTA_LIST_ELEM = 1;
const NFTA_EXPR_NAME = 1;
const NFTA_EXPR_DATA = 2;

// per-expression attributes (include/uapi/linux/netfilter/nf_tables.h)
const NFTA_IMMEDIATE_DREG = 1;
const NFTA_IMMEDIATE_DATA = 2;
const NFTA_PAYLOAD_DREG = 1;
const NFTA_PAYLOAD_BASE = 2;
const NFTA_PAYLOAD_OFFSET = 3;
const NFTA_PAYLOAD_LEN = 4;
const NFTA_CMP_SREG = 1;
const NFTA_CMP_OP = 2;
const NFTA_CMP_DATA = 3;
const NFTA_BITWISE_SREG = 1;
const NFTA_BITWISE_DREG = 2;
const NFTA_BITWISE_LEN = 3;
const NFTA_BITWISE_MASK = 4;
const NFTA_BITWISE_XOR = 5;
const NFTA_META_DREG = 1;
const NFTA_META_KEY = 2;
const NFTA_META_SREG = 3;
const NFTA_LOOKUP_SET = 1;
const NFTA_LOOKUP_SREG = 2;
const NFTA_LOOKUP_DREG = 3;
const NFTA_LOOKUP_FLAGS = 5;

export const NFT_CMP_EQ = 0;
export const NFT_CMP_NEQ = 1;
export const NFT_PAYLOAD_NETWORK_HEADER = 1;
export const NFT_META_IIFNAME = 6;
export const NFT_META_NFPROTO = 15;

/**
 * One expression. `name` is the kernel's ("payload", "cmp", "immediate", "bitwise", "meta",
 * "lookup", "masq", "counter", ...); only the fields of the kinds above are decoded.
 */
export interface NftExpr {
  readonly name: string;
  readonly sreg?: number;
  readonly dreg?: number;
  /** immediate: the verdict; cmp: none. */
  readonly verdict?: NftVerdict;
  /** immediate value or cmp operand. */
  readonly data?: Uint8Array;
  /** payload */
  readonly base?: number;
  readonly offset?: number;
  readonly len?: number;
  /** cmp: NFT_CMP_EQ, NFT_CMP_NEQ, ... */
  readonly op?: number;
  /** bitwise (mask/xor form) */
  readonly mask?: Uint8Array;
  readonly xor?: Uint8Array;
  /** meta: NFT_META_* */
  readonly key?: number;
  /** lookup: the set name (anonymous sets are "__set%d") */
  readonly set?: string;
  readonly flags?: number;
}

export interface NftRuleMsg {
  readonly family: number;
  readonly table: string;
  readonly chain: string;
  readonly handle: number;
  readonly comment: string | undefined;
  /** Present only when decoded with exprs = true. */
  readonly exprs?: readonly NftExpr[];
}

/** A rule dump request body (send with NLM_F_DUMP); the kernel lists only this table's chain (every chain without one). */
export function writeGetRules(w: NlWriter, family: number, table: string, chain?: string): void {
  writeNfgenmsg(w, family);
  w.attrStr(NFTA_RULE_TABLE, table);
  if (chain !== undefined) w.attrStr(NFTA_RULE_CHAIN, chain);
}

/**
 * True when the rule's comment starts with `prefix` (a rule without comment never matches). A manual
 * attribute walk without allocation: a dump can drop the other 999 rules of a 1000-pod chain cheaply.
 * Malformed input gives false; decodeRule reports it if the rule is decoded.
 */
export function ruleCommentStartsWith(dv: DataView, off: number, end: number, prefix: Uint8Array): boolean {
  let p = off + NFGENMSG_LEN;
  const stop = Math.min(end, dv.byteLength);
  while (p + 4 <= stop) {
    const len = dv.getUint16(p, LE);
    const type = dv.getUint16(p + 2, LE) & 0x3fff;
    if (len < 4 || p + len > stop) return false;
    if (type === NFTA_RULE_USERDATA) return udataStartsWith(dv, p + 4, len - 4, NFTNL_UDATA_COMMENT, prefix);
    p += (len + 3) & ~3;
  }
  return false;
}

export function decodeRule(dv: DataView, off: number, end: number, exprs = false): NftRuleMsg {
  const { family } = readNfgenmsg(dv, off, end);
  let table = "";
  let chain = "";
  let handle = 0;
  let comment: string | undefined;
  let list: NftExpr[] | undefined;
  forEachAttr(dv, off + NFGENMSG_LEN, end, (t, o, l) => {
    if (t === NFTA_RULE_TABLE) table = attrStr(dv, o, l);
    else if (t === NFTA_RULE_CHAIN) chain = attrStr(dv, o, l);
    else if (t === NFTA_RULE_HANDLE) handle = attrBe64(dv, o, l);
    else if (t === NFTA_RULE_USERDATA) comment = udataString(dv, o, l, NFTNL_UDATA_COMMENT);
    else if (t === NFTA_RULE_EXPRESSIONS && exprs) list = decodeExprList(dv, o, o + l);
  });
  const base = { family, table, chain, handle, comment };
  return exprs ? { ...base, exprs: list ?? [] } : base;
}

function decodeExprList(dv: DataView, off: number, end: number): NftExpr[] {
  const out: NftExpr[] = [];
  forEachAttr(dv, off, end, (t, o, l) => {
    if (t === NFTA_LIST_ELEM) out.push(decodeExpr(dv, o, o + l));
  });
  return out;
}

function decodeExpr(dv: DataView, off: number, end: number): NftExpr {
  let name = "";
  let data: [number, number] | undefined;
  forEachAttr(dv, off, end, (t, o, l) => {
    if (t === NFTA_EXPR_NAME) name = attrStr(dv, o, l);
    else if (t === NFTA_EXPR_DATA) data = [o, l];
  });
  const fields = data ? EXPR_DECODERS.get(name)?.(dv, data[0], data[0] + data[1]) : undefined;
  return { name, ...fields };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type ExprFields = Mutable<Omit<NftExpr, "name">>;
type FieldSetter = (e: ExprFields, dv: DataView, o: number, l: number) => void;

/** Builds a decoder from a table attribute type -> field setter. */
function fieldsOf(setters: Record<number, FieldSetter>) {
  return (dv: DataView, off: number, end: number): ExprFields => {
    const e: ExprFields = {};
    forEachAttr(dv, off, end, (t, o, l) => setters[t]?.(e, dv, o, l));
    return e;
  };
}

const be32 = (k: "sreg" | "dreg" | "base" | "offset" | "len" | "op" | "key" | "flags"): FieldSetter =>
  (e, dv, o, l) => { e[k] = attrBe32(dv, o, l); };

/** A Map, not an object: an expression named "constructor" must not find Object's. */
const EXPR_DECODERS: ReadonlyMap<string, (dv: DataView, off: number, end: number) => ExprFields> = new Map(Object.entries({
  immediate: fieldsOf({
    [NFTA_IMMEDIATE_DREG]: be32("dreg"),
    [NFTA_IMMEDIATE_DATA]: (e, dv, o, l) => {
      const d = decodeData(dv, o, l);
      if (d.value) e.data = d.value;
      if (d.verdict) e.verdict = d.verdict;
    },
  }),
  payload: fieldsOf({
    [NFTA_PAYLOAD_DREG]: be32("dreg"), [NFTA_PAYLOAD_BASE]: be32("base"),
    [NFTA_PAYLOAD_OFFSET]: be32("offset"), [NFTA_PAYLOAD_LEN]: be32("len"),
  }),
  cmp: fieldsOf({
    [NFTA_CMP_SREG]: be32("sreg"), [NFTA_CMP_OP]: be32("op"),
    [NFTA_CMP_DATA]: (e, dv, o, l) => { e.data = decodeData(dv, o, l).value; },
  }),
  bitwise: fieldsOf({
    [NFTA_BITWISE_SREG]: be32("sreg"), [NFTA_BITWISE_DREG]: be32("dreg"), [NFTA_BITWISE_LEN]: be32("len"),
    [NFTA_BITWISE_MASK]: (e, dv, o, l) => { e.mask = decodeData(dv, o, l).value; },
    [NFTA_BITWISE_XOR]: (e, dv, o, l) => { e.xor = decodeData(dv, o, l).value; },
  }),
  meta: fieldsOf({ [NFTA_META_DREG]: be32("dreg"), [NFTA_META_KEY]: be32("key"), [NFTA_META_SREG]: be32("sreg") }),
  lookup: fieldsOf({
    [NFTA_LOOKUP_SET]: (e, dv, o, l) => { e.set = attrStr(dv, o, l); },
    [NFTA_LOOKUP_SREG]: be32("sreg"), [NFTA_LOOKUP_DREG]: be32("dreg"), [NFTA_LOOKUP_FLAGS]: be32("flags"),
  }),
}));
