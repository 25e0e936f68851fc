// host-local ranges and range sets: canonicalisation (defaults + validation) and membership, with the
// reference's rules and messages (plugins/ipam/host-local/backend/allocator/range.go, range_set.go).
// Pure: no I/O.
import {
  compareIP, contains as cidrContains, formatCIDR, formatIP, hasHostBits, ipEqual, isConsistent, lastAddress, makeIP,
  networkAddress, nextIP, type Cidr, type IP,
} from "../../../shared/ip/index.ts";

/** A range as written in the config (every field optional until canonicalised). */
export interface RawRange {
  subnet?: Cidr;
  rangeStart?: IP;
  rangeEnd?: IP;
  gateway?: IP;
}

/** A canonical range: every field set, start <= end, all inside the subnet (gateway may lie outside). */
export interface Range {
  readonly subnet: Cidr;
  readonly rangeStart: IP;
  readonly rangeEnd: IP;
  readonly gateway: IP;
}

export type RangeSet = readonly Range[];

/** A config error with the reference's message; config.ts turns it into CniError 7. */
export class RangeConfigError extends Error {
  override name = "RangeConfigError";
}

/** Inside the subnet (same family) and between start and end, each bound checked only when set. */
function containsPartial(subnet: Cidr, start: IP | undefined, end: IP | undefined, ip: IP): boolean {
  if (ip.family !== subnet.ip.family || !cidrContains(subnet, ip)) return false;
  if (start && compareIP(ip, start) < 0) return false;
  if (end && compareIP(ip, end) > 0) return false;
  return true;
}

function rangeContains(r: Range, ip: IP): boolean {
  return containsPartial(r.subnet, r.rangeStart, r.rangeEnd, ip);
}

/** "start-end", as the reference's Range.String(). */
export function rangeToString(r: Range): string {
  return `${formatIP(r.rangeStart)}-${formatIP(r.rangeEnd)}`;
}

export function rangeSetToString(s: RangeSet): string {
  return s.map(rangeToString).join(",");
}

export function rangeFor(s: RangeSet, ip: IP): Range | undefined {
  return s.find((r) => rangeContains(r, ip));
}

export function rangeSetContains(s: RangeSet, ip: IP): boolean {
  return rangeFor(s, ip) !== undefined;
}

function rangesOverlap(a: Range, b: Range): boolean {
  if (a.rangeStart.family !== b.rangeStart.family) return false;
  return (
    rangeContains(a, b.rangeStart) || rangeContains(a, b.rangeEnd) ||
    rangeContains(b, a.rangeStart) || rangeContains(b, a.rangeEnd)
  );
}

export function rangeSetsOverlap(a: RangeSet, b: RangeSet): boolean {
  return a.some((r) => b.some((r1) => rangesOverlap(r, r1)));
}

/** Last address of the subnet, less the broadcast for v4 (the reference's lastIP). */
function defaultRangeEnd(subnet: Cidr): IP {
  const last = lastAddress(subnet);
  return subnet.ip.family === 4 ? makeIP(4, last.value - 1n) : last;
}

function checkSubnet(subnet: Cidr | undefined): Cidr {
  if (!subnet) throw new RangeConfigError("IP <nil> not v4 nor v6");
  if (subnet.prefix > subnet.bits - 2) throw new RangeConfigError(`Network ${formatCIDR(subnet)} too small to allocate from`);
  if (!isConsistent(subnet)) throw new RangeConfigError("IPNet IP and Mask version mismatch");
  if (hasHostBits(subnet)) {
    throw new RangeConfigError(
      `Network has host bits set. For a subnet mask of length ${subnet.prefix} the network address is ${formatIP(networkAddress(subnet))}`,
    );
  }
  return subnet;
}

/** Fills defaults and validates one range, in the reference's order and with its messages. */
function canonicalizeRange(raw: RawRange): Range {
  const subnet = checkSubnet(raw.subnet);
  const first = nextIP(subnet.ip)!; // a /30 or wider always has a next address
  const gateway = raw.gateway ?? first;
  const where = formatCIDR(subnet);
  if (raw.rangeStart && !containsPartial(subnet, raw.rangeStart, raw.rangeEnd, raw.rangeStart)) {
    throw new RangeConfigError(`RangeStart ${formatIP(raw.rangeStart)} not in network ${where}`);
  }
  const rangeStart = raw.rangeStart ?? first;
  if (raw.rangeEnd && !containsPartial(subnet, rangeStart, raw.rangeEnd, raw.rangeEnd)) {
    throw new RangeConfigError(`RangeEnd ${formatIP(raw.rangeEnd)} not in network ${where}`);
  }
  const rangeEnd = raw.rangeEnd ?? defaultRangeEnd(subnet);
  return Object.freeze({ subnet, rangeStart, rangeEnd, gateway });
}

/** Canonicalises every range of a set: non-empty, one family, no overlap inside the set. */
export function canonicalizeRangeSet(raw: readonly RawRange[]): RangeSet {
  if (raw.length === 0) throw new RangeConfigError("empty range set");
  const set: Range[] = [];
  for (const r of raw) {
    const c = canonicalizeRange(r);
    if (set.length > 0 && c.rangeStart.family !== set[0]!.rangeStart.family) {
      throw new RangeConfigError("mixed address families");
    }
    set.push(c);
  }
  for (let i = 0; i < set.length - 1; i++) {
    for (let j = i + 1; j < set.length; j++) {
      if (rangesOverlap(set[i]!, set[j]!)) {
        throw new RangeConfigError(`subnets ${rangeToString(set[i]!)} and ${rangeToString(set[j]!)} overlap`);
      }
    }
  }
  return Object.freeze(set);
}

export function isGateway(r: Range, ip: IP): boolean {
  return ipEqual(r.gateway, ip);
}
