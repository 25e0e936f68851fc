// IPv4 + UDP headers around a DHCP message, for a packet socket (AF_PACKET, SOCK_DGRAM: the kernel
// adds and strips the Ethernet header). Pure: no I/O. The client has no address while it acquires
// a lease, so it cannot use a UDP socket; it builds the datagram itself.
//
// On decode the UDP checksum is deliberately not verified: a reply crossing a veth from a local
// server carries CHECKSUM_PARTIAL (the field holds only the pseudo-header sum), which a packet socket
// sees as is. The IPv4 header checksum is always computed in software and is verified.
import { ipFromBytes, ipToBytes, type IP } from "../../../../shared/ip/index.ts";

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
const IPPROTO_UDP = 17;

interface Udp4 {
  src: IP;
  dst: IP;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

/** RFC 1071 one's complement sum, folded; `initial` continues a previous partial sum. */
export function onesSum(b: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (b.length & 1) sum += b[b.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

const checksum = (b: Uint8Array, initial = 0): number => ~onesSum(b, initial) & 0xffff;

export function encodeUdp4(d: Udp4, ipId = 0): Uint8Array {
  const udpLen = 8 + d.payload.length;
  const total = 20 + udpLen;
  if (total > 0xffff) throw new RangeError("datagram too large");
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  b[0] = 0x45; // version 4, IHL 5
  b[1] = 0xc0; // DSCP CS6, like most DHCP clients
  dv.setUint16(2, total);
  dv.setUint16(4, ipId & 0xffff);
  b[8] = 64; // TTL
  b[9] = IPPROTO_UDP;
  b.set(ipToBytes(d.src), 12);
  b.set(ipToBytes(d.dst), 16);
  dv.setUint16(10, checksum(b.subarray(0, 20)));
  dv.setUint16(20, d.srcPort);
  dv.setUint16(22, d.dstPort);
  dv.setUint16(24, udpLen);
  b.set(d.payload, 28);
  const pseudo = new Uint8Array(12);
  pseudo.set(b.subarray(12, 20));
  pseudo[9] = IPPROTO_UDP;
  new DataView(pseudo.buffer).setUint16(10, udpLen);
  const c = checksum(b.subarray(20), onesSum(pseudo));
  dv.setUint16(26, c === 0 ? 0xffff : c);
  return b;
}

/** The UDP datagram in an IPv4 packet, or undefined if it is anything else (or a fragment, or damaged). */
export function decodeUdp4(b: Uint8Array): Udp4 | undefined {
  if (b.length < 28 || b[0]! >> 4 !== 4) return undefined;
  const ihl = (b[0]! & 0x0f) * 4;
  if (ihl < 20 || b.length < ihl + 8 || b[9] !== IPPROTO_UDP) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const total = dv.getUint16(2);
  if (total < ihl + 8 || total > b.length) return undefined;
  if (dv.getUint16(6) & 0x3fff) return undefined; // more-fragments flag or a fragment offset
  if (onesSum(b.subarray(0, ihl)) !== 0xffff) return undefined;
  const udpLen = dv.getUint16(ihl + 4);
  if (udpLen < 8 || ihl + udpLen > total) return undefined;
  return {
    src: ipFromBytes(b.subarray(12, 16)),
    dst: ipFromBytes(b.subarray(16, 20)),
    srcPort: dv.getUint16(ihl),
    dstPort: dv.getUint16(ihl + 2),
    payload: b.slice(ihl + 8, ihl + udpLen),
  };
}
