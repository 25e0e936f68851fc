import { describe, expect, it } from "vitest";
import {
  attrBe16,
  attrI32,
  attrStr,
  attrU16,
  attrU32,
  attrU64,
  attrU8,
  forEachAttr,
} from "../../../../../shared/netlink/codec/attr.ts";
import { NetlinkDecodeError } from "../../../../../shared/netlink/codec/errors.ts";
import { attr, be16, i32, str, u16, u32, view } from "../naive.ts";

function collect(bytes: number[]): [number, number, number][] {
  const out: [number, number, number][] = [];
  forEachAttr(view(bytes), 0, bytes.length, (t, o, l) => out.push([t, o, l]));
  return out;
}

describe("forEachAttr", () => {
  it("walk: padded attributes -> type, payload offset and unpadded length", () => {
    expect(collect([...attr(3, str("lo")), ...attr(4, u32(1500))])).toEqual([[3, 4, 3], [4, 12, 4]]);
  });

  it("walk: NLA_F_NESTED set in the type -> flag masked off", () => {
    expect(collect(attr(12 | 0x8000, u32(1)))).toEqual([[12, 4, 4]]);
  });

  it("walk: trailing bytes shorter than a header -> ignored as padding", () => {
    expect(collect([...attr(1, u32(7)), 0, 0])).toEqual([[1, 4, 4]]);
  });

  it("walk: last attribute unpadded at the end -> accepted", () => {
    expect(collect([5, 0, 1, 0, 9])).toEqual([[1, 4, 1]]);
  });

  it("walk: length overruns the area -> NetlinkDecodeError naming the offset", () => {
    const bytes = [...attr(1, u32(7)), 12, 0, 2, 0, 1, 2, 3, 4];
    expect(() => collect(bytes)).toThrow(NetlinkDecodeError);
    expect(() => collect(bytes)).toThrow(/at byte 8/);
  });

  it("walk: length below the header size -> NetlinkDecodeError", () => {
    expect(() => collect([2, 0, 1, 0])).toThrow(NetlinkDecodeError);
  });

  it("walk: area end past the buffer -> NetlinkDecodeError", () => {
    expect(() => forEachAttr(view([0, 0, 0, 0]), 0, 8, () => {})).toThrow(NetlinkDecodeError);
  });
});

describe("attribute readers", () => {
  const dv = view([...u32(0xfffffffe), ...u32(1), ...u16(0x0102), ...be16(0x8100), ...i32(-5), ...str("veth0"), 0, 0]);

  it("read: scalar types -> native-endian values", () => {
    expect(attrU8(dv, 0, 1)).toBe(0xfe);
    expect(attrU32(dv, 0, 4)).toBe(0xfffffffe);
    expect(attrU64(dv, 0, 8)).toBe(0x1_ffff_fffe);
    expect(attrU16(dv, 8, 2)).toBe(0x0102);
    expect(attrBe16(dv, 10, 2)).toBe(0x8100);
    expect(attrI32(dv, 12, 4)).toBe(-5);
  });

  it("read: string with NUL and padding -> text before the NUL", () => {
    expect(attrStr(dv, 16, 8)).toBe("veth0");
  });

  it("read: payload shorter than the type -> NetlinkDecodeError", () => {
    expect(() => attrU32(dv, 0, 3)).toThrow(NetlinkDecodeError);
    expect(() => attrU8(dv, 0, 0)).toThrow(NetlinkDecodeError);
    expect(() => attrU64(dv, 0, 4)).toThrow(NetlinkDecodeError);
  });
});
