import { describe, expect, it } from "vitest";
import { formatIP, parseIP, type IP } from "../../../../../shared/ip/index.ts";
import { allocate, AllocationError, RangeIter, release, type Store } from "../../../../../plugins/ipam/host-local/allocator.ts";
import { parseConfig } from "../../../../../plugins/ipam/host-local/config.ts";
import type { RangeSet } from "../../../../../plugins/ipam/host-local/range.ts";

/** An in-memory store with the disk store's semantics. */
class MemStore implements Store {
  files = new Map<string, string>();
  last = new Map<string, string>();
  locked = 0;
  withLock<T>(fn: () => T): T {
    this.locked++;
    try {
      return fn();
    } finally {
      this.locked--;
    }
  }
  reserve(id: string, ifname: string, ip: IP, rangeId: string): boolean {
    expect(this.locked).toBeGreaterThan(0);
    const k = formatIP(ip);
    if (this.files.has(k)) return false;
    this.files.set(k, `${id}\r\n${ifname}`);
    this.last.set(rangeId, k);
    return true;
  }
  lastReservedIP(rangeId: string): IP | undefined {
    const t = this.last.get(rangeId);
    return t === undefined ? undefined : parseIP(t);
  }
  getByID(id: string, ifname: string): IP[] {
    return [...this.files].filter(([, v]) => v === `${id}\r\n${ifname}` || v === id).map(([k]) => parseIP(k)!);
  }
  releaseByID(id: string, ifname: string): void {
    for (const [k, v] of this.files) if (v === `${id}\r\n${ifname}`) this.files.delete(k);
  }
  releaseIP(ip: IP, id: string, ifname: string): boolean {
    const k = formatIP(ip);
    if (this.files.get(k) !== `${id}\r\n${ifname}`) return false;
    return this.files.delete(k);
  }
}

function rangeSets(ipam: Record<string, unknown>): readonly RangeSet[] {
  return parseConfig({ raw: { cniVersion: "1.0.0", name: "n", ipam: { type: "host-local", ...ipam } }, cniArgs: [], ignoreUnknownArgs: false }).ranges;
}

const who = (id: string) => ({ id, ifname: "eth0" });

function drain(set: RangeSet, last?: string): string[] {
  const it = new RangeIter(set, last ? parseIP(last) : undefined);
  const out: string[] = [];
  for (let c = it.next(); c; c = it.next()) out.push(formatIP(c.ip));
  return out;
}

describe("RangeIter", () => {
  const [set] = rangeSets({ subnet: "10.1.0.0/29" });
  it("iterate: fresh /29 -> .2-.6 (gateway .1 and broadcast skipped)", () =>
    expect(drain(set!)).toEqual(["10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5", "10.1.0.6"]));
  it("iterate: last reserved .4 -> .5, .6, wraps to .2, ends with .4", () =>
    expect(drain(set!, "10.1.0.4")).toEqual(["10.1.0.5", "10.1.0.6", "10.1.0.2", "10.1.0.3", "10.1.0.4"]));
  it("iterate: gateway in the middle of the range -> skipped", () => {
    const [s] = rangeSets({ subnet: "10.1.0.0/29", gateway: "10.1.0.4" });
    expect(drain(s!)).toEqual(["10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.5", "10.1.0.6"]);
  });
  it("iterate: two ranges in a set -> crosses from the first's end to the second's start and wraps", () => {
    const [s] = rangeSets({ ranges: [[{ subnet: "10.1.0.0/30" }, { subnet: "10.2.0.0/30" }]] });
    expect(drain(s!, "10.1.0.2")).toEqual(["10.2.0.2", "10.1.0.2"]);
    expect(drain(s!)).toEqual(["10.1.0.2", "10.2.0.2"]);
  });
  it("iterate: last reserved outside the set -> starts at rangeStart", () => {
    const it = new RangeIter(set!, undefined);
    expect(formatIP(it.next()!.ip)).toBe("10.1.0.2");
  });
  it("iterate: single-address range that is the gateway -> nothing", () => {
    const [s] = rangeSets({ subnet: "10.1.0.0/29", rangeStart: "10.1.0.1", rangeEnd: "10.1.0.1" });
    expect(drain(s!)).toEqual([]);
  });
  it("iterate: v6 -> fd00::2 first", () => {
    const [s] = rangeSets({ subnet: "fd00::/64" });
    expect(formatIP(new RangeIter(s!, undefined).next()!.ip)).toBe("fd00::2");
  });
});

