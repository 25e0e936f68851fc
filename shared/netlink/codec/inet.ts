// Address families the codec names beyond IP (AF_INET/AF_INET6 live in shared/ip), and bytes -> text
// for decoded addresses and MACs. The codec takes bytes only: text is converted through shared/ip.
import { formatIP, ipFromBytes } from "../../ip/index.ts";

export const AF_UNSPEC = 0;
export const AF_BRIDGE = 7;

/** Formats 4 or 16 bytes as an address (through shared/ip); any other length as hex (never throws). */
export function formatIp(b: Uint8Array): string {
  return b.length === 4 || b.length === 16 ? formatIP(ipFromBytes(b)) : formatHex(b);
}

function formatHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (i ? ":" : "") + (b[i]! < 16 ? "0" : "") + b[i]!.toString(16);
  return s;
}

/** "aa:bb:cc:dd:ee:ff" (lowercase, as ip -j prints). */
export const formatMac = formatHex;
