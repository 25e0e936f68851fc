import { describe, expect, it } from "vitest";
import { AF_INET, AF_INET6 } from "../../../../shared/ip/index.ts";
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from "../../../../shared/netlink/codec/nlmsg.ts";
import {
  RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE,
  RTA_DST,
  RTA_GATEWAY,
  RTA_METRICS,
  RTA_OIF,
  RTA_PREFSRC,
  RTA_PRIORITY,
  RTA_TABLE,
  RTAX_ADVMSS,
  RTAX_MTU,
  RTM_DELROUTE,
  RTM_GETROUTE,
  RTM_NEWROUTE,
} from "../../../../shared/netlink/codec/route.ts";
import { addRoute, deleteRoute, listRoutes, replaceRoute } from "../../../../shared/netlink/routes.ts";
import { FakeConn } from "./fake-conn.ts";
import { loadFixture } from "./fixtures.ts";
import { attr, hex, ip4, rtmsg, u32 } from "./naive.ts";

const eth0 = { ifindex: 2, name: "eth0" };

describe("route ops", () => {
  it("addRoute: default via gw on dev -> no RTA_DST, dst_len 0, main/boot/universe/unicast", () => {
    const c = new FakeConn();
    addRoute(c, { gw: "10.1.0.1", dev: eth0 });
    expect(c.last()).toMatchObject({ type: RTM_NEWROUTE, flags: NLM_F_CREATE | NLM_F_EXCL, op: "add route default via 10.1.0.1 dev eth0" });
    const expected = [...rtmsg({ family: AF_INET, dstLen: 0, table: 254, protocol: 3, scope: 0, type: 1 }), ...attr(RTA_GATEWAY, ip4("10.1.0.1")), ...attr(RTA_OIF, u32(2)), ...attr(RTA_TABLE, u32(254))];
    expect(hex(c.last().body)).toBe(hex(expected));
  });

  it("addRoute: dst with metrics, priority, src, scope link -> every attribute", () => {
    const c = new FakeConn();
    addRoute(c, { dst: "10.9.0.0/16", dev: 2, scope: RT_SCOPE_LINK, priority: 50, mtu: 1300, advmss: 1260, src: "10.1.0.5", table: 100 });
    expect(c.last().op).toBe("add route 10.9.0.0/16 dev ifindex 2 table 100");
    const expected = [
      ...rtmsg({ family: AF_INET, dstLen: 16, table: 100, protocol: 3, scope: RT_SCOPE_LINK, type: 1 }),
      ...attr(RTA_DST, ip4("10.9.0.0")),
      ...attr(RTA_OIF, u32(2)),
      ...attr(RTA_PRIORITY, u32(50)),
      ...attr(RTA_PREFSRC, ip4("10.1.0.5")),
      ...attr(RTA_TABLE, u32(100)),
      ...attr(RTA_METRICS, attr(RTAX_MTU, u32(1300)), attr(RTAX_ADVMSS, u32(1260))),
    ];
    expect(hex(c.last().body)).toBe(hex(expected));
  });

  it("addRoute: v6 default from '::/0' -> family inet6 and no RTA_DST", () => {
    const c = new FakeConn();
    addRoute(c, { dst: "::/0", gw: "fd00::1" });
    expect(c.last().op).toBe("add route default via fd00::1");
    expect(c.last().body[0]).toBe(AF_INET6);
    expect(c.last().body[1]).toBe(0);
  });

  it("replaceRoute: -> CREATE|REPLACE", () => {
    const c = new FakeConn();
    replaceRoute(c, { dst: "10.9.0.0/16", gw: "10.1.0.1" });
    expect(c.last().flags).toBe(NLM_F_CREATE | NLM_F_REPLACE);
  });

  it("deleteRoute: -> RTM_DELROUTE, scope NOWHERE, protocol and type 0 (match any)", () => {
    const c = new FakeConn();
    deleteRoute(c, { dst: "10.9.0.0/16", dev: eth0 });
    expect(c.last()).toMatchObject({ type: RTM_DELROUTE, flags: 0, op: "delete route 10.9.0.0/16 dev eth0" });
    const expected = [...rtmsg({ family: AF_INET, dstLen: 16, table: 254, protocol: 0, scope: RT_SCOPE_NOWHERE, type: 0 }), ...attr(RTA_DST, ip4("10.9.0.0")), ...attr(RTA_OIF, u32(2)), ...attr(RTA_TABLE, u32(254))];
    expect(hex(c.last().body)).toBe(hex(expected));
  });

  it.each([
    ["no family at all", { dev: 2 }],
    ["gw of the other family", { dst: "10.0.0.0/8", gw: "fd00::1" }],
    ["src of the other family", { gw: "10.0.0.1", src: "fd00::1" }],
    ["bad dst", { dst: "10.0.0.0/40" }],
    ["family contradicts dst", { family: AF_INET6, dst: "10.0.0.0/8" }],
  ])("addRoute: %s -> RangeError, nothing sent", (_what, o) => {
    const c = new FakeConn();
    expect(() => addRoute(c, o as Parameters<typeof addRoute>[1])).toThrow(RangeError);
    expect(c.calls.length).toBe(0);
  });

  it("listRoutes: default filter -> main table only; dev filter applied to replies", () => {
    const c = new FakeConn();
    const def = loadFixture("route-v4-default");
    c.replies = [def.bytes, loadFixture("route-v4-metrics").bytes, loadFixture("route-v6").bytes];
    expect(listRoutes(c, { family: AF_INET }).map((r) => r.dst ?? "default")).toEqual(["default", "10.99.0.0"]);
    expect(c.last()).toMatchObject({ kind: "dump", type: RTM_GETROUTE });
    expect(hex(c.last().body)).toBe(hex([...rtmsg({ family: AF_INET, dstLen: 0, table: 254, protocol: 0, scope: 0, type: 0 }), ...attr(RTA_TABLE, u32(254))]));
    expect(listRoutes(c).length).toBe(3);
    expect(listRoutes(c, { table: 100 })).toEqual([]);
    const oif = (def.expected.body as { oif: number }).oif;
    expect(listRoutes(c, { dev: oif + 100 })).toEqual([]);
  });
});
