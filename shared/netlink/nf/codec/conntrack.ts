// ctnetlink (NETLINK_NETFILTER, subsystem NFNL_SUBSYS_CTNETLINK) messages for one job: find the
// conntrack entries of one protocol and original destination port, and delete each by its tuple.
// Pure codec (linux/netfilter/nfnetlink_conntrack.h names) beside the nf_tables one, sharing its
// nfnetlink framing (nfgen.ts); the socket lives with its user (plugins/meta/portmap/conntrack.ts).
import { attrBe16, attrBytes, attrU8, forEachAttr, needStruct } from "../../codec/attr.ts";
import type { NlWriter } from "../../codec/writer.ts";
import { NFGENMSG_LEN, writeNfgenmsg } from "./nfgen.ts";

export { NETLINK_NETFILTER, writeNfgenmsg } from "./nfgen.ts";
const NFNL_SUBSYS_CTNETLINK = 1;
export const IPCTNL_MSG_CT_NEW = 0;
export const IPCTNL_MSG_CT_GET = 1;
export const IPCTNL_MSG_CT_DELETE = 2;

const CTA_TUPLE_ORIG = 1;
const CTA_ID = 12;
const CTA_ZONE = 18;
const CTA_TUPLE_PROTO = 2;
const CTA_PROTO_NUM = 1;
const CTA_PROTO_DST_PORT = 3;

export const IPPROTO_UDP = 17;

/** nlmsg_type of a ctnetlink message. */
export const ctMsgType = (msg: number): number => (NFNL_SUBSYS_CTNETLINK << 8) | msg;

/** One dumped entry: what we match on and the raw attributes (header included) needed to delete it. */
export interface ConntrackEntry {
  readonly family: number;
  readonly protocol: number | undefined;
  readonly dstPort: number | undefined;
  /** CTA_TUPLE_ORIG, then CTA_ZONE and CTA_ID when present, as received. */
  readonly identity: readonly Uint8Array[];
}

function readProto(dv: DataView, off: number, len: number): { protocol?: number; dstPort?: number } {
  const out: { protocol?: number; dstPort?: number } = {};
  forEachAttr(dv, off, off + len, (t, o, l) => {
    if (t === CTA_PROTO_NUM) out.protocol = attrU8(dv, o, l);
    else if (t === CTA_PROTO_DST_PORT) out.dstPort = attrBe16(dv, o, l);
  });
  return out;
}

/** Decodes an IPCTNL_MSG_CT_NEW payload (nfgenmsg + attributes) from a dump. */
export function decodeConntrack(dv: DataView, off: number, end: number): ConntrackEntry {
  needStruct(dv, off, end, NFGENMSG_LEN, "nfgenmsg");
  const family = dv.getUint8(off);
  let proto: { protocol?: number; dstPort?: number } = {};
  const identity: Uint8Array[] = [];
  forEachAttr(dv, off + NFGENMSG_LEN, end, (t, o, l) => {
    if (t !== CTA_TUPLE_ORIG && t !== CTA_ZONE && t !== CTA_ID) return;
    identity.push(attrBytes(dv, o - 4, l + 4));
    if (t !== CTA_TUPLE_ORIG) return;
    forEachAttr(dv, o, o + l, (tt, oo, ll) => {
      if (tt === CTA_TUPLE_PROTO) proto = readProto(dv, oo, ll);
    });
  });
  return { family, protocol: proto.protocol, dstPort: proto.dstPort, identity };
}

/** The IPCTNL_MSG_CT_DELETE body for a dumped entry: nfgenmsg + its identity attributes. */
export function writeDeleteBody(w: NlWriter, entry: ConntrackEntry): void {
  writeNfgenmsg(w, entry.family);
  for (const a of entry.identity) w.raw(a).pad();
}
