import { describe, expect, it } from "vitest";
import { formatIP, parseIP } from "../../../../shared/ip/addr.ts";
import {
  contains, formatCIDR, hasHostBits, isConsistent, lastAddress, makeCidr, maskValue, networkAddress, networkOf, overlaps,
  parseCIDR, size,
} from "../../../../shared/ip/cidr.ts";

const c = (s: string) => {
  const r = parseCIDR(s);
  if (!r) throw new Error(`bad test cidr ${s}`);
  return r;
};

describe("parseCIDR/formatCIDR", () => {
  const ok: Array<[string, string]> = [
    ["10.1.0.0/24", "10.1.0.0/24"],
    ["10.1.0.5/24", "10.1.0.5/24"], // host bits kept, like types.IPNet
    ["10.1.0.0/024", "10.1.0.0/24"], // Go's dtoi accepts leading zeros in the length
    ["0.0.0.0/0", "0.0.0.0/0"],
    ["FD00:0::5/64", "fd00::5/64"],
    ["::/0", "::/0"],
    ["fd00::/128", "fd00::/128"],
  ];
  for (const [input, text] of ok) it(`parse: ${input} -> ${text}`, () => expect(formatCIDR(c(input))).toBe(text));
  for (const input of ["10.1.0.0", "10.1.0.0/33", "fd00::/129", "10.1.0.0/-1", "10.1.0.0/", "010.1.0.0/24", "bogus/8", "10.1.0.0/2 4", "10.1.0.0/1234"]) {
    it(`parse: ${JSON.stringify(input)} -> undefined`, () => expect(parseCIDR(input)).toBeUndefined());
  }
  it("parse: IPv4-mapped /120 -> v4 address with 128-bit mask, inconsistent", () => {
    const m = c("::ffff:10.1.0.0/120");
    expect(m.ip.family).toBe(4);
    expect(m.bits).toBe(128);
    expect(isConsistent(m)).toBe(false);
    expect(isConsistent(c("10.1.0.0/24"))).toBe(true);
  });
});

describe("subnet math", () => {
  it("network/last: 10.1.0.77/26 -> 10.1.0.64, 10.1.0.127", () => {
    expect(formatIP(networkAddress(c("10.1.0.77/26")))).toBe("10.1.0.64");
    expect(formatIP(lastAddress(c("10.1.0.77/26")))).toBe("10.1.0.127");
    expect(formatCIDR(networkOf(c("10.1.0.77/26")))).toBe("10.1.0.64/26");
  });
  it("network/last: fd00::1:2/112 -> fd00::1:0, fd00::1:ffff", () => {
    expect(formatIP(networkAddress(c("fd00::1:2/112")))).toBe("fd00::1:0");
    expect(formatIP(lastAddress(c("fd00::1:2/112")))).toBe("fd00::1:ffff");
  });
  it("last: /0 v4 -> 255.255.255.255; /32 -> itself", () => {
    expect(formatIP(lastAddress(c("0.0.0.0/0")))).toBe("255.255.255.255");
    expect(formatIP(lastAddress(c("10.0.0.9/32")))).toBe("10.0.0.9");
  });
  it("hostBits: 10.1.0.1/24 -> true, 10.1.0.0/24 -> false, ::/0 -> false", () => {
    expect(hasHostBits(c("10.1.0.1/24"))).toBe(true);
    expect(hasHostBits(c("10.1.0.0/24"))).toBe(false);
    expect(hasHostBits(c("::/0"))).toBe(false);
  });
  it("size: /24 -> 256, v6 /64 -> 2^64", () => {
    expect(size(c("10.1.0.0/24"))).toBe(256n);
    expect(size(c("fd00::/64"))).toBe(1n << 64n);
  });
  it("mask: v4 /20 -> 0xfffff000", () => expect(maskValue(4, 20)).toBe(0xfffff000n));
  it("contains: inside, outside, other family", () => {
    expect(contains(c("10.1.0.0/24"), parseIP("10.1.0.255")!)).toBe(true);
    expect(contains(c("10.1.0.0/24"), parseIP("10.1.1.0")!)).toBe(false);
    expect(contains(c("0.0.0.0/0"), parseIP("::1")!)).toBe(false);
    expect(contains(c("::/0"), parseIP("10.0.0.1")!)).toBe(false);
    expect(contains(c("fd00::/64"), parseIP("fd00::ffff")!)).toBe(true);
  });
  it("overlaps: nested, disjoint, adjacent, other family", () => {
    expect(overlaps(c("10.0.0.0/8"), c("10.1.0.0/24"))).toBe(true);
    expect(overlaps(c("10.1.0.0/24"), c("10.0.0.0/8"))).toBe(true);
    expect(overlaps(c("10.1.0.0/25"), c("10.1.0.128/25"))).toBe(false);
    expect(overlaps(c("10.1.0.0/24"), c("fd00::/8"))).toBe(false);
  });
  it("makeCidr: prefix 33 for v4 -> RangeError", () => expect(() => makeCidr(parseIP("10.0.0.0")!, 33)).toThrow(RangeError));
});
