import { describe, expect, it } from "vitest";
import { formatIp, formatMac, parseCidr, parseIp, parseMac } from "../../../../../shared/netlink/codec/inet.ts";

describe("parseIp / formatIp", () => {
  it.each([
    ["10.1.0.5", [10, 1, 0, 5]],
    ["0.0.0.0", [0, 0, 0, 0]],
    ["255.255.255.255", [255, 255, 255, 255]],
    ["::", new Array(16).fill(0)],
    ["::1", [...new Array(15).fill(0), 1]],
    ["fd00:1::5", [0xfd, 0, 0, 1, ...new Array(11).fill(0), 5]],
    ["2001:db8:0:0:1:0:0:1", [0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]],
    ["::ffff:1.2.3.4", [...new Array(10).fill(0), 0xff, 0xff, 1, 2, 3, 4]],
  ])("parse: %s -> bytes", (text, bytes) => {
    expect(Array.from(parseIp(text)!)).toEqual(bytes);
  });

  it.each(["1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4/24", "", ":::", "1::2::3", "12345::", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9", "1::2:3:4:5:6:7:8", "g::1", " 1.2.3.4"])(
    "parse: malformed %j -> undefined",
    (text) => {
      expect(parseIp(text)).toBeUndefined();
    },
  );

  it.each([
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["fd00:0:0:0:0:0:0:0", "fd00::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"],
    ["FD00:22::FE", "fd00:22::fe"],
  ])("format: %s -> RFC 5952 %s", (text, canonical) => {
    expect(formatIp(parseIp(text)!)).toBe(canonical);
  });

  it("format: odd length -> hex, no throw", () => {
    expect(formatIp(new Uint8Array([1, 0xab]))).toBe("01:ab");
  });
});

describe("parseCidr", () => {
  it("parse: v4 and v6 CIDRs -> address, prefix and family", () => {
    expect(parseCidr("10.1.0.5/24")).toMatchObject({ prefixLen: 24, family: 2 });
    expect(parseCidr("fd00::/64")).toMatchObject({ prefixLen: 64, family: 10 });
    expect(parseCidr("10.1.0.5")).toMatchObject({ prefixLen: 32 });
  });

  it.each(["10.1.0.5/33", "fd00::/129", "10.1.0.5/", "10.1.0.5/024", "10.1.0.5/-1", "x/24"])("parse: malformed %j -> undefined", (s) => {
    expect(parseCidr(s)).toBeUndefined();
  });
});

describe("parseMac / formatMac", () => {
  it("parse: colon or dash form, any case -> 6 bytes; format -> lowercase colon form", () => {
    expect(formatMac(parseMac("02:42:AC:11:00:02")!)).toBe("02:42:ac:11:00:02");
    expect(formatMac(parseMac("02-42-ac-11-00-02")!)).toBe("02:42:ac:11:00:02");
  });

  it.each(["02:42:ac:11:00", "02:42:ac:11:00:02:03", "0242ac110002", "02:42:ac:11:00:0g"])("parse: malformed %j -> undefined", (s) => {
    expect(parseMac(s)).toBeUndefined();
  });
});
