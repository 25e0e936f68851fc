import { describe, expect, it } from "vitest";
import {
  addToIP, compareIP, formatIP, ipEqual, ipFromBytes, ipToBytes, makeIP, nextIP, parseIP, prevIP,
} from "../../../../shared/ip/addr.ts";

describe("parseIP/formatIP", () => {
  // [input, Go's net.ParseIP(input).String(), family]
  const ok: Array<[string, string, 4 | 6]> = [
    ["10.1.0.2", "10.1.0.2", 4],
    ["0.0.0.0", "0.0.0.0", 4],
    ["255.255.255.255", "255.255.255.255", 4],
    ["::", "::", 6],
    ["::1", "::1", 6],
    ["FD00::1", "fd00::1", 6],
    ["fd00:0:0:0:0:0:0:1", "fd00::1", 6],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", 6], // leftmost of equal runs
    ["2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1", 6], // longest run wins
    ["2001:0:1:2:3:4:5:6", "2001:0:1:2:3:4:5:6", 6], // a single zero group is not compressed
    ["1:0:0:0:0:0:0:0", "1::", 6],
    ["0:0:0:0:0:0:0:1", "::1", 6],
    ["::ffff:10.1.0.5", "10.1.0.5", 4], // IPv4-mapped prints dotted, like Go's To4
    ["::ffff:a01:5", "10.1.0.5", 4],
    ["::10.1.0.5", "::a01:5", 6], // IPv4-compatible is plain v6
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304", 6],
    ["fe80::0001:0002", "fe80::1:2", 6],
  ];
  for (const [input, text, family] of ok) {
    it(`parse: ${input} -> ${text}`, () => {
      const ip = parseIP(input);
      expect(ip?.family).toBe(family);
      expect(formatIP(ip!)).toBe(text);
    });
  }
  const bad = [
    "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.04", "1.2.3.-1", " 1.2.3.4", "1.2.3.4 ",
    "10.1.0.0/24", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "fe80::1%eth0", ":1::2",
    "1:::2", "1:2:3:4:5:6:7::8", "::1.2.3", "1.2.3.4::", "g::1", "x",
  ];
  for (const input of bad) {
    it(`parse: ${JSON.stringify(input)} -> undefined`, () => expect(parseIP(input)).toBeUndefined());
  }
});

describe("ip arithmetic", () => {
  const v4 = (s: string) => parseIP(s)!;
  it("next: 10.1.0.255 -> 10.1.1.0", () => expect(formatIP(nextIP(v4("10.1.0.255"))!)).toBe("10.1.1.0"));
  it("next: 255.255.255.255 -> undefined", () => expect(nextIP(v4("255.255.255.255"))).toBeUndefined());
  it("prev: 0.0.0.0 -> undefined", () => expect(prevIP(v4("0.0.0.0"))).toBeUndefined());
  it("prev: fd00:: -> fcff:ffff:...:ffff", () =>
    expect(formatIP(prevIP(v4("fd00::"))!)).toBe("fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  it("next: ffff:...:ffff -> undefined", () => expect(nextIP(v4("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))).toBeUndefined());
  it("add: 10.0.0.1 + 256 -> 10.0.1.1", () => expect(formatIP(addToIP(v4("10.0.0.1"), 256n)!)).toBe("10.0.1.1"));
  it("compare: v4 sorts as ::ffff:a.b.c.d (between ::1 and fd00::)", () => {
    expect(compareIP(v4("10.0.0.1"), v4("::1"))).toBe(1);
    expect(compareIP(v4("10.0.0.1"), v4("fd00::"))).toBe(-1);
    expect(compareIP(v4("10.0.0.1"), v4("10.0.0.2"))).toBe(-1);
    expect(compareIP(v4("10.0.0.2"), v4("::ffff:10.0.0.2"))).toBe(0);
  });
  it("equal: same value, different family -> false", () => {
    expect(ipEqual(makeIP(4, 1n), makeIP(6, 1n))).toBe(false);
    expect(ipEqual(makeIP(6, 1n), v4("::1"))).toBe(true);
  });
  it("makeIP: value too large -> RangeError", () => expect(() => makeIP(4, 1n << 32n)).toThrow(RangeError));
});

describe("bytes", () => {
  it("to/from bytes: v4 round trip", () => {
    const b = ipToBytes(parseIP("10.1.2.3")!);
    expect([...b]).toEqual([10, 1, 2, 3]);
    expect(formatIP(ipFromBytes(b))).toBe("10.1.2.3");
  });
  it("to/from bytes: v6 round trip", () => {
    const b = ipToBytes(parseIP("fd00::102")!);
    expect(b.length).toBe(16);
    expect(b[0]).toBe(0xfd);
    expect(b[15]).toBe(2);
    expect(formatIP(ipFromBytes(b))).toBe("fd00::102");
  });
  it("from bytes: 16-byte IPv4-mapped -> family 6 (the kernel's AF_INET6 address)", () => {
    const b = new Uint8Array(16);
    b[10] = 0xff; b[11] = 0xff; b[12] = 10; b[15] = 7;
    expect(ipFromBytes(b)).toEqual({ family: 6, value: (0xffffn << 32n) | (10n << 24n) | 7n });
    expect(formatIP(ipFromBytes(b))).toBe("::ffff:a00:7");
  });
  it("to bytes: v4 written 128 bits wide -> 16-byte IPv4-mapped; v6 in 32 bits -> RangeError", () => {
    expect([...ipToBytes(parseIP("10.0.0.7")!, 128)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 7]);
    expect(() => ipToBytes(parseIP("fd00::1")!, 32)).toThrow(RangeError);
  });
  it("from bytes: 5 bytes -> RangeError", () => expect(() => ipFromBytes(new Uint8Array(5))).toThrow(RangeError));
});
