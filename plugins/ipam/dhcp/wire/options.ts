// DHCPv4 option codes (RFC 2132, 3397, 3442) and typed readers/writers for the ones tscni uses.
// Pure: no I/O, no Bun APIs. Readers return undefined for an absent option and throw DhcpDecodeError
// for a malformed one (offsets are relative to the option's data).
import { ipFromBytes, ipToBytes, type IP } from "../../../../shared/ip/index.ts";
import { DhcpDecodeError } from "./message.ts";

export const Opt = {
  SUBNET_MASK: 1,
  ROUTERS: 3,
  DNS_SERVERS: 6,
  HOST_NAME: 12,
  DOMAIN_NAME: 15,
  STATIC_ROUTES: 33,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAMETER_REQUEST_LIST: 55,
  MESSAGE: 56,
  MAX_MESSAGE_SIZE: 57,
  RENEWAL_TIME: 58,
  REBINDING_TIME: 59,
  VENDOR_CLASS_ID: 60,
  CLIENT_ID: 61,
  USER_CLASS: 77,
  DOMAIN_SEARCH: 119,
  CLASSLESS_ROUTES: 121,
} as const;

/** Option names the reference accepts in `provide`/`request` (dhcp-options(5) spelling). */
export const OPTION_NAMES: Readonly<Record<string, number>> = Object.freeze({
  "dhcp-client-identifier": Opt.CLIENT_ID,
  "subnet-mask": Opt.SUBNET_MASK,
  routers: Opt.ROUTERS,
  "host-name": Opt.HOST_NAME,
  "user-class": Opt.USER_CLASS,
  "vendor-class-identifier": Opt.VENDOR_CLASS_ID,
});

export interface Route4 {
  /** destination network address */
  dst: IP;
  prefix: number;
  gw: IP;
}

export function readIP(data: Uint8Array | undefined, code: number): IP | undefined {
  if (!data) return undefined;
  if (data.length !== 4) throw new DhcpDecodeError(`option ${code}: expected 4 bytes, got ${data.length}`, 0);
  return ipFromBytes(data);
}

export function readIPList(data: Uint8Array | undefined, code: number): IP[] | undefined {
  if (!data) return undefined;
  if (data.length === 0 || data.length % 4 !== 0) throw new DhcpDecodeError(`option ${code}: length ${data.length} is not a multiple of 4`, 0);
  const out: IP[] = [];
  for (let i = 0; i < data.length; i += 4) out.push(ipFromBytes(data.subarray(i, i + 4)));
  return out;
}

export function readU32(data: Uint8Array | undefined, code: number): number | undefined {
  if (!data) return undefined;
  if (data.length !== 4) throw new DhcpDecodeError(`option ${code}: expected 4 bytes, got ${data.length}`, 0);
  return new DataView(data.buffer, data.byteOffset, 4).getUint32(0);
}

export function readText(data: Uint8Array | undefined): string | undefined {
  if (!data) return undefined;
  const end = data.indexOf(0);
  return new TextDecoder().decode(end < 0 ? data : data.subarray(0, end));
}

export function u32Bytes(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0);
  return b;
}

export const ipBytes = (ip: IP): Uint8Array => ipToBytes(ip);

/** Prefix length of a contiguous netmask; throws for a non-contiguous one. */
export function maskPrefix(mask: IP): number {
  const v = Number(mask.value);
  let prefix = 0;
  while (prefix < 32 && v & (0x80000000 >>> prefix)) prefix++;
  if (((v << prefix) >>> 0) !== 0 && prefix < 32) throw new DhcpDecodeError(`subnet mask is not contiguous`, 0);
  return prefix;
}

const V4_ALL = 0xffffffffn;
const maskOf = (prefix: number): bigint => (prefix === 0 ? 0n : (V4_ALL << BigInt(32 - prefix)) & V4_ALL);

