import { describe, expect, it } from "vitest";
import { NlWriter } from "../../../../../shared/netlink/codec/writer.ts";
import { attr, hex, msg, str, u16, u32, u8 } from "../naive.ts";

describe("NlWriter", () => {
  it("encode: message with scalar attributes -> padded attrs, nlmsg_len patched", () => {
    const w = new NlWriter(8);
    w.beginMessage(16, 0x605, 7);
    w.u8(0).u8(0).u16(0);
    w.attrU8(1, 0xab).attrU16(2, 0x1234).attrU32(3, 0xdeadbeef).attrStr(4, "eth0").attrFlag(5);
    w.endMessage();
    const expected = msg(16, 0x605, 7, [0, 0, 0, 0], attr(1, u8(0xab)), attr(2, u16(0x1234)), attr(3, u32(0xdeadbeef)), attr(4, str("eth0")), attr(5));
    expect(hex(w.bytes())).toBe(hex(expected));
  });

  it("encode: nested nests -> each length back-patched to cover its children", () => {
    const w = new NlWriter(4);
    w.beginMessage(1, 0, 1);
    w.nest(18).attrStr(1, "veth").nest(2).nest(1).attrU32(4, 1500).end().end().end();
    w.endMessage();
    const expected = msg(1, 0, 1, attr(18, attr(1, str("veth")), attr(2, attr(1, attr(4, u32(1500))))));
    expect(hex(w.bytes())).toBe(hex(expected));
  });

  it("encode: struct-valued attribute via nest()/end() -> raw fields inside one attribute", () => {
    const w = new NlWriter();
    w.beginMessage(2, 0, 1);
    w.nest(6).u32(1).u32(2).be16(0x8100).end();
    w.endMessage();
    expect(hex(w.bytes())).toBe(hex(msg(2, 0, 1, attr(6, u32(1), u32(2), [0x81, 0x00]))));
  });

  it("encode: two messages back to back -> one buffer, each with its own length", () => {
    const w = new NlWriter();
    w.beginMessage(16, 1, 1);
    w.attrU32(4, 9);
    w.endMessage();
    w.beginMessage(20, 1, 2);
    w.attrU8(1, 1);
    w.endMessage();
    expect(hex(w.bytes())).toBe(hex([...msg(16, 1, 1, attr(4, u32(9))), ...msg(20, 1, 2, attr(1, u8(1)))]));
  });

  it("encode: u64 attribute -> low word first (little endian)", () => {
    const w = new NlWriter();
    w.beginMessage(1, 0, 0);
    w.attrU64(9, 0x1_0000_0002);
    w.endMessage();
    expect(hex(w.bytes())).toBe(hex(msg(1, 0, 0, attr(9, u32(2), u32(1)))));
  });

  it("encode: non-ASCII string -> UTF-8 bytes + NUL", () => {
    const w = new NlWriter();
    w.beginMessage(1, 0, 0);
    w.attrStr(3, "é");
    w.endMessage();
    expect(hex(w.bytes())).toBe(hex(msg(1, 0, 0, attr(3, [0xc3, 0xa9, 0]))));
  });

  it("encode: out-of-range integers -> RangeError", () => {
    const w = new NlWriter();
    expect(() => w.u8(256)).toThrow(RangeError);
    expect(() => w.u16(-1)).toThrow(RangeError);
    expect(() => w.u32(2 ** 32)).toThrow(RangeError);
    expect(() => w.u32(1.5)).toThrow(RangeError);
    expect(() => w.i32(2 ** 31)).toThrow(RangeError);
    expect(() => w.attrStr(3, "a\0é")).toThrow(RangeError);
  });

  it("encode: attribute over 65535 bytes -> RangeError", () => {
    const w = new NlWriter();
    expect(() => w.attrBytes(1, new Uint8Array(70000))).toThrow(RangeError);
    w.reset().nest(1).zeros(70000);
    expect(() => w.end()).toThrow(RangeError);
  });

  it("bytes: unterminated nest or message -> throws instead of returning garbage", () => {
    const w = new NlWriter();
    w.beginMessage(1, 0, 0);
    expect(() => w.bytes()).toThrow(/unterminated/);
    w.nest(1);
    expect(() => w.endMessage()).toThrow(/unterminated nest/);
    expect(() => new NlWriter().end()).toThrow(/without nest/);
  });

  it("reset: after a large message -> reuses the grown buffer from offset 0", () => {
    const w = new NlWriter(4);
    w.beginMessage(1, 0, 0);
    w.attrBytes(1, new Uint8Array(5000));
    w.endMessage();
    w.reset().beginMessage(2, 0, 0);
    w.endMessage();
    expect(hex(w.bytes())).toBe(hex(msg(2, 0, 0)));
  });
});
