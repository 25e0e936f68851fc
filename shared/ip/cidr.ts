// CIDR prefixes: parse like Go's net.ParseCIDR (the address keeps its host bits, as CNI's
// types.IPNet does), print like net.IPNet.String(), and the subnet math IPAM needs. Pure.
import { familyBits, formatIP, makeIP, maxValue, scanIP, type Family, type IP } from "./addr.ts";

export interface Cidr {
  /** the address as written (host bits kept); see network() for the masked one */
  readonly ip: IP;
  readonly prefix: number;
  /**
   * width of the mask as written: 32 for dotted-quad text, 128 for IPv6 text. 128 with a family-4
   * ip means IPv4-mapped IPv6 notation (Go then reports "IPNet IP and Mask version mismatch").
   */
  readonly bits: 32 | 128;
}

/** Go's net.ParseCIDR: "addr/len", len decimal in 0..bits; undefined when invalid. */
export function parseCIDR(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const written = scanIP(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (!written || !/^[0-9]{1,3}$/.test(lenText)) return undefined;
  const { ip, bits } = written;
  const prefix = Number(lenText);
  if (prefix > bits) return undefined;
  return Object.freeze({ ip, prefix, bits });
}

/** A CIDR from parts; throws RangeError for a prefix outside 0..bits of the family. */
export function makeCidr(ip: IP, prefix: number): Cidr {
  const bits = familyBits(ip.family);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) throw new RangeError(`bad prefix /${prefix}`);
  return Object.freeze({ ip, prefix, bits });
}

/** True when the mask width matches the address family (false only for IPv4-mapped IPv6 text). */
export function isConsistent(c: Cidr): boolean {
  return c.bits === familyBits(c.ip.family);
}

/** The prefix length counted in the address's own family (IPv4-mapped /120 -> /24). */
function familyPrefix(c: Cidr): number {
  return c.bits === familyBits(c.ip.family) ? c.prefix : Math.max(0, c.prefix - 96);
}

/** The mask of a prefix length in a family, as a number. */
export function maskValue(family: Family, prefix: number): bigint {
  const bits = BigInt(familyBits(family));
  const host = bits - BigInt(prefix);
  return maxValue(family) ^ ((1n << host) - 1n);
}

function hostMask(c: Cidr): bigint {
  return maxValue(c.ip.family) ^ maskValue(c.ip.family, familyPrefix(c));
}

/** Go's net.IPNet.String(): address/prefix (the address as given, host bits kept). */
export function formatCIDR(c: Cidr): string {
  return `${formatIP(c.ip)}/${c.prefix}`;
}

/** The network address (host bits cleared). */
export function networkAddress(c: Cidr): IP {
  return makeIP(c.ip.family, c.ip.value & ~hostMask(c) & maxValue(c.ip.family));
}

/** The CIDR with host bits cleared (same prefix). */
export function networkOf(c: Cidr): Cidr {
  return Object.freeze({ ip: networkAddress(c), prefix: c.prefix, bits: c.bits });
}

/** The last address (all host bits set): the broadcast address for v4. */
export function lastAddress(c: Cidr): IP {
  return makeIP(c.ip.family, c.ip.value | hostMask(c));
}

export function hasHostBits(c: Cidr): boolean {
  return (c.ip.value & hostMask(c)) !== 0n;
}

/** Number of addresses in the prefix. */
export function size(c: Cidr): bigint {
  return hostMask(c) + 1n;
}

/** Go's IPNet.Contains: same family and same network bits. */
export function contains(c: Cidr, ip: IP): boolean {
  if (ip.family !== c.ip.family) return false;
  const m = ~hostMask(c);
  return (ip.value & m) === (c.ip.value & m);
}

/** True when the two prefixes share at least one address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, networkAddress(b)) || contains(b, networkAddress(a));
}
