// Test-only naive netlink byte builder: plain number arrays, written independently of the
// production NlWriter so expectations do not share its bugs. Little-endian (x86_64, aarch64).

export type Bytes = number[];

export const u8 = (v: number): Bytes => [v & 0xff];
export const u16 = (v: number): Bytes => [v & 0xff, (v >>> 8) & 0xff];
export const be16 = (v: number): Bytes => [(v >>> 8) & 0xff, v & 0xff];
export const u32 = (v: number): Bytes => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
export const i32 = (v: number): Bytes => u32(v >>> 0);
export const str = (s: string): Bytes => [...Array.from(s, (c) => c.charCodeAt(0)), 0];
export const ip4 = (s: string): Bytes => s.split(".").map(Number);

function pad(b: Bytes): Bytes {
  const out = [...b];
  while (out.length % 4) out.push(0);
  return out;
}

/** struct nlattr + payload, padded to 4. */
export function attr(type: number, ...payload: Bytes[]): Bytes {
  const body = payload.flat();
  return pad([...u16(4 + body.length), ...u16(type), ...body]);
}

/** struct nlmsghdr + payload. */
export function msg(type: number, flags: number, seq: number, ...payload: Bytes[]): Bytes {
  const body = pad(payload.flat());
  return [...u32(16 + body.length), ...u16(type), ...u16(flags), ...u32(seq), ...u32(0), ...body];
}

/** struct ifinfomsg. */
export const ifinfomsg = (family: number, ifindex: number, flags = 0, change = 0): Bytes => [
  family, 0, ...u16(0), ...i32(ifindex), ...u32(flags), ...u32(change),
];

/** struct ifaddrmsg. */
export const ifaddrmsg = (family: number, prefixLen: number, flags: number, scope: number, ifindex: number): Bytes => [
  family, prefixLen, flags, scope, ...u32(ifindex),
];

/** struct rtmsg. */
export const rtmsg = (f: { family: number; dstLen: number; table: number; protocol: number; scope: number; type: number }): Bytes => [
  f.family, f.dstLen, 0, 0, f.table, f.protocol, f.scope, f.type, ...u32(0),
];

export const view = (b: Bytes | Uint8Array): DataView => {
  const u = b instanceof Uint8Array ? b : new Uint8Array(b);
  return new DataView(u.buffer, u.byteOffset, u.byteLength);
};

export const hex = (b: Bytes | Uint8Array): string => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString("hex");
