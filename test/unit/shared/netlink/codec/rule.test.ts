// FIB rule codec: requests against a naive byte builder, replies built the way the kernel lays them
// out (fib_nl_fill_rule), and encode -> decode mirrors.
import { describe, expect, it } from "vitest";
import { AF_INET, AF_INET6, wireAddress } from "../../../../../shared/ip/index.ts";
import {
  decodeRule,
  FR_ACT_TO_TBL,
  FRA_L3MDEV,
  FRA_PRIORITY,
  FRA_PROTOCOL,
  FRA_SRC,
  FRA_TABLE,
  RTM_NEWRULE,
  writeRule,
  type RuleRequest,
} from "../../../../../shared/netlink/codec/rule.ts";
import { NlWriter } from "../../../../../shared/netlink/codec/writer.ts";
import { attr, hex, ip4, u32, u8, view, type Bytes } from "../naive.ts";

const ipBytes = (s: string): Uint8Array => wireAddress(s)!.bytes;

function encode(m: RuleRequest): Uint8Array {
  const w = new NlWriter();
  w.beginMessage(RTM_NEWRULE, 0x605, 1);
  writeRule(w, m);
  w.endMessage();
  return w.bytes().slice(16);
}

const hdr = (family: number, srcLen: number, table: number, action: number): Bytes => [family, 0, srcLen, 0, table, 0, 0, action, ...u32(0)];

describe("rule codec", () => {
  it("encode: from 10.1.0.5/32 lookup 100 -> fib_rule_hdr (table in the header too), FRA_SRC, FRA_TABLE", () => {
    const bytes = encode({ family: AF_INET, srcLen: 32, src: ipBytes("10.1.0.5"), table: 100 });
    expect(hex(bytes)).toBe(hex([...hdr(AF_INET, 32, 100, FR_ACT_TO_TBL), ...attr(FRA_SRC, ip4("10.1.0.5")), ...attr(FRA_TABLE, u32(100))]));
  });

  it("encode: table above 255 -> header table RT_TABLE_UNSPEC, the id in FRA_TABLE; priority and protocol", () => {
    const bytes = encode({ family: AF_INET6, srcLen: 128, src: ipBytes("fd00::5"), table: 1000, priority: 42, protocol: 4 });
    const v6 = [0xfd, 0, ...new Array(13).fill(0), 5];
    expect(hex(bytes)).toBe(hex([...hdr(AF_INET6, 128, 0, FR_ACT_TO_TBL), ...attr(FRA_SRC, v6), ...attr(FRA_PRIORITY, u32(42)), ...attr(FRA_TABLE, u32(1000)), ...attr(FRA_PROTOCOL, u8(4))]));
  });

  it("encode: a dump request -> an all-zero header, no attributes (strict checking refuses anything else)", () => {
    expect(hex(encode({ family: 0, action: 0 }))).toBe(hex(hdr(0, 0, 0, 0)));
  });

  it("decode: a kernel reply -> table from FRA_TABLE, priority, src, protocol, l3mdev", () => {
    const reply = [...hdr(AF_INET, 32, 0, FR_ACT_TO_TBL), ...attr(FRA_TABLE, u32(300)), ...attr(FRA_PRIORITY, u32(32765)), ...attr(FRA_SRC, ip4("10.1.0.5")), ...attr(FRA_PROTOCOL, u8(3)), ...attr(FRA_L3MDEV, u8(1))];
    const dv = view(reply);
    expect(decodeRule(dv, 0, reply.length)).toEqual({
      family: AF_INET, dstLen: 0, srcLen: 32, tos: 0, table: 300, action: FR_ACT_TO_TBL, flags: 0, priority: 32765, src: "10.1.0.5", protocol: 3, l3mdev: 1,
    });
  });

  it("decode: the default rules (no FRA_SRC) -> no src, the header's table", () => {
    const reply = [...hdr(AF_INET, 0, 254, FR_ACT_TO_TBL), ...attr(FRA_PRIORITY, u32(32766))];
    expect(decodeRule(view(reply), 0, reply.length)).toMatchObject({ table: 254, priority: 32766, srcLen: 0 });
    expect(decodeRule(view(reply), 0, reply.length).src).toBeUndefined();
  });

  it("mirror: encode then decode -> the same rule", () => {
    const m: RuleRequest = { family: AF_INET6, srcLen: 64, src: ipBytes("fd00:1::"), table: 7, priority: 9, iifname: "eth0", oifname: "eth1", fwmark: 5, fwmask: 0xff };
    const b = encode(m);
    expect(decodeRule(view(b), 0, b.length)).toEqual({
      family: AF_INET6, dstLen: 0, srcLen: 64, tos: 0, table: 7, action: FR_ACT_TO_TBL, flags: 0, src: "fd00:1::", priority: 9, iifname: "eth0", oifname: "eth1", fwmark: 5, fwmask: 0xff,
    });
  });

  it("decode: a header shorter than fib_rule_hdr -> NetlinkDecodeError", () => {
    expect(() => decodeRule(view([2, 0, 0]), 0, 3)).toThrow(/fib_rule_hdr/);
  });
});
