// Attribute (struct nlattr) reading: bounds-checked walking and typed payload readers.
// Decoders walk attributes with forEachAttr and switch on the type; no table is allocated.
import { NetlinkDecodeError } from "./errors.ts";

export const NLA_HDRLEN = 4;
export const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;

/** Native byte order (netlink is host-endian); little on x86_64 and aarch64. */
export const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export const align4 = (n: number): number => (n + 3) & ~3;

/** Called with the attribute type (flags masked off) and its payload offset and length. */
type AttrVisitor = (type: number, off: number, len: number) => void;

/**
 * Visits each attribute in [off, end). A trailing remainder shorter than an attribute header is
 * padding and ignored (as the kernel's nla_for_each does); an attribute overrunning end throws.
 */
export function forEachAttr(dv: DataView, off: number, end: number, visit: AttrVisitor): void {
  if (end > dv.byteLength) throw new NetlinkDecodeError(`attribute area ends past the buffer (${end})`, off);
  while (off + NLA_HDRLEN <= end) {
    const len = dv.getUint16(off, LE);
    const type = dv.getUint16(off + 2, LE) & NLA_TYPE_MASK;
    if (len < NLA_HDRLEN || off + len > end) {
      throw new NetlinkDecodeError(`attribute type ${type} has length ${len} with ${end - off} bytes left`, off);
    }
    visit(type, off + NLA_HDRLEN, len - NLA_HDRLEN);
    off += align4(len);
  }
}

/** Checks that [off, end) lies in the buffer and holds at least a fixed header of size bytes. */
export function needStruct(dv: DataView, off: number, end: number, size: number, what: string): void {
  if (end > dv.byteLength || off < 0 || end - off < size) {
    throw new NetlinkDecodeError(`${what} needs ${size} bytes, has ${Math.min(end, dv.byteLength) - off}`, off);
  }
}

function need(len: number, min: number, off: number, what: string): void {
  if (len < min) throw new NetlinkDecodeError(`${what} attribute needs ${min} bytes, has ${len}`, off);
}

export function attrU8(dv: DataView, off: number, len: number): number {
  need(len, 1, off, "u8");
  return dv.getUint8(off);
}

export function attrU16(dv: DataView, off: number, len: number): number {
  need(len, 2, off, "u16");
  return dv.getUint16(off, LE);
}

/** A big-endian (network order) u16, e.g. IFLA_BR_VLAN_PROTOCOL. */
export function attrBe16(dv: DataView, off: number, len: number): number {
  need(len, 2, off, "be16");
  return dv.getUint16(off, false);
}

/** A big-endian u32 (nftables attributes: NFTA_*_FLAGS, registers, payload offsets, ...). */
export function attrBe32(dv: DataView, off: number, len: number): number {
  need(len, 4, off, "be32");
  return dv.getUint32(off, false);
}

/** A big-endian s32 (NFTA_VERDICT_CODE: NFT_JUMP is -3, ...). */
export function attrBeI32(dv: DataView, off: number, len: number): number {
  need(len, 4, off, "be32");
  return dv.getInt32(off, false);
}

/** A big-endian u64 as a number (nftables handles; exact up to 2^53). */
export function attrBe64(dv: DataView, off: number, len: number): number {
  need(len, 8, off, "be64");
  return dv.getUint32(off, false) * 0x1_0000_0000 + dv.getUint32(off + 4, false);
}

export function attrU32(dv: DataView, off: number, len: number): number {
  need(len, 4, off, "u32");
  return dv.getUint32(off, LE);
}

export function attrI32(dv: DataView, off: number, len: number): number {
  need(len, 4, off, "s32");
  return dv.getInt32(off, LE);
}

/** A u64 as a number (exact up to 2^53). */
export function attrU64(dv: DataView, off: number, len: number): number {
  need(len, 8, off, "u64");
  const lo = dv.getUint32(off + (LE ? 0 : 4), LE);
  const hi = dv.getUint32(off + (LE ? 4 : 0), LE);
  return hi * 0x1_0000_0000 + lo;
}

let utf8: TextDecoder | undefined;

/** A NUL-terminated (or length-bounded) string. */
export function attrStr(dv: DataView, off: number, len: number): string {
  const u8 = new Uint8Array(dv.buffer, dv.byteOffset + off, len);
  let n = 0;
  let ascii = true;
  while (n < len && u8[n] !== 0) {
    if (u8[n]! > 0x7f) ascii = false;
    n++;
  }
  if (ascii && n <= 64) {
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(u8[i]!);
    return s;
  }
  utf8 ??= new TextDecoder("utf-8");
  return utf8.decode(u8.subarray(0, n));
}

/** A copy of the payload bytes. */
export function attrBytes(dv: DataView, off: number, len: number): Uint8Array {
  return new Uint8Array(dv.buffer.slice(dv.byteOffset + off, dv.byteOffset + off + len));
}

/** A view of the payload bytes (valid while the receive buffer is). */
export function attrView(dv: DataView, off: number, len: number): Uint8Array {
  return new Uint8Array(dv.buffer, dv.byteOffset + off, len);
}
