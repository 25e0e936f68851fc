import { describe, expect, it } from "vitest";
import { formatIp, formatMac } from "../../../../../shared/netlink/codec/inet.ts";

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const v6 = (groups: number[]): Uint8Array => Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff]));

describe("formatIp (decoded bytes -> text, through shared/ip)", () => {
  it.each([
    [bytes(10, 1, 0, 5), "10.1.0.5"],
    [bytes(0, 0, 0, 0), "0.0.0.0"],
    [v6([0, 0, 0, 0, 0, 0, 0, 0]), "::"],
    [v6([0, 0, 0, 0, 0, 0, 0, 1]), "::1"],
    [v6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), "2001:db8::1:0:0:1"],
    [v6([0xfd00, 0, 0, 0, 0, 0, 0, 0]), "fd00::"],
    [v6([1, 0, 2, 0, 3, 0, 4, 0]), "1:0:2:0:3:0:4:0"],
    [v6([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]), "::ffff:102:304"], // 16 bytes stay IPv6
  ])("format: %j -> %s", (b, text) => {
    expect(formatIp(b)).toBe(text);
  });

  it("format: odd length -> hex, no throw", () => {
    expect(formatIp(new Uint8Array([1, 0xab]))).toBe("01:ab");
  });
});

describe("formatMac", () => {
  it("format: 6 bytes -> lowercase colon form", () => {
    expect(formatMac(bytes(2, 0x42, 0xac, 0x11, 0, 2))).toBe("02:42:ac:11:00:02");
  });
});