describe("allocate", () => {
  const [set] = rangeSets({ subnet: "10.1.0.0/29" });
  it("allocate: round-robin across calls -> .2, .3; after release of .2, next is .4 not .2", () => {
    const s = new MemStore();
    expect(allocate(s, set!, 0, who("a")).address).toBe("10.1.0.2/29");
    expect(allocate(s, set!, 0, who("b")).address).toBe("10.1.0.3/29");
    release(s, who("a"));
    const c = allocate(s, set!, 0, who("c"));
    expect(c).toEqual({ address: "10.1.0.4/29", gateway: "10.1.0.1" });
  });
  it("allocate: taken addresses skipped, wraps around", () => {
    const s = new MemStore();
    s.last.set("0", "10.1.0.5");
    s.files.set("10.1.0.6", "x\r\neth0");
    s.files.set("10.1.0.2", "y\r\neth0");
    expect(allocate(s, set!, 0, who("a")).address).toBe("10.1.0.3/29");
  });
  it("allocate: exhausted -> no IP addresses available in range set", () => {
    const s = new MemStore();
    for (const id of ["a", "b", "c", "d", "e"]) allocate(s, set!, 0, who(id));
    expect(() => allocate(s, set!, 0, who("f"))).toThrow(new AllocationError("no IP addresses available in range set: 10.1.0.1-10.1.0.6"));
  });
  it("allocate: same (cid, ifname) twice -> duplicate allocation error", () => {
    const s = new MemStore();
    allocate(s, set!, 0, who("a"));
    expect(() => allocate(s, set!, 0, who("a"))).toThrow("10.1.0.2 has been allocated to a, duplicate allocation is not allowed");
    expect(allocate(s, set!, 0, { id: "a", ifname: "eth1" }).address).toBe("10.1.0.3/29");
  });
  it("allocate: legacy cid-only file counts as a duplicate", () => {
    const s = new MemStore();
    s.files.set("10.1.0.5", "a");
    expect(() => allocate(s, set!, 0, who("a"))).toThrow("duplicate allocation is not allowed");
  });
  it("allocate: requested IP -> that IP, recorded as last reserved", () => {
    const s = new MemStore();
    expect(allocate(s, set!, 0, who("a"), parseIP("10.1.0.5")).address).toBe("10.1.0.5/29");
    expect(s.last.get("0")).toBe("10.1.0.5");
    expect(allocate(s, set!, 0, who("b")).address).toBe("10.1.0.6/29");
  });
  it("allocate: requested IP taken -> not available error", () => {
    const s = new MemStore();
    allocate(s, set!, 0, who("a"), parseIP("10.1.0.5"));
    expect(() => allocate(s, set!, 0, who("b"), parseIP("10.1.0.5"))).toThrow(
      "requested IP address 10.1.0.5 is not available in range set 10.1.0.1-10.1.0.6",
    );
  });
  it("allocate: requested gateway -> error", () => {
    expect(() => allocate(new MemStore(), set!, 0, who("a"), parseIP("10.1.0.1"))).toThrow("requested ip 10.1.0.1 is subnet's gateway");
  });
  it("allocate: requested outside the set -> error", () => {
    expect(() => allocate(new MemStore(), set!, 0, who("a"), parseIP("10.9.0.1"))).toThrow("10.9.0.1 not in range set 10.1.0.1-10.1.0.6");
  });
  it("allocate: rangeId is the set index (last_reserved_ip.<index>)", () => {
    const s = new MemStore();
    allocate(s, set!, 3, who("a"));
    expect([...s.last.keys()]).toEqual(["3"]);
  });
});
