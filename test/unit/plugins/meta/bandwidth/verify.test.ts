import { describe, expect, it } from "vitest";
import { hasRedirect, tbfMismatch } from "../../../../../plugins/meta/bandwidth/verify.ts";
import { redirectActions } from "../../../../../plugins/meta/bandwidth/shaping.ts";
import { TC_H_ROOT, type Filter, type Qdisc } from "../../../../../shared/netlink/codec/tc.ts";

const want = { rate: 1_000_000, limit: 35_000, buffer: 156_250 };
const tbf = (over: Partial<typeof want> = {}): Qdisc => ({
  ifindex: 2, handle: 0x10000, parent: TC_H_ROOT, kind: "tbf", tbf: { ...want, mtu: 0, ...over },
});

describe("tbfMismatch", () => {
  it("tbfMismatch: same rate, limit, buffer -> undefined", () => {
    expect(tbfMismatch("veth1", tbf(), want)).toBeUndefined();
  });
  it.each([["rate", { rate: 1 }], ["limit", { limit: 1 }], ["buffer", { buffer: 1 }]] as const)(
    "tbfMismatch: different %s -> names it",
    (field, over) => {
      expect(tbfMismatch("veth1", tbf(over), want)).toContain(`tbf ${field} of veth1 does not match`);
    },
  );
  it("tbfMismatch: saturated buffer planned, kernel reports it or an older kernel's clamp -> undefined", () => {
    const big = { ...want, buffer: 0xffff_ffff };
    expect(tbfMismatch("veth1", tbf({ buffer: 0xffff_ffff }), big)).toBeUndefined();
    expect(tbfMismatch("veth1", tbf({ buffer: 0x3ff_ffff }), big)).toBeUndefined();
    expect(tbfMismatch("veth1", tbf({ buffer: 0x3ff_fffe }), big)).toContain("buffer");
  });
  it("tbfMismatch: root qdisc is noqueue -> not tbf", () => {
    expect(tbfMismatch("veth1", { ifindex: 2, handle: 0, parent: TC_H_ROOT, kind: "noqueue" }, want)).toContain("noqueue, not tbf");
  });
  it("tbfMismatch: no root qdisc -> says so", () => {
    expect(tbfMismatch("veth1", undefined, want)).toContain("no root qdisc");
  });
});

describe("hasRedirect", () => {
  const filter = (actions: Filter["u32"] extends infer U ? U : never): Filter => ({
    ifindex: 2, handle: 0x80000800, parent: 0xffff0000, prio: 1, protocol: 3, kind: "u32", u32: actions,
  });
  it("hasRedirect: the reference's two redirects to the ifb -> true", () => {
    expect(hasRedirect([filter({ actions: redirectActions(9) })], 9)).toBe(true);
  });
  it("hasRedirect: redirect to another device -> false", () => {
    expect(hasRedirect([filter({ actions: redirectActions(8) })], 9)).toBe(false);
  });
  it("hasRedirect: only the u32 hash table entries -> false", () => {
    expect(hasRedirect([filter({ divisor: 1 })], 9)).toBe(false);
  });
});
