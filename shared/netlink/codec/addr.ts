// rtnetlink addresses: struct ifaddrmsg + IFA_* attributes, request encoder and reply decoder.
import { attrStr, attrU32, attrView, forEachAttr, LE, needStruct } from "./attr.ts";
import { NetlinkDecodeError } from "./errors.ts";
import { formatIp } from "./inet.ts";
import type { NlWriter } from "./writer.ts";

export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;

const IFADDRMSG_LEN = 8;

export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_CACHEINFO = 6;
export const IFA_FLAGS = 8;

export const IFA_F_NODAD = 0x02;
export const IFA_F_DADFAILED = 0x08;
export const IFA_F_TENTATIVE = 0x40;
export const IFA_F_PERMANENT = 0x80;
export const IFA_F_NOPREFIXROUTE = 0x200;

/** Lifetime value meaning "forever" in IFA_CACHEINFO. */
const INFINITY_LIFE_TIME = 0xffff_ffff;

export interface AddrRequest {
  family: number;
  prefixLen: number;
  /** IFA_F_*; the low 8 bits go in ifa_flags, all of them in IFA_FLAGS when any is above 0xff. */
  flags?: number;
  scope?: number;
  ifindex: number;
  local?: Uint8Array;
  address?: Uint8Array;
  broadcast?: Uint8Array;
  label?: string;
  /** IFA_CACHEINFO lifetimes in seconds. */
  preferredLft?: number;
  validLft?: number;
}

/** A decoded RTM_NEWADDR. */
export interface Address {
  family: number;
  prefixLen: number;
  /** IFA_FLAGS if present (all 32 bits), else ifa_flags. */
  flags: number;
  scope: number;
  ifindex: number;
  /** IFA_ADDRESS (the peer on point-to-point links; else equals local). */
  address?: string;
  /** IFA_LOCAL (IPv4 only; IPv6 replies carry IFA_ADDRESS alone). */
  local?: string;
  broadcast?: string;
  label?: string;
  preferredLft?: number;
  validLft?: number;
}

/** Writes struct ifaddrmsg and the attributes of m. */
export function writeAddr(w: NlWriter, m: AddrRequest): void {
  const flags = m.flags ?? 0;
  w.u8(m.family).u8(m.prefixLen).u8(flags & 0xff).u8(m.scope ?? 0).u32(m.ifindex);
  if (m.local) w.attrBytes(IFA_LOCAL, m.local);
  if (m.address) w.attrBytes(IFA_ADDRESS, m.address);
  if (m.broadcast) w.attrBytes(IFA_BROADCAST, m.broadcast);
  if (m.label !== undefined) w.attrStr(IFA_LABEL, m.label);
  if (flags > 0xff) w.attrU32(IFA_FLAGS, flags);
  if (m.preferredLft !== undefined || m.validLft !== undefined) {
    w.nest(IFA_CACHEINFO).u32(m.preferredLft ?? INFINITY_LIFE_TIME).u32(m.validLft ?? INFINITY_LIFE_TIME);
    w.u32(0).u32(0).end();
  }
}

/** Decodes an RTM_NEWADDR payload [off, end). */
export function decodeAddr(dv: DataView, off: number, end: number): Address {
  needStruct(dv, off, end, IFADDRMSG_LEN, "ifaddrmsg");
  const a: Address = {
    family: dv.getUint8(off),
    prefixLen: dv.getUint8(off + 1),
    flags: dv.getUint8(off + 2),
    scope: dv.getUint8(off + 3),
    ifindex: dv.getUint32(off + 4, LE),
  };
  forEachAttr(dv, off + IFADDRMSG_LEN, end, (t, o, l) => {
    switch (t) {
      case IFA_ADDRESS: a.address = formatIp(attrView(dv, o, l)); break;
      case IFA_LOCAL: a.local = formatIp(attrView(dv, o, l)); break;
      case IFA_BROADCAST: a.broadcast = formatIp(attrView(dv, o, l)); break;
      case IFA_LABEL: a.label = attrStr(dv, o, l); break;
      case IFA_FLAGS: a.flags = attrU32(dv, o, l); break;
      case IFA_CACHEINFO:
        if (l < 8) throw new NetlinkDecodeError(`ifa_cacheinfo of ${l} bytes`, o);
        a.preferredLft = dv.getUint32(o, LE);
        a.validLft = dv.getUint32(o + 4, LE);
        break;
    }
  });
  return a;
}
