// libnftnl "udata": the TLV blob nft stores in NFTA_RULE_USERDATA / NFTA_SET_ELEM_USERDATA /
// NFTA_TABLE_USERDATA. Each entry is { u8 type, u8 len, value[len] }, packed without alignment.
// The kernel keeps it opaque, so another tool may have written anything: a malformed blob gives
// "no comment", never an error.

/** NFTNL_UDATA_RULE_COMMENT, NFTNL_UDATA_SET_ELEM_COMMENT, NFTNL_UDATA_TABLE_COMMENT: all 0. */
export const NFTNL_UDATA_COMMENT = 0;

let utf8: TextDecoder | undefined;

/** Offset and length of the first TLV of `type`'s value; undefined if absent or the blob is malformed. */
function findTlv(dv: DataView, off: number, len: number, type: number): { v: number; l: number } | undefined {
  const end = Math.min(off + len, dv.byteLength);
  for (let p = off; p + 2 <= end; ) {
    const l = dv.getUint8(p + 1);
    const v = p + 2;
    if (v + l > end) return undefined;
    if (dv.getUint8(p) === type) return { v, l };
    p = v + l;
  }
  return undefined;
}

/** The value of the first TLV of `type` as a NUL-terminated string, or undefined. */
export function udataString(dv: DataView, off: number, len: number, type: number): string | undefined {
  const tlv = findTlv(dv, off, len, type);
  return tlv && cString(dv, tlv.v, tlv.l);
}

/** NUL-terminated; ASCII (every comment tscni and the reference write) without a TextDecoder call. */
function cString(dv: DataView, off: number, len: number): string {
  let s = "";
  for (let i = 0; i < len; i++) {
    const c = dv.getUint8(off + i);
    if (c === 0) return s;
    if (c > 0x7f) return utf8Until0(dv, off, len);
    s += String.fromCharCode(c);
  }
  return s;
}

function utf8Until0(dv: DataView, off: number, len: number): string {
  const u8 = new Uint8Array(dv.buffer, dv.byteOffset + off, len);
  let n = 0;
  while (n < len && u8[n] !== 0) n++;
  utf8 ??= new TextDecoder("utf-8");
  return utf8.decode(u8.subarray(0, n));
}

/**
 * True when the first TLV of `type` is a string starting with `prefix` (bytes): lets a dump decoder
 * drop the many rules/elements of other owners without building their strings.
 */
export function udataStartsWith(dv: DataView, off: number, len: number, type: number, prefix: Uint8Array): boolean {
  const tlv = findTlv(dv, off, len, type);
  if (!tlv || tlv.l < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (dv.getUint8(tlv.v + i) !== prefix[i]) return false;
  return true;
}

/** A comment prefix as the bytes udataStartsWith compares. */
export function commentPrefixBytes(prefix: string): Uint8Array {
  return new TextEncoder().encode(prefix);
}
