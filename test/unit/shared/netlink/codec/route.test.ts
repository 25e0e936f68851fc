import { describe, expect, it } from "vitest";
import { AF_INET, AF_INET6, wireAddress } from "../../../../../shared/ip/index.ts";
import {
  decodeRoute,
  RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
  RTA_DST,
  RTA_GATEWAY,
  RTA_METRICS,
  RTA_OIF,
  RTA_PREF,
  RTA_PREFSRC,
  RTA_PRIORITY,
  RTA_TABLE,
  RTAX_ADVMSS,
  RTAX_MTU,
  RTM_NEWROUTE,
  RTN_UNICAST,
  RTPROT_BOOT,
  writeRoute,
  type RouteRequest,
} from "../../../../../shared/netlink/codec/route.ts";
import { NlWriter } from "../../../../../shared/netlink/codec/writer.ts";
import { loadFixture, payload } from "../fixtures.ts";
import { attr, hex, ip4, msg, rtmsg, u32, u8, view } from "../naive.ts";

const ipBytes = (s: string): Uint8Array => wireAddress(s)!.bytes;

function encode(m: RouteRequest): Uint8Array {
  const w = new NlWriter();
  w.beginMessage(RTM_NEWROUTE, 0x605, 1);
  writeRoute(w, m);
  w.endMessage();
  return w.bytes().slice();
}

describe("route codec", () => {
  it("decode: kernel default route -> no dst, gateway, oif, table main, proto boot", () => {
    const { dv, off, end } = payload(loadFixture("route-v4-default"));
    const r = decodeRoute(dv, off, end);
    expect(r).toMatchObject({ family: AF_INET, dstLen: 0, gateway: "10.22.0.254", table: RT_TABLE_MAIN, protocol: RTPROT_BOOT, type: RTN_UNICAST });
    expect(r.dst).toBeUndefined();
    expect(r.oif).toBeGreaterThan(0);
  });

  it("decode: kernel route with metrics -> priority, mtu and advmss", () => {
    const { dv, off, end } = payload(loadFixture("route-v4-metrics"));
    expect(decodeRoute(dv, off, end)).toMatchObject({ dst: "10.99.0.0", dstLen: 24, priority: 20, mtu: 1400, advmss: 1360, gateway: "10.22.0.254" });
  });

  it("decode: kernel v6 route -> dst, gateway, default metric 1024, pref", () => {
    const { dv, off, end } = payload(loadFixture("route-v6"));
    expect(decodeRoute(dv, off, end)).toMatchObject({ family: AF_INET6, dst: "fd00:99::", dstLen: 48, gateway: "fd00:22::fe", priority: 1024, pref: 0 });
  });

  it("encode: route with every attribute -> rtmsg + attrs in order, metrics nested", () => {
    const m: RouteRequest = {
      family: AF_INET,
      dstLen: 16,
      table: RT_TABLE_MAIN,
      protocol: RTPROT_BOOT,
      scope: RT_SCOPE_UNIVERSE,
      type: RTN_UNICAST,
      dst: ipBytes("10.9.0.0"),
      gateway: ipBytes("10.1.0.1"),
      oif: 4,
      priority: 50,
      prefsrc: ipBytes("10.1.0.5"),
      mtu: 1300,
      advmss: 1260,
      pref: 1,
    };
    const expected = msg(
      RTM_NEWROUTE,
      0x605,
      1,
      rtmsg({ family: AF_INET, dstLen: 16, table: 254, protocol: 3, scope: 0, type: 1 }),
      attr(RTA_DST, ip4("10.9.0.0")),
      attr(RTA_GATEWAY, ip4("10.1.0.1")),
      attr(RTA_OIF, u32(4)),
      attr(RTA_PRIORITY, u32(50)),
      attr(RTA_PREFSRC, ip4("10.1.0.5")),
      attr(RTA_TABLE, u32(254)),
      attr(RTA_METRICS, attr(RTAX_MTU, u32(1300)), attr(RTAX_ADVMSS, u32(1260))),
      attr(RTA_PREF, u8(1)),
    );
    expect(hex(encode(m))).toBe(hex(expected));
  });

  it("encode: table above 255 -> rtm_table RT_TABLE_UNSPEC and the id in RTA_TABLE", () => {
    const expected = msg(RTM_NEWROUTE, 0x605, 1, rtmsg({ family: AF_INET, dstLen: 0, table: 0, protocol: 0, scope: RT_SCOPE_LINK, type: 0 }), attr(RTA_TABLE, u32(1000)));
    expect(hex(encode({ family: AF_INET, table: 1000, scope: RT_SCOPE_LINK }))).toBe(hex(expected));
  });

  it("mirror: v6 request -> decoded back with the same fields", () => {
    const b = encode({ family: AF_INET6, dstLen: 64, table: 1000, protocol: 4, scope: 0, type: 1, dst: ipBytes("fd00:5::"), gateway: ipBytes("fe80::1"), oif: 2, priority: 7, mtu: 1280 });
    expect(decodeRoute(view(b), 16, b.length)).toEqual({ family: AF_INET6, dstLen: 64, srcLen: 0, tos: 0, table: 1000, protocol: 4, scope: 0, type: 1, flags: 0, dst: "fd00:5::", gateway: "fe80::1", oif: 2, priority: 7, mtu: 1280 });
  });
});
