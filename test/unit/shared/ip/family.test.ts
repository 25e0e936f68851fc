import { describe, expect, it } from "vitest";
import { AF_INET, AF_INET6, afOf, familyOf, parseCIDR, wireAddress, wirePrefix } from "../../../../shared/ip/index.ts";

describe("familyOf", () => {
  it.each([
    ["10.1.0.5", 4],
    ["10.1.0.0/16", 4],
    ["fd00::5", 6],
    ["fd00::/64", 6],
    ["::ffff:10.1.0.5", 6], // written as IPv6: the kernel and node:net's isIP see IPv6
    ["::ffff:10.1.0.0/120", 6],
  ] as const)("text: %s -> %i", (text, family) => {
    expect(familyOf(text)).toBe(family);
  });

  it.each(["", "nonsense", "10.1.0.5/33", "fe80::1%eth0", "1.2.3", "10.1.0.5/"])("text: %j -> undefined", (text) => {
    expect(familyOf(text)).toBeUndefined();
  });

  it("cidr: the notation's family, the value's family stays on ip", () => {
    const c = parseCIDR("::ffff:10.1.0.0/120")!;
    expect([familyOf(c), c.ip.family]).toEqual([6, 4]);
  });

  it("afOf: 4 -> AF_INET (2), 6 -> AF_INET6 (10)", () => {
    expect([afOf(4), afOf(6)]).toEqual([AF_INET, AF_INET6]);
    expect([AF_INET, AF_INET6]).toEqual([2, 10]);
  });
});

describe("wireAddress / wirePrefix (text -> kernel bytes)", () => {
  it.each([
    ["10.1.0.5", AF_INET, [10, 1, 0, 5]],
    ["255.255.255.255", AF_INET, [255, 255, 255, 255]],
    ["::", AF_INET6, new Array(16).fill(0)],
    ["::1", AF_INET6, [...new Array(15).fill(0), 1]],
    ["fd00:1::5", AF_INET6, [0xfd, 0, 0, 1, ...new Array(11).fill(0), 5]],
    ["2001:db8:0:0:1:0:0:1", AF_INET6, [0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]],
    ["::ffff:1.2.3.4", AF_INET6, [...new Array(10).fill(0), 0xff, 0xff, 1, 2, 3, 4]],
  ])("address: %s -> family %i, bytes", (text, family, bytes) => {
    const a = wireAddress(text)!;
    expect([a.family, Array.from(a.bytes)]).toEqual([family, bytes]);
  });

  it.each(["1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4/24", "", ":::", "1::2::3", "12345::", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9", "1::2:3:4:5:6:7:8", "g::1", " 1.2.3.4"])(
    "address: malformed %j -> undefined",
    (text) => {
      expect(wireAddress(text)).toBeUndefined();
    },
  );

  it("prefix: v4, v6 and IPv4-mapped CIDRs -> family, bytes as written, prefix length", () => {
    expect(wirePrefix("10.1.0.5/24")).toEqual({ family: AF_INET, bytes: Uint8Array.from([10, 1, 0, 5]), prefixLen: 24 });
    expect(wirePrefix("fd00::/64")).toMatchObject({ family: AF_INET6, prefixLen: 64 });
    const mapped = wirePrefix("::ffff:10.1.0.0/120")!;
    expect([mapped.family, mapped.bytes.length, mapped.prefixLen, mapped.bytes[10], mapped.bytes[12]]).toEqual([AF_INET6, 16, 120, 0xff, 10]);
  });

  it.each(["10.1.0.5", "10.1.0.5/33", "fd00::/129", "10.1.0.5/", "10.1.0.5/-1", "x/24"])("prefix: malformed %j -> undefined", (s) => {
    expect(wirePrefix(s)).toBeUndefined();
  });
});
