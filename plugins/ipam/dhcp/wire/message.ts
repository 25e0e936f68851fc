// DHCPv4 messages (RFC 2131 BOOTP layout + RFC 2132 options): bytes <-> DhcpMessage. Pure: no I/O,
// no Bun APIs. Options keep their wire order; repeated instances of one code are concatenated on
// decode (RFC 3396) and split into 255-byte pieces on encode. Option overload (52) is honoured on
// decode: options carried in `file`/`sname` are appended after those of the options field.
import { ipFromBytes, ipToBytes, makeIP, type IP } from "../../../../shared/ip/index.ts";

/** The one error the codec throws for malformed bytes; names what and the byte offset. */
export class DhcpDecodeError extends Error {
  constructor(
    readonly what: string,
    readonly offset: number,
  ) {
    super(`dhcp decode: ${what} at byte ${offset}`);
    this.name = "DhcpDecodeError";
  }
}

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
export const HTYPE_ETHER = 1;
export const FLAG_BROADCAST = 0x8000;
const MAGIC_COOKIE = 0x63825363;
/** fixed header (236) + cookie (4) */
const HEADER_LEN = 240;
/** RFC 2131: a client must accept messages of at least 576 bytes of IP datagram (548 of DHCP). */
const MIN_MESSAGE_LEN = 300;

export const MessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;
export type MessageTypeValue = (typeof MessageType)[keyof typeof MessageType];

const OPT_PAD = 0;
const OPT_OVERLOAD = 52;
const OPT_MESSAGE_TYPE = 53;
const OPT_END = 255;

export interface DhcpMessage {
  op: number;
  htype: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: IP;
  yiaddr: IP;
  siaddr: IP;
  giaddr: IP;
  /** client hardware address, hlen bytes (hlen <= 16) */
  chaddr: Uint8Array;
  sname: string;
  file: string;
  /** option code -> data, in wire order; never holds pad, end or (on encode) overload */
  options: Map<number, Uint8Array>;
}

export const ZERO_IP: IP = makeIP(4, 0n);

function ipAt(b: Uint8Array, off: number): IP {
  return ipFromBytes(b.subarray(off, off + 4));
}

function cString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder().decode(end < 0 ? b : b.subarray(0, end));
}

/** Parses one options area into out (concatenating repeats); stops at END or the area's end. */
function parseOptionArea(b: Uint8Array, start: number, end: number, out: Map<number, Uint8Array>): void {
  let i = start;
  while (i < end) {
    const code = b[i]!;
    if (code === OPT_END) return;
    if (code === OPT_PAD) {
      i++;
      continue;
    }
    if (i + 1 >= end) throw new DhcpDecodeError(`option ${code} has no length byte`, i);
    const len = b[i + 1]!;
    if (i + 2 + len > end) throw new DhcpDecodeError(`option ${code} length ${len} runs past the end`, i);
    const data = b.slice(i + 2, i + 2 + len);
    const prev = out.get(code);
    out.set(code, prev ? concat(prev, data) : data);
    i += 2 + len;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Decodes a DHCP message (the UDP payload). Throws DhcpDecodeError on malformed input. */
export function decodeMessage(b: Uint8Array): DhcpMessage {
  if (b.length < HEADER_LEN) throw new DhcpDecodeError(`message too short (${b.length} bytes)`, 0);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(236) !== MAGIC_COOKIE) throw new DhcpDecodeError("bad magic cookie", 236);
  const hlen = b[2]!;
  if (hlen > 16) throw new DhcpDecodeError(`hardware address length ${hlen} > 16`, 2);
  const options = new Map<number, Uint8Array>();
  parseOptionArea(b, HEADER_LEN, b.length, options);
  const overload = options.get(OPT_OVERLOAD);
  options.delete(OPT_OVERLOAD);
  const ov = overload && overload.length === 1 ? overload[0]! : 0;
  if (ov & 1) parseOptionArea(b, 108, 236, options);
  if (ov & 2) parseOptionArea(b, 44, 108, options);
  return {
    op: b[0]!,
    htype: b[1]!,
    hops: b[3]!,
    xid: dv.getUint32(4),
    secs: dv.getUint16(8),
    flags: dv.getUint16(10),
    ciaddr: ipAt(b, 12),
    yiaddr: ipAt(b, 16),
    siaddr: ipAt(b, 20),
    giaddr: ipAt(b, 24),
    chaddr: b.slice(28, 28 + hlen),
    sname: ov & 2 ? "" : cString(b.subarray(44, 108)),
    file: ov & 1 ? "" : cString(b.subarray(108, 236)),
    options,
  };
}

function putIP(b: Uint8Array, off: number, ip: IP): void {
  if (ip.family !== 4) throw new RangeError("DHCPv4 address fields hold IPv4 only");
  b.set(ipToBytes(ip), off);
}

function putString(b: Uint8Array, off: number, max: number, s: string): void {
  const bytes = new TextEncoder().encode(s);
  if (bytes.length >= max) throw new RangeError(`string longer than ${max - 1} bytes`);
  b.set(bytes, off);
}

function encodeOptions(options: Map<number, Uint8Array>): number[] {
  const out: number[] = [];
  for (const [code, data] of options) {
    if (code <= OPT_PAD || code >= OPT_END || code === OPT_OVERLOAD) throw new RangeError(`option code ${code} cannot be encoded`);
    if (data.length === 0) {
      out.push(code, 0);
      continue;
    }
    for (let i = 0; i < data.length; i += 255) {
      const piece = data.subarray(i, i + 255);
      out.push(code, piece.length, ...piece);
    }
  }
  out.push(OPT_END);
  return out;
}

/** Encodes a message; pads to MIN_MESSAGE_LEN like common clients (some servers drop shorter ones). */
export function encodeMessage(m: DhcpMessage): Uint8Array {
  if (m.chaddr.length > 16) throw new RangeError("chaddr longer than 16 bytes");
  const opts = encodeOptions(m.options);
  const b = new Uint8Array(Math.max(MIN_MESSAGE_LEN, HEADER_LEN + opts.length));
  const dv = new DataView(b.buffer);
  b[0] = m.op;
  b[1] = m.htype;
  b[2] = m.chaddr.length;
  b[3] = m.hops;
  dv.setUint32(4, m.xid >>> 0);
  dv.setUint16(8, m.secs);
  dv.setUint16(10, m.flags);
  putIP(b, 12, m.ciaddr);
  putIP(b, 16, m.yiaddr);
  putIP(b, 20, m.siaddr);
  putIP(b, 24, m.giaddr);
  b.set(m.chaddr, 28);
  putString(b, 44, 64, m.sname);
  putString(b, 108, 128, m.file);
  dv.setUint32(236, MAGIC_COOKIE);
  b.set(opts, HEADER_LEN);
  return b;
}

/** The DHCP message type (option 53), or undefined for plain BOOTP / a malformed option. */
export function messageType(m: DhcpMessage): number | undefined {
  const t = m.options.get(OPT_MESSAGE_TYPE);
  return t && t.length === 1 ? t[0] : undefined;
}
