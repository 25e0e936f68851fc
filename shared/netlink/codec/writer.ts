// Netlink message writer: one growable buffer holding one or more messages (a batch), with
// nlmsghdr and nested attribute lengths back-patched on close (protobuf-es fork/join style).
//
// Message kinds write their fixed header with the raw u8/u16/u32 methods right after
// beginMessage(), then attributes. A struct-valued attribute (tc_ratespec, tc_tbf_qopt, ...) is
// written like a nest: nest(type), raw fields, end(). A future tc.ts needs nothing more.
import { align4, LE, NLA_HDRLEN } from "./attr.ts";

export const NLMSG_HDRLEN = 16;

function checkInt(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} out of range: ${v}`);
}

export class NlWriter {
  private buf: Uint8Array;
  private dv: DataView;
  private pos = 0;
  private msgStart = -1;
  private readonly nests: number[] = [];

  constructor(initialSize = 1024) {
    this.buf = new Uint8Array(initialSize);
    this.dv = new DataView(this.buf.buffer);
  }

  /** Forgets everything written; keeps the buffer. */
  reset(): this {
    this.pos = 0;
    this.msgStart = -1;
    this.nests.length = 0;
    return this;
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far (a view: valid until the next write or reset). */
  bytes(): Uint8Array {
    if (this.msgStart >= 0 || this.nests.length) throw new Error("NlWriter: unterminated message or nest");
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  // ---- messages ----

  /** Starts a message (nlmsghdr with length patched by endMessage). Returns its start offset. */
  beginMessage(type: number, flags: number, seq: number, pid = 0): number {
    if (this.msgStart >= 0) throw new Error("NlWriter: previous message not ended");
    checkInt(type, 0xffff, "nlmsg_type");
    checkInt(flags, 0xffff, "nlmsg_flags");
    this.ensure(NLMSG_HDRLEN);
    const s = this.pos;
    this.dv.setUint32(s, 0, LE);
    this.dv.setUint16(s + 4, type, LE);
    this.dv.setUint16(s + 6, flags, LE);
    this.dv.setUint32(s + 8, seq >>> 0, LE);
    this.dv.setUint32(s + 12, pid >>> 0, LE);
    this.pos += NLMSG_HDRLEN;
    this.msgStart = s;
    return s;
  }

  endMessage(): void {
    if (this.msgStart < 0) throw new Error("NlWriter: no message to end");
    if (this.nests.length) throw new Error("NlWriter: unterminated nest");
    this.pad();
    this.dv.setUint32(this.msgStart, this.pos - this.msgStart, LE);
    this.msgStart = -1;
  }

  // ---- raw fields (fixed headers, struct payloads) ----

  u8(v: number): this {
    checkInt(v, 0xff, "u8");
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u16(v: number): this {
    checkInt(v, 0xffff, "u16");
    this.ensure(2);
    this.dv.setUint16(this.pos, v, LE);
    this.pos += 2;
    return this;
  }

  /** Network byte order u16 (ports, ethertypes). */
  be16(v: number): this {
    checkInt(v, 0xffff, "be16");
    this.ensure(2);
    this.dv.setUint16(this.pos, v, false);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    checkInt(v, 0xffff_ffff, "u32");
    this.ensure(4);
    this.dv.setUint32(this.pos, v, LE);
    this.pos += 4;
    return this;
  }

  i32(v: number): this {
    if (!Number.isInteger(v) || v < -0x8000_0000 || v > 0x7fff_ffff) throw new RangeError(`s32 out of range: ${v}`);
    this.ensure(4);
    this.dv.setInt32(this.pos, v, LE);
    this.pos += 4;
    return this;
  }

  u64(v: number): this {
    checkInt(v, Number.MAX_SAFE_INTEGER, "u64");
    this.ensure(8);
    const lo = v % 0x1_0000_0000;
    const hi = (v - lo) / 0x1_0000_0000;
    this.dv.setUint32(this.pos + (LE ? 0 : 4), lo, LE);
    this.dv.setUint32(this.pos + (LE ? 4 : 0), hi, LE);
    this.pos += 8;
    return this;
  }

  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
    return this;
  }

  /** Zero-pads to the next 4-byte boundary. */
  pad(): this {
    const p = align4(this.pos) - this.pos;
    return p ? this.zeros(p) : this;
  }

  // ---- attributes ----

  private attrHeader(type: number, payloadLen: number): void {
    checkInt(type, 0xffff, "nla_type");
    if (payloadLen + NLA_HDRLEN > 0xffff) throw new RangeError(`attribute ${type} too long: ${payloadLen}`);
    this.ensure(NLA_HDRLEN + payloadLen + 3);
    this.dv.setUint16(this.pos, NLA_HDRLEN + payloadLen, LE);
    this.dv.setUint16(this.pos + 2, type, LE);
    this.pos += NLA_HDRLEN;
  }

  attrU8(type: number, v: number): this {
    this.attrHeader(type, 1);
    return this.u8(v).pad();
  }

  attrU16(type: number, v: number): this {
    this.attrHeader(type, 2);
    return this.u16(v).pad();
  }

  attrBe16(type: number, v: number): this {
    this.attrHeader(type, 2);
    return this.be16(v).pad();
  }

  attrU32(type: number, v: number): this {
    this.attrHeader(type, 4);
    return this.u32(v);
  }

  attrI32(type: number, v: number): this {
    this.attrHeader(type, 4);
    return this.i32(v);
  }

  attrU64(type: number, v: number): this {
    this.attrHeader(type, 8);
    return this.u64(v);
  }

  /** A flag attribute (no payload). */
  attrFlag(type: number): this {
    this.attrHeader(type, 0);
    return this;
  }

  attrBytes(type: number, b: Uint8Array): this {
    this.attrHeader(type, b.length);
    return this.raw(b).pad();
  }

  /** A NUL-terminated string (ASCII fast path; UTF-8 otherwise). */
  attrStr(type: number, s: string): this {
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0 || c > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (!ascii) {
      if (s.includes("\0")) throw new RangeError("attribute string contains NUL");
      return this.attrBytes(type, new TextEncoder().encode(s + "\0"));
    }
    this.attrHeader(type, s.length + 1);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
    this.buf[this.pos++] = 0;
    return this.pad();
  }

  /**
   * Opens an attribute whose payload follows (nested attributes or a struct); end() patches its
   * length. OR NLA_F_NESTED into type where the kernel wants it; rtnetlink accepts both.
   */
  nest(type: number): this {
    this.attrHeader(type, 0);
    this.nests.push(this.pos - NLA_HDRLEN);
    return this;
  }

  end(): this {
    const start = this.nests.pop();
    if (start === undefined) throw new Error("NlWriter: end() without nest()");
    const len = this.pos - start;
    if (len > 0xffff) throw new RangeError(`nested attribute too long: ${len}`);
    this.dv.setUint16(start, len, LE);
    return this.pad();
  }
}