/** Option 121 (RFC 3442): width, significant destination octets, router. */
export function readClasslessRoutes(data: Uint8Array | undefined): Route4[] | undefined {
  if (!data) return undefined;
  const out: Route4[] = [];
  let i = 0;
  while (i < data.length) {
    const prefix = data[i]!;
    if (prefix > 32) throw new DhcpDecodeError(`option 121: prefix ${prefix} > 32`, i);
    const n = (prefix + 7) >> 3;
    if (i + 1 + n + 4 > data.length) throw new DhcpDecodeError("option 121: truncated route", i);
    const dst = new Uint8Array(4);
    dst.set(data.subarray(i + 1, i + 1 + n));
    const value = BigInt(new DataView(dst.buffer).getUint32(0)) & maskOf(prefix);
    out.push({ dst: ipFromBytes(u32Bytes(Number(value))), prefix, gw: ipFromBytes(data.subarray(i + 1 + n, i + 5 + n)) });
    i += 5 + n;
  }
  return out;
}

export function encodeClasslessRoutes(routes: readonly Route4[]): Uint8Array {
  const out: number[] = [];
  for (const r of routes) {
    const dst = ipToBytes(r.dst);
    out.push(r.prefix, ...dst.subarray(0, (r.prefix + 7) >> 3), ...ipToBytes(r.gw));
  }
  return Uint8Array.from(out);
}

/** Classful prefix of a destination (Go's net.IP.DefaultMask); undefined for class D/E. */
function classfulPrefix(first: number): number | undefined {
  if (first < 0x80) return 8;
  if (first < 0xc0) return 16;
  if (first < 0xe0) return 24;
  return undefined;
}

/** Option 33: (destination, router) pairs with classful destination masks; class D/E entries skipped. */
export function readStaticRoutes(data: Uint8Array | undefined): Route4[] | undefined {
  if (!data) return undefined;
  if (data.length % 8 !== 0) throw new DhcpDecodeError(`option 33: length ${data.length} is not a multiple of 8`, 0);
  const out: Route4[] = [];
  for (let i = 0; i < data.length; i += 8) {
    const prefix = classfulPrefix(data[i]!);
    if (prefix === undefined) continue;
    out.push({ dst: ipFromBytes(data.subarray(i, i + 4)), prefix, gw: ipFromBytes(data.subarray(i + 4, i + 8)) });
  }
  return out;
}

/** Option 119 (RFC 3397): DNS names in wire format, compression pointers relative to the data start. */
export function readDomainSearch(data: Uint8Array | undefined): string[] | undefined {
  if (!data) return undefined;
  const out: string[] = [];
  let i = 0;
  while (i < data.length) {
    const [name, next] = readName(data, i);
    out.push(name);
    i = next;
  }
  return out;
}

function readName(data: Uint8Array, start: number): [string, number] {
  const labels: string[] = [];
  let i = start;
  let next = -1;
  for (let hops = 0; ; hops++) {
    if (hops > 255) throw new DhcpDecodeError("option 119: compression loop", i);
    if (i >= data.length) throw new DhcpDecodeError("option 119: name runs past the end", i);
    const len = data[i]!;
    if (len === 0) {
      if (next < 0) next = i + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (i + 1 >= data.length) throw new DhcpDecodeError("option 119: truncated pointer", i);
      if (next < 0) next = i + 2;
      i = ((len & 0x3f) << 8) | data[i + 1]!;
      continue;
    }
    if (len & 0xc0) throw new DhcpDecodeError(`option 119: bad label length ${len}`, i);
    if (i + 1 + len > data.length) throw new DhcpDecodeError("option 119: label runs past the end", i);
    labels.push(new TextDecoder().decode(data.subarray(i + 1, i + 1 + len)));
    i += 1 + len;
  }
  return [labels.join("."), next];
}

/** Option 119 without compression (enough for tests and for servers that accept it). */
export function encodeDomainSearch(names: readonly string[]): Uint8Array {
  const out: number[] = [];
  for (const name of names) {
    for (const label of name.split(".").filter((l) => l.length > 0)) {
      const bytes = new TextEncoder().encode(label);
      if (bytes.length > 63) throw new RangeError(`label ${label} longer than 63 bytes`);
      out.push(bytes.length, ...bytes);
    }
    out.push(0);
  }
  return Uint8Array.from(out);
}
