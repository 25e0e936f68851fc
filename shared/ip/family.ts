// Address families: the kernel's AF_* numbers (defined here once), the family an address or CIDR
// text is written in, and text -> the bytes the kernel takes. Pure.
import { ipToBytes, scanIP, type Family, type WrittenIP } from "./addr.ts";
import { parseCIDR, type Cidr } from "./cidr.ts";

/** linux/socket.h */
export const AF_INET = 2;
export const AF_INET6 = 10;

export type AddressFamily = typeof AF_INET | typeof AF_INET6;

/** The AF_* number of a family. */
export function afOf(family: Family): AddressFamily {
  return family === 4 ? AF_INET : AF_INET6;
}

/**
 * The family an address or CIDR is written in: 6 for IPv6 text (IPv4-mapped "::ffff:a.b.c.d"
 * included, as node:net's isIP and the kernel see it), 4 for a dotted quad; undefined for text that
 * is neither. The value's family (Go's To4) is `ip.family`.
 */
export function familyOf(written: WrittenIP | Cidr): Family;
export function familyOf(text: string): Family | undefined;
export function familyOf(x: string | WrittenIP | Cidr): Family | undefined {
  const written = typeof x === "string" ? (scanIP(x) ?? parseCIDR(x)) : x;
  if (!written) return undefined;
  return written.bits === 128 ? 6 : 4;
}

/** An address as the kernel takes it: AF_INET and 4 bytes, or AF_INET6 and 16 bytes. */
export interface WireAddress {
  readonly family: AddressFamily;
  readonly bytes: Uint8Array;
}

export interface WirePrefix extends WireAddress {
  readonly prefixLen: number;
}

/** Address text in the family it is written in (IPv6 text stays AF_INET6, IPv4-mapped included). */
export function wireAddress(text: string): WireAddress | undefined {
  const w = scanIP(text);
  return w && { family: afOf(familyOf(w)), bytes: ipToBytes(w.ip, w.bits) };
}

/** CIDR text ("10.1.0.5/24", "fd00::5/64") as address bytes and prefix length, written family kept. */
export function wirePrefix(text: string): WirePrefix | undefined {
  const c = parseCIDR(text);
  return c && { family: afOf(familyOf(c)), bytes: ipToBytes(c.ip, c.bits), prefixLen: c.prefix };
}
