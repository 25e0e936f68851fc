// High-level address operations: one function per kernel request, option objects in.
import {
  decodeAddr,
  IFA_F_NODAD,
  IFA_F_NOPREFIXROUTE,
  RTM_DELADDR,
  RTM_GETADDR,
  RTM_NEWADDR,
  writeAddr,
  type Address,
  type AddrRequest,
} from "./codec/addr.ts";
import { AF_UNSPEC } from "./codec/inet.ts";
import { AF_INET, wireAddress, wirePrefix, type AddressFamily, type WirePrefix } from "../ip/index.ts";
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from "./codec/nlmsg.ts";
import { indexOf, labelOf, type IndexRef } from "./refs.ts";
import type { NetlinkConn, NetlinkRequester } from "./request.ts";

interface AddressOptions {
  link: IndexRef;
  /** "10.1.0.5/24", "fd00::5/64". */
  cidr: string;
  /** Extra IFA_F_* flags. */
  flags?: number;
  /** IFA_F_NODAD: skip IPv6 duplicate address detection. */
  nodad?: boolean;
  /** IFA_F_NOPREFIXROUTE: do not add the prefix route. */
  noprefixroute?: boolean;
  /** RT_SCOPE_* (default universe). */
  scope?: number;
  /**
   * IPv4 broadcast address. Default: computed (host bits set) for prefixes shorter than /31, as
   * the reference plugins' netlink library does; false sends none.
   */
  broadcast?: string | false;
  label?: string;
  /** Point-to-point peer: becomes IFA_ADDRESS while cidr is IFA_LOCAL. */
  peer?: string;
  preferredLft?: number;
  validLft?: number;
}

/** CIDR text as the kernel takes it (shared/ip converts); RangeError when it is not a CIDR. */
export function prefixOrThrow(s: string): WirePrefix {
  const c = wirePrefix(s);
  if (!c) throw new RangeError(`invalid CIDR "${s}"`);
  return c;
}

function addressOrThrow(s: string, family: AddressFamily): Uint8Array {
  const a = wireAddress(s);
  if (!a || a.family !== family) throw new RangeError(`invalid address "${s}"`);
  return a.bytes;
}

function broadcastOf(c: WirePrefix): Uint8Array {
  const b = c.bytes.slice();
  for (let bit = c.prefixLen; bit < 32; bit++) b[bit >> 3]! |= 0x80 >> (bit & 7);
  return b;
}

function addrRequest(o: AddressOptions): AddrRequest {
  const c = prefixOrThrow(o.cidr);
  let flags = o.flags ?? 0;
  if (o.nodad) flags |= IFA_F_NODAD;
  if (o.noprefixroute) flags |= IFA_F_NOPREFIXROUTE;
  const m: AddrRequest = {
    family: c.family,
    prefixLen: c.prefixLen,
    flags,
    scope: o.scope,
    ifindex: indexOf(o.link),
    local: c.bytes,
    address: o.peer === undefined ? c.bytes : addressOrThrow(o.peer, c.family),
    label: o.label,
    preferredLft: o.preferredLft,
    validLft: o.validLft,
  };
  if (c.family === AF_INET && o.broadcast !== false) {
    if (typeof o.broadcast === "string") m.broadcast = addressOrThrow(o.broadcast, AF_INET);
    else if (c.prefixLen < 31) m.broadcast = broadcastOf(c);
  }
  return m;
}

/** Adds an address (EEXIST if it is already there). */
export function addAddress(r: NetlinkRequester, o: AddressOptions): void {
  const m = addrRequest(o);
  r.request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, `add ${o.cidr} to ${labelOf(o.link)}`, (w) => writeAddr(w, m));
}

/** Adds an address or updates it in place. */
export function replaceAddress(r: NetlinkRequester, o: AddressOptions): void {
  const m = addrRequest(o);
  const op = `replace ${o.cidr} on ${labelOf(o.link)}`;
  r.request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, op, (w) => writeAddr(w, m));
}

/** Deletes an address (EADDRNOTAVAIL if absent: see isNotFound()). */
export function deleteAddress(r: NetlinkRequester, o: { link: IndexRef; cidr: string }): void {
  const c = prefixOrThrow(o.cidr);
  const m: AddrRequest = { family: c.family, prefixLen: c.prefixLen, ifindex: indexOf(o.link), local: c.bytes };
  r.request(RTM_DELADDR, 0, `delete ${o.cidr} from ${labelOf(o.link)}`, (w) => writeAddr(w, m));
}

interface AddressFilter {
  family?: AddressFamily;
  link?: IndexRef;
}

/** Addresses (dump), optionally of one family and one link. */
export function listAddresses(c: NetlinkConn, filter: AddressFilter = {}): Address[] {
  const family = filter.family ?? AF_UNSPEC;
  const ifindex = filter.link === undefined ? 0 : indexOf(filter.link);
  const m: AddrRequest = { family, prefixLen: 0, ifindex };
  return c.dump(RTM_GETADDR, 0, "list addresses", (w) => writeAddr(w, m), (dv, off, end, type) => {
    if (type !== RTM_NEWADDR) return undefined;
    const a = decodeAddr(dv, off, end);
    if ((family && a.family !== family) || (ifindex && a.ifindex !== ifindex)) return undefined;
    return a;
  });
}
