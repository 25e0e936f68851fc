// nlmsghdr walking and the two control messages every request ends with: NLMSG_ERROR (ack or
// error, with extended-ack TLVs) and NLMSG_DONE (end of a dump).
import { align4, attrStr, attrU32, forEachAttr, LE, needStruct } from "./attr.ts";
import { NetlinkDecodeError } from "./errors.ts";
import { NLMSG_HDRLEN } from "./writer.ts";

export const NETLINK_ROUTE = 0;

export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;

export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_DUMP_INTR = 0x10;
// GET requests
const NLM_F_ROOT = 0x100;
const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
// NEW requests
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
// NLMSG_ERROR flags
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;

export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;
export const NLMSGERR_ATTR_MISS_TYPE = 5;

/** Called per message with its header fields and payload range [off, end). */
type MessageVisitor = (type: number, flags: number, seq: number, off: number, end: number) => void;

/** Walks the messages of one datagram in [off, end). */
export function forEachMessage(dv: DataView, off: number, end: number, visit: MessageVisitor): void {
  if (end > dv.byteLength) throw new NetlinkDecodeError(`datagram ends past the buffer (${end})`, off);
  while (off < end) {
    if (off + NLMSG_HDRLEN > end) throw new NetlinkDecodeError(`truncated nlmsghdr (${end - off} bytes)`, off);
    const len = dv.getUint32(off, LE);
    if (len < NLMSG_HDRLEN || off + len > end) {
      throw new NetlinkDecodeError(`nlmsg_len ${len} with ${end - off} bytes left`, off);
    }
    visit(dv.getUint16(off + 4, LE), dv.getUint16(off + 6, LE), dv.getUint32(off + 8, LE), off + NLMSG_HDRLEN, off + len);
    off += (len + 3) & ~3;
  }
}

/** A decoded NLMSG_ERROR (error 0 = ack) or NLMSG_DONE. */
export interface NetlinkAck {
  /** Positive errno, 0 on success. */
  error: number;
  /** Header of the request this answers (NLMSG_ERROR only). */
  requestType?: number;
  requestSeq?: number;
  /** NLMSGERR_ATTR_MSG: the kernel's human-readable reason. */
  message?: string;
  /** NLMSGERR_ATTR_OFFS: byte offset of the offending attribute in the request. */
  badAttrOffset?: number;
  /** NLMSGERR_ATTR_MISS_TYPE: the attribute type the kernel missed. */
  missingAttrType?: number;
}

/** The kernel sends -errno; report errno (and a clean 0, not -0). */
const negErrno = (v: number): number => (v === 0 ? 0 : -v);

function decodeAckTlvs(dv: DataView, off: number, end: number, out: NetlinkAck): void {
  forEachAttr(dv, off, end, (type, o, l) => {
    if (type === NLMSGERR_ATTR_MSG) out.message = attrStr(dv, o, l);
    else if (type === NLMSGERR_ATTR_OFFS) out.badAttrOffset = attrU32(dv, o, l);
    else if (type === NLMSGERR_ATTR_MISS_TYPE) out.missingAttrType = attrU32(dv, o, l);
  });
}

/** Decodes an NLMSG_ERROR payload [off, end); flags are the NLMSG_ERROR message's own flags. */
export function decodeError(dv: DataView, off: number, end: number, flags: number): NetlinkAck {
  needStruct(dv, off, end, 4 + NLMSG_HDRLEN, "nlmsgerr");
  const out: NetlinkAck = {
    error: negErrno(dv.getInt32(off, LE)),
    requestType: dv.getUint16(off + 8, LE),
    requestSeq: dv.getUint32(off + 12, LE),
  };
  if (flags & NLM_F_ACK_TLVS) {
    const echoed = flags & NLM_F_CAPPED ? NLMSG_HDRLEN : dv.getUint32(off + 4, LE);
    if (echoed < NLMSG_HDRLEN || echoed > end - off - 4) {
      throw new NetlinkDecodeError(`echoed request of ${echoed} bytes`, off + 4);
    }
    const tlvs = Math.min(end, off + 4 + align4(echoed));
    decodeAckTlvs(dv, tlvs, end, out);
  }
  return out;
}

/** Decodes an NLMSG_DONE payload: the dump's final status, optionally with ext-ack TLVs. */
export function decodeDone(dv: DataView, off: number, end: number, flags: number): NetlinkAck {
  if (end - off < 4) return { error: 0 };
  needStruct(dv, off, end, 4, "NLMSG_DONE status");
  const out: NetlinkAck = { error: negErrno(dv.getInt32(off, LE)) };
  if (flags & NLM_F_ACK_TLVS) decodeAckTlvs(dv, off + 4, end, out);
  return out;
}
