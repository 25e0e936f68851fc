// Round-robin allocation over one range set, step for step the reference's IPAllocator.Get and
// RangeIter (backend/allocator/allocator.go), against any Store (disk in production, a map in
// tests). Pure apart from the Store it is given.
import { formatCIDR, formatIP, ipEqual, makeCidr, nextIP, type IP } from "../../../shared/ip/index.ts";
import type { IPConfig } from "../../../shared/cni/types.ts";
import { isGateway, rangeFor, rangeSetContains, rangeSetToString, type Range, type RangeSet } from "./range.ts";

/** What the allocator needs from a store; every call below happens with the store's lock held. */
export interface Store {
  withLock<T>(fn: () => T): T;
  /** exclusive create; false if the IP is taken */
  reserve(id: string, ifname: string, ip: IP, rangeId: string): boolean;
  lastReservedIP(rangeId: string): IP | undefined;
  getByID(id: string, ifname: string): IP[];
  releaseByID(id: string, ifname: string): void;
  releaseIP(ip: IP, id: string, ifname: string): boolean;
}

/** An allocation that could not be made; the message is the reference's. */
export class AllocationError extends Error {
  override name = "AllocationError";
}

/** The reference's RangeIter: from lastReserved+1 (or rangeStart), across ranges, wrapping, skipping gateways. */
export class RangeIter {
  private idx = 0;
  private cur: IP | undefined;
  private start: IP | undefined;

  constructor(
    private readonly set: RangeSet,
    lastReserved: IP | undefined,
  ) {
    const i = lastReserved ? set.findIndex((r) => rangeFor([r], lastReserved)) : -1;
    if (i >= 0) {
      this.idx = i;
      this.cur = lastReserved; // the first next() returns lastReserved + 1
    } else {
      this.start = set[0]!.rangeStart;
    }
  }

  /** The next candidate and its range, or undefined once every address was offered. */
  next(): { ip: IP; range: Range } | undefined {
    for (;;) {
      let r = this.set[this.idx]!;
      if (this.cur === undefined) {
        this.cur = r.rangeStart;
        this.start = this.cur;
        if (isGateway(r, this.cur)) continue;
        return { ip: this.cur, range: r };
      }
      if (ipEqual(this.cur, r.rangeEnd)) {
        this.idx = (this.idx + 1) % this.set.length;
        r = this.set[this.idx]!;
        this.cur = r.rangeStart;
      } else {
        this.cur = nextIP(this.cur)!; // cur < rangeEnd, so it cannot overflow
      }
      if (this.start === undefined) this.start = this.cur;
      else if (ipEqual(this.cur, this.start)) return undefined;
      if (isGateway(r, this.cur)) continue;
      return { ip: this.cur, range: r };
    }
  }
}

function toIPConfig(ip: IP, r: Range): IPConfig {
  return { address: formatCIDR(makeCidr(ip, r.subnet.prefix)), gateway: formatIP(r.gateway) };
}

function getRequested(store: Store, set: RangeSet, rangeId: string, who: Holder, ip: IP): IPConfig {
  const r = rangeFor(set, ip);
  if (!r) throw new AllocationError(`${formatIP(ip)} not in range set ${rangeSetToString(set)}`);
  if (isGateway(r, ip)) throw new AllocationError(`requested ip ${formatIP(ip)} is subnet's gateway`);
  if (!store.reserve(who.id, who.ifname, ip, rangeId)) {
    throw new AllocationError(`requested IP address ${formatIP(ip)} is not available in range set ${rangeSetToString(set)}`);
  }
  return toIPConfig(ip, r);
}

function getNext(store: Store, set: RangeSet, rangeId: string, who: Holder): IPConfig {
  for (const held of store.getByID(who.id, who.ifname)) {
    if (rangeSetContains(set, held)) {
      throw new AllocationError(`${formatIP(held)} has been allocated to ${who.id}, duplicate allocation is not allowed`);
    }
  }
  const last = store.lastReservedIP(rangeId);
  const iter = new RangeIter(set, last && rangeSetContains(set, last) ? last : undefined);
  for (let c = iter.next(); c; c = iter.next()) {
    if (store.reserve(who.id, who.ifname, c.ip, rangeId)) return toIPConfig(c.ip, c.range);
  }
  throw new AllocationError(`no IP addresses available in range set: ${rangeSetToString(set)}`);
}

export interface Holder {
  id: string;
  ifname: string;
}

/**
 * Allocates one IP from range set number `setIndex` for (id, ifname): the requested IP if given,
 * else the next free one round-robin. Holds the store lock throughout, like the reference's Get.
 */
export function allocate(store: Store, set: RangeSet, setIndex: number, who: Holder, requested?: IP): IPConfig {
  const rangeId = String(setIndex);
  return store.withLock(() =>
    requested ? getRequested(store, set, rangeId, who, requested) : getNext(store, set, rangeId, who),
  );
}

/** Releases everything (id, ifname) holds in the store (all sets), like the reference's Release. */
export function release(store: Store, who: Holder): void {
  store.withLock(() => store.releaseByID(who.id, who.ifname));
}
