import { describe, expect, it } from "vitest";
import {
  decodeAddr,
  IFA_ADDRESS,
  IFA_BROADCAST,
  IFA_CACHEINFO,
  IFA_F_NODAD,
  IFA_F_NOPREFIXROUTE,
  IFA_F_PERMANENT,
  IFA_FLAGS,
  IFA_LABEL,
  IFA_LOCAL,
  RTM_NEWADDR,
  writeAddr,
  type AddrRequest,
} from "../../../../../shared/netlink/codec/addr.ts";
import { AF_INET, AF_INET6, wireAddress } from "../../../../../shared/ip/index.ts";
import { NlWriter } from "../../../../../shared/netlink/codec/writer.ts";
import { loadFixture, payload } from "../fixtures.ts";
import { attr, hex, ifaddrmsg, ip4, msg, str, u32, view } from "../naive.ts";

const ipBytes = (s: string): Uint8Array => wireAddress(s)!.bytes;

function encode(m: AddrRequest): Uint8Array {
  const w = new NlWriter();
  w.beginMessage(RTM_NEWADDR, 0x605, 1);
  writeAddr(w, m);
  w.endMessage();
  return w.bytes().slice();
}

describe("addr codec", () => {
  it("decode: kernel v4 address -> local, address, broadcast, label, permanent", () => {
    const { dv, off, end } = payload(loadFixture("addr-v4"));
    expect(decodeAddr(dv, off, end)).toMatchObject({
      family: AF_INET,
      prefixLen: 16,
      local: "10.22.0.1",
      address: "10.22.0.1",
      broadcast: "10.22.255.255",
      label: "br0",
      validLft: 0xffffffff,
    });
  });

  it("decode: kernel v6 nodad address -> IFA_FLAGS with NODAD|PERMANENT, no IFA_LOCAL", () => {
    const { dv, off, end } = payload(loadFixture("addr-v6"));
    const a = decodeAddr(dv, off, end);
    expect(a).toMatchObject({ family: AF_INET6, prefixLen: 64, address: "fd00:22::1" });
    expect(a.local).toBeUndefined();
    expect(a.flags & (IFA_F_NODAD | IFA_F_PERMANENT)).toBe(IFA_F_NODAD | IFA_F_PERMANENT);
  });

  it("encode: v4 with broadcast -> ifaddrmsg + LOCAL, ADDRESS, BROADCAST", () => {
    const m: AddrRequest = { family: AF_INET, prefixLen: 24, ifindex: 3, local: ipBytes("10.1.0.5"), address: ipBytes("10.1.0.5"), broadcast: ipBytes("10.1.0.255") };
    const expected = msg(RTM_NEWADDR, 0x605, 1, ifaddrmsg(AF_INET, 24, 0, 0, 3), attr(IFA_LOCAL, ip4("10.1.0.5")), attr(IFA_ADDRESS, ip4("10.1.0.5")), attr(IFA_BROADCAST, ip4("10.1.0.255")));
    expect(hex(encode(m))).toBe(hex(expected));
  });

  it("encode: flags above 0xff -> low byte in ifa_flags and the full value in IFA_FLAGS", () => {
    const flags = IFA_F_NODAD | IFA_F_NOPREFIXROUTE;
    const m: AddrRequest = { family: AF_INET6, prefixLen: 64, ifindex: 2, flags, address: ipBytes("fd00::5"), label: "x", validLft: 60 };
    const v6 = [0xfd, 0, ...new Array(13).fill(0), 5];
    const expected = msg(
      RTM_NEWADDR,
      0x605,
      1,
      ifaddrmsg(AF_INET6, 64, IFA_F_NODAD, 0, 2),
      attr(IFA_ADDRESS, v6),
      attr(IFA_LABEL, str("x")),
      attr(IFA_FLAGS, u32(flags)),
      attr(IFA_CACHEINFO, u32(0xffffffff), u32(60), u32(0), u32(0)),
    );
    expect(hex(encode(m))).toBe(hex(expected));
  });

  it("mirror: request -> decoded back with the same fields", () => {
    const m: AddrRequest = { family: AF_INET, prefixLen: 30, flags: IFA_F_NOPREFIXROUTE, scope: 253, ifindex: 9, local: ipBytes("192.168.0.1"), address: ipBytes("192.168.0.2"), broadcast: ipBytes("192.168.0.3"), label: "eth0:1", preferredLft: 10, validLft: 20 };
    const b = encode(m);
    expect(decodeAddr(view(b), 16, b.length)).toEqual({
      family: AF_INET,
      prefixLen: 30,
      flags: IFA_F_NOPREFIXROUTE,
      scope: 253,
      ifindex: 9,
      local: "192.168.0.1",
      address: "192.168.0.2",
      broadcast: "192.168.0.3",
      label: "eth0:1",
      preferredLft: 10,
      validLft: 20,
    });
  });

  it("decode: truncated ifaddrmsg or short cacheinfo -> NetlinkDecodeError", () => {
    expect(() => decodeAddr(view([2, 24, 0]), 0, 3)).toThrow(/ifaddrmsg/);
    const b = msg(RTM_NEWADDR, 0, 1, ifaddrmsg(2, 24, 0, 0, 1), attr(IFA_CACHEINFO, u32(1)));
    expect(() => decodeAddr(view(b), 16, b.length)).toThrow(/ifa_cacheinfo/);
  });
});
