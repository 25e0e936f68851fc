// nf_tables READ operations over a NetlinkConn (the same session logic rtnetlink uses): targeted
// requests for one chain's rules, one set's elements, one table or chain. Unlike a libnftables
// listing, none of them builds a cache of the whole ruleset. Pure: the socket comes from client.ts.
import { ErrorCode } from "../../cni/errors.ts";
import { EINTR, ENOENT, NetlinkError } from "../errors.ts";
import type { BodyWriter, MessageDecoder, NetlinkConn } from "../request.ts";
import {
  NFNL_SUBSYS_NFTABLES, nfproto, readNfgenmsg, NFT_MSG_GETCHAIN, NFT_MSG_GETRULE, NFT_MSG_GETSET, NFT_MSG_GETSETELEM, NFT_MSG_GETTABLE, NFT_MSG_NEWCHAIN, NFT_MSG_NEWRULE,
  NFT_MSG_NEWSET, NFT_MSG_NEWSETELEM, NFT_MSG_NEWTABLE, nftMsgType, type NfFamily,
} from "./codec/nfgen.ts";
import { decodeChain, decodeSet, decodeTable, writeGetChain, writeGetSet, writeGetTable, type NftChainMsg, type NftSetMsg, type NftTableMsg } from "./codec/objects.ts";
import { decodeRule, ruleCommentStartsWith, writeGetRules, type NftRuleMsg } from "./codec/rule.ts";
import { commentPrefixBytes } from "./codec/udata.ts";
import { decodeSetElems, writeGetSetElem, writeGetSetElems, type NftSetElem } from "./codec/setelem.ts";

const isEnoent = (e: unknown): boolean => e instanceof NetlinkError && e.errno === ENOENT;

/** undefined when the kernel answers ENOENT; any other refusal is thrown. */
function absentAsUndefined<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (isEnoent(e)) return undefined;
    throw e;
  }
}

/** Dump attempts before a dump that keeps spanning ruleset generations is reported (code 11). */
export const NF_DUMP_ATTEMPTS = 20;

/**
 * A dump whose parts all come from ONE ruleset generation. A set-element dump longer than one
 * datagram resumes by position (the kernel skips the elements it already sent) and, unlike a rule dump,
 * never sets NLM_F_DUMP_INTR: a transaction committed between two parts (another container's DEL)
 * shifts the positions, and an element that was never touched is silently left out. Every nf_tables
 * message carries the generation it was built in (nfgenmsg res_id, the low 16 bits of the kernel's
 * base_seq), so parts from two generations mean "changed while reading": read again.
 */
export function consistentDump<T>(conn: NetlinkConn, type: number, op: string, body: BodyWriter, decode: MessageDecoder<T>): T[] {
  for (let attempt = 1; ; attempt++) {
    let first: number | undefined;
    let mixed = false;
    const items = conn.dump(type, 0, op, body, (dv, off, end, t) => {
      if (t >> 8 === NFNL_SUBSYS_NFTABLES) {
        const gen = readNfgenmsg(dv, off, end).resId;
        first ??= gen;
        if (gen !== first) mixed = true;
      }
      return decode(dv, off, end, t);
    });
    if (!mixed) return items;
    if (attempt >= NF_DUMP_ATTEMPTS) {
      throw new NetlinkError(op, EINTR, "EINTR", `ruleset changed during the dump ${NF_DUMP_ATTEMPTS} times`, ErrorCode.TryAgainLater);
    }
  }
}

/** What a read keeps: `exprs` decodes rule expressions; `commentPrefix` drops entries whose comment does not start with it. */
interface NftReadOptions {
  readonly exprs?: boolean;
  readonly commentPrefix?: string;
}

/**
 * The rules of one chain, in order (the kernel filters the dump by table and chain). Empty when the
 * chain or table does not exist.
 */
export function listRules(conn: NetlinkConn, family: NfFamily, table: string, chain: string, opts: NftReadOptions = {}): NftRuleMsg[] {
  return dumpRules(conn, family, table, chain, opts);
}

/**
 * Every rule of one table, all chains (the kernel filters the dump by table): one read for a table
 * whose rule count does not grow with the pods (portmap's structure check). Empty when it does not exist.
 */
export function listTableRules(conn: NetlinkConn, family: NfFamily, table: string, opts: NftReadOptions = {}): NftRuleMsg[] {
  return dumpRules(conn, family, table, undefined, opts);
}

