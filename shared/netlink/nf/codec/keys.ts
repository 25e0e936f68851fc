// Set element key/data bytes back to nft text, for the data types the portmap maps and sets use, so a
// dumped element can be named in `delete element ... { <key> }` and compared with what a setup wants.
// A concatenation pads every field to 4 bytes (NFT_REG32_SIZE); a single field is stored unpadded.
import { AF_INET, wireAddress } from "../../../ip/index.ts";
import { formatIp } from "../../codec/inet.ts";

export type NftKeyType = "inet_proto" | "inet_service" | "ipv4_addr" | "ipv6_addr";

const SIZE: Readonly<Record<NftKeyType, number>> = { inet_proto: 1, inet_service: 2, ipv4_addr: 4, ipv6_addr: 16 };

/** Protocol names nft prints (and parses) for the numbers portmap uses; others print as numbers. */
const PROTO_NAMES: ReadonlyMap<number, string> = new Map([[1, "icmp"], [6, "tcp"], [17, "udp"], [58, "ipv6-icmp"], [132, "sctp"]]);

const pad4 = (n: number): number => (n + 3) & ~3;

/** Bytes one value of `types` takes in a key (padded per field when concatenated). */
export function nftKeyLength(types: readonly NftKeyType[]): number {
  if (types.length === 1) return SIZE[types[0]!];
  return types.reduce((n, t) => n + pad4(SIZE[t]), 0);
}

function formatField(type: NftKeyType, b: Uint8Array, off: number): string {
  switch (type) {
    case "inet_proto": return PROTO_NAMES.get(b[off]!) ?? String(b[off]);
    case "inet_service": return String((b[off]! << 8) | b[off + 1]!);
    case "ipv4_addr": return formatIp(b.subarray(off, off + 4));
    case "ipv6_addr": return formatIp(b.subarray(off, off + 16));
  }
}

/**
 * "tcp . 8080", "10.0.0.1 . 10.0.0.1", "fd00::5 . 80": the nft text of a key or map value, or
 * undefined when the byte length does not fit the types (an element of some other shape).
 */
export function formatNftKey(bytes: Uint8Array, types: readonly NftKeyType[]): string | undefined {
  if (types.length === 0 || bytes.length !== nftKeyLength(types)) return undefined;
  const parts: string[] = [];
  let off = 0;
  for (const t of types) {
    parts.push(formatField(t, bytes, off));
    off += types.length === 1 ? SIZE[t] : pad4(SIZE[t]);
  }
  return parts.join(" . ");
}

const PROTO_NUMBERS: ReadonlyMap<string, number> = new Map([...PROTO_NAMES].map(([n, name]) => [name, n]));

/** Address text of the key's family, as written (shared/ip converts: the codec parses no addresses). */
function ipField(type: "ipv4_addr" | "ipv6_addr", text: string): Uint8Array | undefined {
  const a = wireAddress(text);
  return a && (a.family === AF_INET) === (type === "ipv4_addr") ? a.bytes : undefined;
}

function parseField(type: NftKeyType, text: string): Uint8Array | undefined {
  switch (type) {
    case "inet_proto": {
      const n = PROTO_NUMBERS.get(text) ?? (/^\d{1,3}$/.test(text) ? Number(text) : NaN);
      return n >= 0 && n <= 255 ? new Uint8Array([n]) : undefined;
    }
    case "inet_service": {
      const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
      return n >= 0 && n <= 65535 ? new Uint8Array([n >> 8, n & 0xff]) : undefined;
    }
    case "ipv4_addr":
    case "ipv6_addr":
      return ipField(type, text);
  }
}

/** The inverse of formatNftKey: "tcp . 8080" -> key bytes (padded per field when concatenated). */
export function parseNftKey(text: string, types: readonly NftKeyType[]): Uint8Array | undefined {
  const parts = text.split(" . ");
  if (types.length === 0 || parts.length !== types.length) return undefined;
  const out = new Uint8Array(nftKeyLength(types));
  let off = 0;
  for (let i = 0; i < types.length; i++) {
    const t = types[i]!;
    const b = parseField(t, parts[i]!);
    if (!b) return undefined;
    out.set(b, off);
    off += types.length === 1 ? SIZE[t] : pad4(SIZE[t]);
  }
  return out;
}
