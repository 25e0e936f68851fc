// IP addresses as (family, bigint) pairs: parsing and printing exactly like Go's net.ParseIP and
// net.IP.String() (host-local store file names and result JSON depend on the text), plus the
// arithmetic the allocators need. Pure: no I/O, no Bun APIs.

export type Family = 4 | 6;

/** An address. IPv4-mapped IPv6 text (::ffff:a.b.c.d) parses to family 4, as Go's To4 does. */
export interface IP {
  readonly family: Family;
  /** unsigned, < 2^32 (v4) or < 2^128 (v6) */
  readonly value: bigint;
}

const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = (1n << 128n) - 1n;
const V4_MAPPED_PREFIX = 0xffffn << 32n;

export function familyBits(family: Family): 32 | 128 {
  return family === 4 ? 32 : 128;
}

export function maxValue(family: Family): bigint {
  return family === 4 ? V4_MAX : V6_MAX;
}

/** Builds an address; throws RangeError if value does not fit the family. */
export function makeIP(family: Family, value: bigint): IP {
  if (value < 0n || value > maxValue(family)) throw new RangeError(`value out of range for IPv${family}`);
  return Object.freeze({ family, value });
}

/** Dotted quad, as Go (>= 1.17): exactly 4 decimal parts 0..255, no leading zeros. */
function parseV4Value(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === "0")) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseGroups(text: string, allowV4Tail: boolean): bigint[] | undefined {
  if (text === "") return [];
  const parts = text.split(":");
  const out: bigint[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (allowV4Tail && i === parts.length - 1 && p.includes(".")) {
      const v4 = parseV4Value(p);
      if (v4 === undefined) return undefined;
      out.push(v4 >> 16n, v4 & 0xffffn);
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
    out.push(BigInt(parseInt(p, 16)));
  }
  return out;
}

/** RFC 4291 text without zone; an embedded dotted quad is allowed only as the last 32 bits. */
function parseV6Value(text: string): bigint | undefined {
  const dbl = text.indexOf("::");
  let groups: bigint[] | undefined;
  if (dbl < 0) {
    groups = parseGroups(text, true);
    if (!groups || groups.length !== 8) return undefined;
  } else {
    if (text.indexOf("::", dbl + 1) >= 0) return undefined;
    const head = parseGroups(text.slice(0, dbl), false);
    const tail = parseGroups(text.slice(dbl + 2), true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<bigint>(8 - head.length - tail.length).fill(0n), ...tail];
  }
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** An address as written: its value and the width of its notation (32: dotted quad, 128: IPv6 text). */
export interface WrittenIP {
  readonly ip: IP;
  readonly bits: 32 | 128;
}

/**
 * The one address-text parser: Go's net.ParseIP, plus the notation the text used (IPv4-mapped
 * "::ffff:a.b.c.d" is family 4 written 128 bits wide). Undefined when the text is not an address
 * (CIDRs and zones are rejected).
 */
export function scanIP(text: string): WrittenIP | undefined {
  if (text.length === 0 || text.length > 64) return undefined;
  const v4 = parseV4Value(text);
  if (v4 !== undefined) return { ip: makeIP(4, v4), bits: 32 };
  const v = parseV6Value(text);
  if (v === undefined) return undefined;
  if (v >> 32n === 0xffffn) return { ip: makeIP(4, v & V4_MAX), bits: 128 }; // IPv4-mapped
  return { ip: makeIP(6, v), bits: 128 };
}

/** Go's net.ParseIP: undefined when the text is not an address (CIDRs and zones are rejected). */
export function parseIP(text: string): IP | undefined {
  return scanIP(text)?.ip;
}

function formatV4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String(Number((v >> s) & 0xffn))).join(".");
}

/** The longest run (>= 2) of zero groups, leftmost on ties: RFC 5952, as Go prints. */
function longestZeroRun(groups: number[]): [number, number] {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  return [bestStart, bestLen];
}

function formatV6(v: bigint): string {
  const groups: number[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(Number((v >> s) & 0xffffn));
  const [start, len] = longestZeroRun(groups);
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(":");
  if (start < 0) return hex(groups);
  return `${hex(groups.slice(0, start))}::${hex(groups.slice(start + len))}`;
}

/** Go's net.IP.String(): dotted quad for v4, RFC 5952 compressed lowercase for v6. */
export function formatIP(ip: IP): string {
  return ip.family === 4 ? formatV4(ip.value) : formatV6(ip.value);
}

/** The address as 16-byte (IPv4-mapped for v4) number, the order Go's ip.Cmp uses. */
function to128(ip: IP): bigint {
  return ip.family === 4 ? V4_MAPPED_PREFIX | ip.value : ip.value;
}

/** Total order of Go's ip.Cmp (v4 compares as ::ffff:a.b.c.d). */
export function compareIP(a: IP, b: IP): -1 | 0 | 1 {
  const x = to128(a);
  const y = to128(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function ipEqual(a: IP, b: IP): boolean {
  return a.family === b.family && a.value === b.value;
}

/** ip + delta within the family; undefined on overflow or underflow. */
export function addToIP(ip: IP, delta: bigint): IP | undefined {
  const v = ip.value + delta;
  if (v < 0n || v > maxValue(ip.family)) return undefined;
  return makeIP(ip.family, v);
}

export function nextIP(ip: IP): IP | undefined {
  return addToIP(ip, 1n);
}

export function prevIP(ip: IP): IP | undefined {
  return addToIP(ip, -1n);
}

/**
 * Network-order bytes: 4 for v4, 16 for v6. `bits` 128 writes a v4 address IPv4-mapped in 16 bytes
 * (how IPv6 text such as "::ffff:10.1.0.5" reaches the kernel).
 */
export function ipToBytes(ip: IP, bits: 32 | 128 = familyBits(ip.family)): Uint8Array {
  if (bits < familyBits(ip.family)) throw new RangeError(`IPv${ip.family} does not fit ${bits} bits`);
  const n = bits / 8;
  const out = new Uint8Array(n);
  let v = bits === familyBits(ip.family) ? ip.value : to128(ip);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * From 4 or 16 network-order bytes; the family is the length's (16 bytes are IPv6 even when they
 * hold an IPv4-mapped address: the kernel's AF_INET6 address, printed "::ffff:a01:5").
 */
export function ipFromBytes(bytes: Uint8Array): IP {
  if (bytes.length !== 4 && bytes.length !== 16) throw new RangeError(`IP needs 4 or 16 bytes, got ${bytes.length}`);
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return makeIP(bytes.length === 4 ? 4 : 6, v);
}
