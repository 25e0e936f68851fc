// sbr config and plan: which IPs, which tables, which routes are copied where.
import { describe, expect, it } from "vitest";
import { ipsOf, parseSbrConfig } from "../../../../../plugins/meta/sbr/config.ts";
import { nextFreeTable, planSbr } from "../../../../../plugins/meta/sbr/plan.ts";
import { buildNetConf } from "../../../../../shared/cni/config.ts";
import type { Result } from "../../../../../shared/cni/types.ts";
import type { Route } from "../../../../../shared/netlink/codec/route.ts";
import { expectCniError } from "../../../cni-error.ts";

const conf = (raw: Record<string, unknown>) => buildNetConf({ cniVersion: "1.0.0", name: "n", type: "sbr", ...raw }, "1.0.0");
const route = (over: Partial<Route>): Route => ({ family: 2, dstLen: 0, srcLen: 0, tos: 0, table: 254, protocol: 3, scope: 0, type: 1, flags: 0, oif: 2, ...over });

const PREV: Result = {
  cniVersion: "1.1.0",
  interfaces: [{ name: "eth0" }, { name: "net1" }],
  ips: [
    { address: "10.1.0.5/24", gateway: "10.1.0.1", interface: 1 },
    { address: "10.9.0.5/24", interface: 0 },
    { address: "fd00::5/64", gateway: "fd00::1" },
  ],
};

describe("sbr config", () => {
  it("table: optional integer 1..2^32-1", () => {
    expect(parseSbrConfig(conf({}))).toEqual({});
    expect(parseSbrConfig(conf({ Table: 500 }))).toEqual({ table: 500 });
    expectCniError(() => parseSbrConfig(conf({ table: 0 })), 7, /table/);
    expectCniError(() => parseSbrConfig(conf({ table: "x" })), 7, /table/);
  });

  it("ips: those of CNI_IFNAME and those without an interface index; none at all -> error", () => {
    expect(ipsOf(PREV, "net1").map((ip) => ip.address.ip.family + ":" + ip.address.prefix)).toEqual(["4:24", "6:64"]);
    expectCniError(() => ipsOf({ cniVersion: "1.1.0" }, "net1"), 7, /No IP addresses supplied on interface: net1/);
  });
});

describe("sbr plan", () => {
  it("tables: the first ids >= 100 that no rule or route uses, one per IP", () => {
    expect(nextFreeTable(new Set([100, 101, 103]), 100)).toBe(102);
    const plan = planSbr(ipsOf(PREV, "net1"), new Set([100, 254, 255]), []);
    expect(plan.ips.map((p) => [p.table, p.src, p.gateway])).toEqual([[101, "10.1.0.5/32", "10.1.0.1"], [102, "fd00::5/128", "fd00::1"]]);
  });

  it("copies: routes whose prefsrc or gateway is in the IP's subnet, and generic ones (neither) to every table; all deleted", () => {
    const subnet4 = route({ dst: "10.1.0.0", dstLen: 24, prefsrc: "10.1.0.5", scope: 253 });
    const via4 = route({ dst: "10.60.0.0", dstLen: 16, gateway: "10.1.0.1" });
    const other = route({ dst: "10.70.0.0", dstLen: 16, gateway: "10.2.0.1" });
    const ll6 = route({ family: 10, dst: "fe80::", dstLen: 64 });
    const def6 = route({ family: 10, gateway: "fd00::1" });
    const plan = planSbr(ipsOf(PREV, "net1"), new Set(), [subnet4, via4, other, ll6, def6]);
    expect(plan.ips[0]!.copies).toEqual([subnet4, via4, ll6]);
    expect(plan.ips[1]!.copies).toEqual([ll6, def6]);
    expect(plan.deletes).toEqual([subnet4, via4, other, ll6, def6]);
  });
});
