// NFT_MSG_GETTABLE / GETCHAIN / GETSET (non-dump): does this table / chain / set exist, and its handle.
// The kernel answers NFT_MSG_NEWTABLE / NEWCHAIN / NEWSET, or ENOENT when it is absent.
import { attrStr, forEachAttr } from "../../codec/attr.ts";
import type { NlWriter } from "../../codec/writer.ts";
import { attrBe32, attrBe64, NFGENMSG_LEN, readNfgenmsg, writeNfgenmsg } from "./nfgen.ts";
import { NFTNL_UDATA_COMMENT, udataString } from "./udata.ts";

const NFTA_TABLE_NAME = 1;
const NFTA_TABLE_FLAGS = 2;
const NFTA_TABLE_USE = 3;
const NFTA_TABLE_HANDLE = 4;
const NFTA_TABLE_USERDATA = 6;

const NFTA_CHAIN_TABLE = 1;
const NFTA_CHAIN_HANDLE = 2;
const NFTA_CHAIN_NAME = 3;
const NFTA_CHAIN_USE = 6;
const NFTA_CHAIN_TYPE = 7;

const NFTA_SET_TABLE = 1;
const NFTA_SET_NAME = 2;
const NFTA_SET_FLAGS = 3;
const NFTA_SET_KEY_LEN = 5;
const NFTA_SET_DATA_LEN = 7;
const NFTA_SET_HANDLE = 16;

export interface NftSetMsg {
  readonly family: number;
  readonly table: string;
  readonly name: string;
  readonly handle: number | undefined;
  /** NFT_SET_MAP (0x8), NFT_SET_INTERVAL (0x4), ... */
  readonly flags: number;
  readonly keyLen: number | undefined;
  readonly dataLen: number | undefined;
}

export interface NftTableMsg {
  readonly family: number;
  readonly name: string;
  readonly handle: number | undefined;
  readonly flags: number;
  /** Chains + sets + ... referencing the table (NFTA_TABLE_USE). */
  readonly use: number | undefined;
  readonly comment: string | undefined;
}

export interface NftChainMsg {
  readonly family: number;
  readonly table: string;
  readonly name: string;
  readonly handle: number | undefined;
  /** Base chain type ("nat", "filter", "route"); undefined for a regular chain. */
  readonly type: string | undefined;
  /** Rules + jumps referencing the chain (NFTA_CHAIN_USE). */
  readonly use: number | undefined;
}

export function writeGetTable(w: NlWriter, family: number, name: string): void {
  writeNfgenmsg(w, family);
  w.attrStr(NFTA_TABLE_NAME, name);
}

export function writeGetChain(w: NlWriter, family: number, table: string, name: string): void {
  writeNfgenmsg(w, family);
  w.attrStr(NFTA_CHAIN_TABLE, table);
  w.attrStr(NFTA_CHAIN_NAME, name);
}

export function decodeTable(dv: DataView, off: number, end: number): NftTableMsg {
  const { family } = readNfgenmsg(dv, off, end);
  let name = "";
  let handle: number | undefined;
  let flags = 0;
  let use: number | undefined;
  let comment: string | undefined;
  forEachAttr(dv, off + NFGENMSG_LEN, end, (type, o, l) => {
    if (type === NFTA_TABLE_NAME) name = attrStr(dv, o, l);
    else if (type === NFTA_TABLE_HANDLE) handle = attrBe64(dv, o, l);
    else if (type === NFTA_TABLE_FLAGS) flags = attrBe32(dv, o, l);
    else if (type === NFTA_TABLE_USE) use = attrBe32(dv, o, l);
    else if (type === NFTA_TABLE_USERDATA) comment = udataString(dv, o, l, NFTNL_UDATA_COMMENT);
  });
  return { family, name, handle, flags, use, comment };
}

export function decodeChain(dv: DataView, off: number, end: number): NftChainMsg {
  const { family } = readNfgenmsg(dv, off, end);
  let table = "";
  let name = "";
  let handle: number | undefined;
  let type: string | undefined;
  let use: number | undefined;
  forEachAttr(dv, off + NFGENMSG_LEN, end, (t, o, l) => {
    if (t === NFTA_CHAIN_TABLE) table = attrStr(dv, o, l);
    else if (t === NFTA_CHAIN_NAME) name = attrStr(dv, o, l);
    else if (t === NFTA_CHAIN_HANDLE) handle = attrBe64(dv, o, l);
    else if (t === NFTA_CHAIN_TYPE) type = attrStr(dv, o, l);
    else if (t === NFTA_CHAIN_USE) use = attrBe32(dv, o, l);
  });
  return { family, table, name, handle, type, use };
}

export function writeGetSet(w: NlWriter, family: number, table: string, name: string): void {
  writeNfgenmsg(w, family);
  w.attrStr(NFTA_SET_TABLE, table);
  w.attrStr(NFTA_SET_NAME, name);
}

export function decodeSet(dv: DataView, off: number, end: number): NftSetMsg {
  const { family } = readNfgenmsg(dv, off, end);
  let table = "";
  let name = "";
  let handle: number | undefined;
  let flags = 0;
  let keyLen: number | undefined;
  let dataLen: number | undefined;
  forEachAttr(dv, off + NFGENMSG_LEN, end, (t, o, l) => {
    if (t === NFTA_SET_TABLE) table = attrStr(dv, o, l);
    else if (t === NFTA_SET_NAME) name = attrStr(dv, o, l);
    else if (t === NFTA_SET_HANDLE) handle = attrBe64(dv, o, l);
    else if (t === NFTA_SET_FLAGS) flags = attrBe32(dv, o, l);
    else if (t === NFTA_SET_KEY_LEN) keyLen = attrBe32(dv, o, l);
    else if (t === NFTA_SET_DATA_LEN) dataLen = attrBe32(dv, o, l);
  });
  return { family, table, name, handle, flags, keyLen, dataLen };
}
