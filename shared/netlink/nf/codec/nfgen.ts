// nfnetlink framing for nf_tables: message types (subsystem << 8 | NFT_MSG_*), struct nfgenmsg, the
// NFPROTO_* families by their nft names, and the big-endian attribute readers nf_tables needs (its
// u32/u64 attributes are network order, unlike rtnetlink's). Pure: Uint8Array + DataView only.
import { NetlinkDecodeError } from "../../codec/errors.ts";
import type { NlWriter } from "../../codec/writer.ts";

export const NETLINK_NETFILTER = 12;
export const NFNL_SUBSYS_NFTABLES = 10;
const NFNETLINK_V0 = 0;

export const NFT_MSG_NEWTABLE = 0;
export const NFT_MSG_GETTABLE = 1;
export const NFT_MSG_NEWCHAIN = 3;
export const NFT_MSG_GETCHAIN = 4;
export const NFT_MSG_NEWRULE = 6;
export const NFT_MSG_GETRULE = 7;
export const NFT_MSG_NEWSET = 9;
export const NFT_MSG_GETSET = 10;
export const NFT_MSG_NEWSETELEM = 12;
export const NFT_MSG_GETSETELEM = 13;

/** nlmsg_type of an nf_tables message. */
export const nftMsgType = (msg: number): number => (NFNL_SUBSYS_NFTABLES << 8) | msg;

export const NFPROTO_INET = 1;
export const NFPROTO_IPV4 = 2;
const NFPROTO_ARP = 3;
const NFPROTO_NETDEV = 5;
export const NFPROTO_BRIDGE = 7;
export const NFPROTO_IPV6 = 10;

/** A table family as nft spells it. */
export type NfFamily = "ip" | "ip6" | "inet" | "arp" | "bridge" | "netdev";

const FAMILIES: Readonly<Record<NfFamily, number>> = {
  ip: NFPROTO_IPV4, ip6: NFPROTO_IPV6, inet: NFPROTO_INET, arp: NFPROTO_ARP, bridge: NFPROTO_BRIDGE, netdev: NFPROTO_NETDEV,
};

export function nfproto(family: NfFamily): number {
  const n = FAMILIES[family];
  if (n === undefined) throw new RangeError(`unknown nftables family ${JSON.stringify(family)}`);
  return n;
}

export const NFGENMSG_LEN = 4;

/** struct nfgenmsg: family, version (NFNETLINK_V0), res_id (big-endian; 0 in requests). */
export function writeNfgenmsg(w: NlWriter, family: number): void {
  w.u8(family).u8(NFNETLINK_V0).be16(0);
}

interface Nfgenmsg {
  readonly family: number;
  readonly version: number;
  /** In replies: the low 16 bits of the ruleset generation. */
  readonly resId: number;
}

export function readNfgenmsg(dv: DataView, off: number, end: number): Nfgenmsg {
  if (end > dv.byteLength || end - off < NFGENMSG_LEN) {
    throw new NetlinkDecodeError(`nfgenmsg needs ${NFGENMSG_LEN} bytes, has ${Math.min(end, dv.byteLength) - off}`, off);
  }
  return { family: dv.getUint8(off), version: dv.getUint8(off + 1), resId: dv.getUint16(off + 2, false) };
}

// The big-endian readers nftables attributes need live with the other attribute readers.
export { attrBe32, attrBe64, attrBeI32 } from "../../codec/attr.ts";
