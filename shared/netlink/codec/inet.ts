// Address families and the text <-> bytes conversions the codec needs (IPv4, IPv6, MAC).
// Strict parsers return undefined for anything malformed; formatters never throw.

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;

export type InetFamily = typeof AF_INET | typeof AF_INET6;

function parseV4(s: string, out: Uint8Array, at: number): boolean {
  const parts = s.split(".");
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return false;
    const n = Number(p);
    if (n > 255) return false;
    out[at + i] = n;
  }
  return true;
}

function parseGroups(s: string): number[] | undefined {
  if (s === "") return [];
  const out: number[] = [];
  for (const g of s.split(":")) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    out.push(parseInt(g, 16));
  }
  return out;
}

function parseV6(s: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  let tail = s;
  let v4 = false;
  const lastColon = s.lastIndexOf(":");
  if (lastColon >= 0 && s.indexOf(".", lastColon) > 0) {
    if (!parseV4(s.slice(lastColon + 1), out, 12)) return undefined;
    tail = s.slice(0, lastColon + 1) + "0:0"; // placeholder groups for the embedded IPv4
    v4 = true;
  }
  const dbl = tail.indexOf("::");
  let groups: number[] | undefined;
  if (dbl >= 0) {
    if (tail.indexOf("::", dbl + 1) >= 0) return undefined;
    const head = parseGroups(tail.slice(0, dbl));
    const rest = parseGroups(tail.slice(dbl + 2));
    if (!head || !rest || head.length + rest.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  } else {
    groups = parseGroups(tail);
    if (!groups || groups.length !== 8) return undefined;
  }
  for (let i = 0; i < (v4 ? 6 : 8); i++) {
    out[i * 2] = groups[i]! >> 8;
    out[i * 2 + 1] = groups[i]! & 0xff;
  }
  return out;
}

/** Parses a dotted IPv4 (4 bytes) or an IPv6 (16 bytes) address. */
export function parseIp(s: string): Uint8Array | undefined {
  if (s.length > 45) return undefined;
  if (s.includes(":")) return parseV6(s);
  const out = new Uint8Array(4);
  return parseV4(s, out, 0) ? out : undefined;
}

export interface Cidr {
  addr: Uint8Array;
  prefixLen: number;
  family: InetFamily;
}

/** Parses "10.1.0.5/24" or "fd00::5/64"; a bare address gets the full-length prefix. */
export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf("/");
  const addr = parseIp(slash < 0 ? s : s.slice(0, slash));
  if (!addr) return undefined;
  const bits = addr.length * 8;
  let prefixLen = bits;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    prefixLen = Number(p);
    if (prefixLen > bits) return undefined;
  }
  return { addr, prefixLen, family: addr.length === 4 ? AF_INET : AF_INET6 };
}

export function familyOf(addr: Uint8Array): InetFamily {
  return addr.length === 4 ? AF_INET : AF_INET6;
}

function formatV6(b: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on a tie.
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(":");
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

/** Formats 4 or 16 bytes as an address; any other length as hex (never throws). */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length === 16) return formatV6(b);
  return formatHex(b);
}

function formatHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (i ? ":" : "") + (b[i]! < 16 ? "0" : "") + b[i]!.toString(16);
  return s;
}

/** "aa:bb:cc:dd:ee:ff" (lowercase, as ip -j prints). */
export const formatMac = formatHex;

/** Parses a 6-byte MAC "aa:bb:cc:dd:ee:ff" (also "-" separated, any case). */
export function parseMac(s: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(s)) return undefined;
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = parseInt(s.slice(i * 3, i * 3 + 2), 16);
  return out;
}
