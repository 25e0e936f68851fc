// NFT_MSG_GETSETELEM dumps of one set or map, and the NFT_MSG_NEWSETELEM replies: each element's key
// bytes, data bytes (maps) or verdict (verdict maps), flags and comment (NFTA_SET_ELEM_USERDATA).
import { attrStr, forEachAttr } from "../../codec/attr.ts";
import type { NlWriter } from "../../codec/writer.ts";
import { NLA_F_NESTED } from "../../codec/attr.ts";
import { decodeData, NFTA_DATA_VALUE, type NftVerdict } from "./data.ts";
import { attrBe32, NFGENMSG_LEN, readNfgenmsg, writeNfgenmsg } from "./nfgen.ts";
import { NFTA_LIST_ELEM } from "./rule.ts";
import { NFTNL_UDATA_COMMENT, udataStartsWith, udataString } from "./udata.ts";
import { LE } from "../../codec/attr.ts";

const NFTA_SET_ELEM_LIST_TABLE = 1;
const NFTA_SET_ELEM_LIST_SET = 2;
const NFTA_SET_ELEM_LIST_ELEMENTS = 3;

const NFTA_SET_ELEM_KEY = 1;
const NFTA_SET_ELEM_DATA = 2;
const NFTA_SET_ELEM_FLAGS = 3;
const NFTA_SET_ELEM_USERDATA = 6;
const NFTA_SET_ELEM_KEY_END = 10;

export interface NftSetElem {
  readonly key: Uint8Array;
  /** Range end of a concatenated-range element. */
  readonly keyEnd?: Uint8Array;
  /** Map value bytes. */
  readonly data?: Uint8Array;
  readonly verdict?: NftVerdict;
  readonly flags: number;
  readonly comment: string | undefined;
}

interface NftSetElemsMsg {
  readonly family: number;
  readonly table: string;
  readonly set: string;
  readonly elements: readonly NftSetElem[];
}

/** An element dump request body (send with NLM_F_DUMP). */
export function writeGetSetElems(w: NlWriter, family: number, table: string, set: string): void {
  writeNfgenmsg(w, family);
  w.attrStr(NFTA_SET_ELEM_LIST_TABLE, table);
  w.attrStr(NFTA_SET_ELEM_LIST_SET, set);
}

/** `commentPrefix`: keep only elements whose comment starts with these bytes (the rest are not decoded). */
/**
 * A lookup of ONE element by key (send without NLM_F_DUMP): the kernel answers a NEWSETELEM message
 * holding it, or ENOENT. O(1) in the size of the set, unlike a dump.
 */
export function writeGetSetElem(w: NlWriter, family: number, table: string, set: string, key: Uint8Array): void {
  writeNfgenmsg(w, family);
  w.attrStr(NFTA_SET_ELEM_LIST_TABLE, table);
  w.attrStr(NFTA_SET_ELEM_LIST_SET, set);
  w.nest(NFTA_SET_ELEM_LIST_ELEMENTS | NLA_F_NESTED);
  w.nest(NFTA_LIST_ELEM | NLA_F_NESTED);
  w.nest(NFTA_SET_ELEM_KEY | NLA_F_NESTED);
  w.attrBytes(NFTA_DATA_VALUE, key);
  w.end().end().end();
}

export function decodeSetElems(dv: DataView, off: number, end: number, commentPrefix?: Uint8Array): NftSetElemsMsg {
  const { family } = readNfgenmsg(dv, off, end);
  let table = "";
  let set = "";
  const elements: NftSetElem[] = [];
  forEachAttr(dv, off + NFGENMSG_LEN, end, (t, o, l) => {
    if (t === NFTA_SET_ELEM_LIST_TABLE) table = attrStr(dv, o, l);
    else if (t === NFTA_SET_ELEM_LIST_SET) set = attrStr(dv, o, l);
    else if (t === NFTA_SET_ELEM_LIST_ELEMENTS) {
      forEachAttr(dv, o, o + l, (lt, lo, ll) => {
        if (lt !== NFTA_LIST_ELEM) return;
        if (commentPrefix && !elemCommentStartsWith(dv, lo, lo + ll, commentPrefix)) return;
        elements.push(decodeElem(dv, lo, lo + ll));
      });
    }
  });
  return { family, table, set, elements };
}

function elemCommentStartsWith(dv: DataView, off: number, end: number, prefix: Uint8Array): boolean {
  let p = off;
  while (p + 4 <= end) {
    const len = dv.getUint16(p, LE);
    const type = dv.getUint16(p + 2, LE) & 0x3fff;
    if (len < 4 || p + len > end) return false;
    if (type === NFTA_SET_ELEM_USERDATA) return udataStartsWith(dv, p + 4, len - 4, NFTNL_UDATA_COMMENT, prefix);
    p += (len + 3) & ~3;
  }
  return false;
}

function decodeElem(dv: DataView, off: number, end: number): NftSetElem {
  let key: Uint8Array | undefined;
  let keyEnd: Uint8Array | undefined;
  let data: Uint8Array | undefined;
  let verdict: NftVerdict | undefined;
  let flags = 0;
  let comment: string | undefined;
  forEachAttr(dv, off, end, (t, o, l) => {
    if (t === NFTA_SET_ELEM_KEY) key = decodeData(dv, o, l).value;
    else if (t === NFTA_SET_ELEM_KEY_END) keyEnd = decodeData(dv, o, l).value;
    else if (t === NFTA_SET_ELEM_DATA) ({ value: data, verdict } = decodeData(dv, o, l));
    else if (t === NFTA_SET_ELEM_FLAGS) flags = attrBe32(dv, o, l);
    else if (t === NFTA_SET_ELEM_USERDATA) comment = udataString(dv, o, l, NFTNL_UDATA_COMMENT);
  });
  const out: NftSetElem = { key: key ?? new Uint8Array(0), flags, comment };
  return { ...out, ...(keyEnd && { keyEnd }), ...(data && { data }), ...(verdict && { verdict }) };
}
