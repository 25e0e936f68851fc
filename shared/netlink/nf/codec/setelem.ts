// NFT_MSG_GETSETELEM dumps of one set or map, and the NFT_MSG_NEWSETELEM replies: each element's key
// bytes, data bytes (maps) or verdict (verdict maps), flags and comment (NFTA_SET_ELEM_USERDATA).
import { attrStr, forEachAttr } from "../../codec/attr.ts";
import type { NlWriter } from "../../codec/writer.ts";
import { decodeData, type NftVerdict } from "./data.ts";
import { attrBe32, NFGENMSG_LEN, readNfgenmsg, writeNfgenmsg } from "./nfgen.ts";
import { NFTA_LIST_ELEM } from "./rule.ts";
import { NFTNL_UDATA_COMMENT, udataString } from "./udata.ts";

export const NFTA_SET_ELEM_LIST_TABLE = 1;
export const NFTA_SET_ELEM_LIST_SET = 2;
export const NFTA_SET_ELEM_LIST_ELEMENTS = 3;

export const NFTA_SET_ELEM_KEY = 1;
export const NFTA_SET_ELEM_DATA = 2;
export const NFTA_SET_ELEM_FLAGS = 3;
export const NFTA_SET_ELEM_USERDATA = 6;
export const NFTA_SET_ELEM_KEY_END = 10;

/** The closing element of an interval (interval sets only). */
export const NFT_SET_ELEM_INTERVAL_END = 0x1;

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

export interface NftSetElemsMsg {
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

export function decodeSetElems(dv: DataView, off: number, end: number): NftSetElemsMsg {
  const { family } = readNfgenmsg(dv, off, end);
  let table = "";
  let set = "";
  const elements: NftSetElem[] = [];
  forEachAttr(dv, off + NFGENMSG_LEN, end, (t, o, l) => {
    if (t === NFTA_SET_ELEM_LIST_TABLE) table = attrStr(dv, o, l);
    else if (t === NFTA_SET_ELEM_LIST_SET) set = attrStr(dv, o, l);
    else if (t === NFTA_SET_ELEM_LIST_ELEMENTS) {
      forEachAttr(dv, o, o + l, (lt, lo, ll) => {
        if (lt === NFTA_LIST_ELEM) elements.push(decodeElem(dv, lo, lo + ll));
      });
    }
  });
  return { family, table, set, elements };
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