function dumpRules(conn: NetlinkConn, family: NfFamily, table: string, chain: string | undefined, opts: NftReadOptions): NftRuleMsg[] {
  const f = nfproto(family);
  const want = nftMsgType(NFT_MSG_NEWRULE);
  const prefix = opts.commentPrefix === undefined ? undefined : commentPrefixBytes(opts.commentPrefix);
  const exprs = opts.exprs === true;
  const rules = absentAsUndefined(() =>
    consistentDump(conn, nftMsgType(NFT_MSG_GETRULE), `list rules of ${family} ${table} ${chain ?? ""}`.trimEnd(), (w) => writeGetRules(w, f, table, chain),
      (dv, off, end, type) => {
        if (type !== want || (prefix && !ruleCommentStartsWith(dv, off, end, prefix))) return undefined;
        return decodeRule(dv, off, end, exprs);
      }),
  );
  // the filter is by name; a same-named chain of another family never matches (family is in nfgenmsg)
  return (rules ?? []).filter((r) => (chain === undefined || r.chain === chain) && r.table === table);
}

/** The elements of one set or map; undefined when the set (or its table) does not exist. */
export function listSetElems(conn: NetlinkConn, family: NfFamily, table: string, set: string, opts: NftReadOptions = {}): NftSetElem[] | undefined {
  const f = nfproto(family);
  const want = nftMsgType(NFT_MSG_NEWSETELEM);
  const prefix = opts.commentPrefix === undefined ? undefined : commentPrefixBytes(opts.commentPrefix);
  const msgs = absentAsUndefined(() =>
    consistentDump(conn, nftMsgType(NFT_MSG_GETSETELEM), `list elements of ${family} ${table} ${set}`, (w) => writeGetSetElems(w, f, table, set),
      (dv, off, end, type) => (type === want ? decodeSetElems(dv, off, end, prefix) : undefined)),
  );
  return msgs?.flatMap((m) => m.elements);
}

/** One element looked up by its key bytes; undefined when the element, set or table does not exist. */
export function getSetElem(conn: NetlinkConn, family: NfFamily, table: string, set: string, key: Uint8Array): NftSetElem | undefined {
  const f = nfproto(family);
  const want = nftMsgType(NFT_MSG_NEWSETELEM);
  const msg = absentAsUndefined(() =>
    conn.get(nftMsgType(NFT_MSG_GETSETELEM), 0, `get element of ${family} ${table} ${set}`, (w) => writeGetSetElem(w, f, table, set, key),
      (dv, off, end, type) => (type === want ? decodeSetElems(dv, off, end) : undefined)),
  );
  return msg?.elements[0];
}

/** The table, or undefined when it does not exist. */
export function getTable(conn: NetlinkConn, family: NfFamily, name: string): NftTableMsg | undefined {
  const f = nfproto(family);
  const want = nftMsgType(NFT_MSG_NEWTABLE);
  return absentAsUndefined(() =>
    conn.get(nftMsgType(NFT_MSG_GETTABLE), 0, `get table ${family} ${name}`, (w) => writeGetTable(w, f, name),
      (dv, off, end, type) => (type === want ? decodeTable(dv, off, end) : undefined)),
  );
}

/** The chain, or undefined when it (or its table) does not exist. */
export function getChain(conn: NetlinkConn, family: NfFamily, table: string, name: string): NftChainMsg | undefined {
  const f = nfproto(family);
  const want = nftMsgType(NFT_MSG_NEWCHAIN);
  return absentAsUndefined(() =>
    conn.get(nftMsgType(NFT_MSG_GETCHAIN), 0, `get chain ${family} ${table} ${name}`, (w) => writeGetChain(w, f, table, name),
      (dv, off, end, type) => (type === want ? decodeChain(dv, off, end) : undefined)),
  );
}

/** The set or map, or undefined when it (or its table) does not exist. */
export function getSet(conn: NetlinkConn, family: NfFamily, table: string, name: string): NftSetMsg | undefined {
  const f = nfproto(family);
  const want = nftMsgType(NFT_MSG_NEWSET);
  return absentAsUndefined(() =>
    conn.get(nftMsgType(NFT_MSG_GETSET), 0, `get set ${family} ${table} ${name}`, (w) => writeGetSet(w, f, table, name),
      (dv, off, end, type) => (type === want ? decodeSet(dv, off, end) : undefined)),
  );
}
