import { describe, expect, it } from "vitest";
import { CniError } from "../../../../../shared/cni/errors.ts";
import { formatIP } from "../../../../../shared/ip/index.ts";
import { DEFAULT_DATA_DIR, parseConfig, versionAtLeast, type HostLocalConfig } from "../../../../../plugins/ipam/host-local/config.ts";
import { rangeToString } from "../../../../../plugins/ipam/host-local/range.ts";

type Obj = Record<string, unknown>;
const net = (ipam: Obj, extra: Obj = {}): Obj => ({ cniVersion: "1.0.0", name: "n1", type: "bridge", ipam: { type: "host-local", ...ipam }, ...extra });
const parse = (raw: Obj, args: Array<[string, string]> = [], ignore = false): HostLocalConfig =>
  parseConfig({ raw, cniArgs: args, ignoreUnknownArgs: ignore });
const sets = (cfg: HostLocalConfig) => cfg.ranges.map((s) => s.map((r) => `${rangeToString(r)} gw ${formatIP(r.gateway)}`));

function fails(raw: Obj, code: number, msg: string, args: Array<[string, string]> = []) {
  let err: unknown;
  try {
    parse(raw, args);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CniError);
  expect((err as CniError).code).toBe(code);
  expect((err as CniError).msg).toBe(msg);
}

describe("parseConfig: defaults", () => {
  it("parse: legacy v4 subnet -> start .1 (gateway, skipped later), end broadcast-1, default dataDir", () => {
    const cfg = parse(net({ subnet: "10.1.0.0/24" }));
    expect(sets(cfg)).toEqual([["10.1.0.1-10.1.0.254 gw 10.1.0.1"]]);
    expect(cfg.dataDir).toBe(DEFAULT_DATA_DIR);
    expect(cfg.name).toBe("n1");
    expect(cfg.routes).toEqual([]);
    expect(cfg.resolvConf).toBe("");
  });
  it("parse: v6 subnet -> end is the last address", () => {
    expect(sets(parse(net({ ranges: [[{ subnet: "fd00::/120" }]] })))).toEqual([["fd00::1-fd00::ff gw fd00::1"]]);
  });
  it("parse: /30 -> .1-.2", () => expect(sets(parse(net({ subnet: "10.1.0.0/30" })))).toEqual([["10.1.0.1-10.1.0.2 gw 10.1.0.1"]]));
  it("parse: explicit gateway/start/end kept; gateway outside the subnet accepted (as the reference)", () => {
    const cfg = parse(net({ subnet: "10.1.0.0/24", gateway: "10.9.9.9", rangeStart: "10.1.0.10", rangeEnd: "10.1.0.20" }));
    expect(sets(cfg)).toEqual([["10.1.0.10-10.1.0.20 gw 10.9.9.9"]]);
  });
  it("parse: empty-string gateway -> default", () => {
    expect(sets(parse(net({ subnet: "10.1.0.0/24", gateway: "" })))).toEqual([["10.1.0.1-10.1.0.254 gw 10.1.0.1"]]);
  });
  it("parse: ipRanges, legacy, ranges -> in that order", () => {
    const cfg = parse(net({ subnet: "10.2.0.0/24", ranges: [[{ subnet: "10.3.0.0/24" }]] }, { runtimeConfig: { ipRanges: [[{ subnet: "10.1.0.0/24" }]] } }));
    expect(cfg.ranges.map((s) => formatIP(s[0]!.subnet.ip))).toEqual(["10.1.0.0", "10.2.0.0", "10.3.0.0"]);
  });
  it("parse: keys matched case-insensitively like Go (Subnet, DATADIR)", () => {
    const cfg = parse(net({ Subnet: "10.9.0.0/24", DATADIR: "/tmp/x" }));
    expect(cfg.dataDir).toBe("/tmp/x");
    expect(cfg.ranges.length).toBe(1);
  });
  it("parse: legacy rangeStart without subnet -> ignored, so no ranges", () => fails(net({ rangeStart: "10.1.0.5" }), 7, "no IP ranges specified"));
  it("parse: routes normalised (dst keeps host bits, v6 lowercased), extra fields kept", () => {
    const cfg = parse(net({ subnet: "10.1.0.0/24", routes: [{ dst: "10.0.0.5/8", gw: "10.0.0.1", mtu: 1400 }, { dst: "FD00::/8" }] }));
    expect(cfg.routes).toEqual([{ dst: "10.0.0.5/8", gw: "10.0.0.1", mtu: 1400 }, { dst: "fd00::/8" }]);
  });
  it("parse: requested IPs from CNI_ARGS (comma list), args.cni.ips, runtimeConfig.ips, in order; prefixes ignored", () => {
    const cfg = parse(
      net({ subnet: "10.1.0.0/24" }, { args: { cni: { ips: ["10.1.0.20/24"] } }, runtimeConfig: { ips: ["::ffff:10.1.0.30"] } }),
      [["IP", "10.1.0.5,10.1.0.6/24"]],
    );
    expect(cfg.requestedIPs.map(formatIP)).toEqual(["10.1.0.5", "10.1.0.6", "10.1.0.20", "10.1.0.30"]);
  });
  it("parse: unknown CNI_ARGS key with IgnoreUnknown -> accepted", () => {
    expect(parse(net({ subnet: "10.1.0.0/24" }), [["IgnoreUnknown", "1"], ["K8S_POD_NAME", "x"]], true).requestedIPs).toEqual([]);
  });
});

describe("parseConfig: validation (the reference host-local's messages, after the field's path)", () => {
  const table: Array<[string, Obj, number, string]> = [
    ["missing ipam", { cniVersion: "1.0.0", name: "n1", type: "x" }, 7, "IPAM config missing 'ipam' key"],
    ["null ipam", { cniVersion: "1.0.0", name: "n1", type: "x", ipam: null }, 7, "IPAM config missing 'ipam' key"],
    ["ipam a number", { cniVersion: "1.0.0", name: "n1", type: "x", ipam: 5 }, 7, "ipam: expected an object, got 5"],
    ["no ranges", net({}), 7, "no IP ranges specified"],
    ["empty ranges", net({ ranges: [] }), 7, "no IP ranges specified"],
    ["empty range set", net({ ranges: [[]] }), 7, "invalid range set 0: empty range set"],
    ["/31", net({ subnet: "10.1.0.0/31" }), 7, "invalid range set 0: Network 10.1.0.0/31 too small to allocate from"],
    ["/32", net({ subnet: "10.1.0.0/32" }), 7, "invalid range set 0: Network 10.1.0.0/32 too small to allocate from"],
    ["/127", net({ subnet: "fd00::/127" }), 7, "invalid range set 0: Network fd00::/127 too small to allocate from"],
    ["/128", net({ subnet: "fd00::/128" }), 7, "invalid range set 0: Network fd00::/128 too small to allocate from"],
    ["host bits", net({ subnet: "10.1.0.1/24" }), 7, "invalid range set 0: Network has host bits set. For a subnet mask of length 24 the network address is 10.1.0.0"],
    ["v4-mapped subnet", net({ subnet: "::ffff:10.1.0.0/120" }), 7, "invalid range set 0: IPNet IP and Mask version mismatch"],
    ["bad subnet", net({ subnet: "bogus" }), 7, "ipam.subnet: invalid CIDR address: bogus"],
    ["subnet without length", net({ subnet: "10.1.0.0" }), 7, "ipam.subnet: invalid CIDR address: 10.1.0.0"],
    ["subnet a number", net({ subnet: 5 }), 7, "ipam.subnet: expected a string, got 5"],
    ["range without subnet", net({ ranges: [[{ rangeStart: "10.1.0.5" }]] }), 7, "invalid range set 0: IP <nil> not v4 nor v6"],
    ["start outside", net({ subnet: "10.1.0.0/24", rangeStart: "10.2.0.1" }), 7, "invalid range set 0: RangeStart 10.2.0.1 not in network 10.1.0.0/24"],
    ["end outside", net({ subnet: "10.1.0.0/24", rangeEnd: "10.2.0.1" }), 7, "invalid range set 0: RangeEnd 10.2.0.1 not in network 10.1.0.0/24"],
    ["start after end", net({ subnet: "10.1.0.0/24", rangeStart: "10.1.0.100", rangeEnd: "10.1.0.50" }), 7, "invalid range set 0: RangeStart 10.1.0.100 not in network 10.1.0.0/24"],
    ["start other family", net({ subnet: "10.1.0.0/24", rangeStart: "fd00::1" }), 7, "invalid range set 0: RangeStart fd00::1 not in network 10.1.0.0/24"],
    ["bad gateway", net({ subnet: "10.1.0.0/24", gateway: "x" }), 7, "ipam.gateway: invalid IP address: x"],
    ["overlap inside a set", net({ ranges: [[{ subnet: "10.1.0.0/24" }, { subnet: "10.1.0.0/25" }]] }), 7, "invalid range set 0: subnets 10.1.0.1-10.1.0.254 and 10.1.0.1-10.1.0.126 overlap"],
    ["mixed families", net({ ranges: [[{ subnet: "10.1.0.0/24" }, { subnet: "fd00::/64" }]] }), 7, "invalid range set 0: mixed address families"],
    ["overlapping sets", net({ ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "10.1.0.0/25" }]] }), 7, "range set 0 overlaps with 1"],
    ["second set bad", net({ ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "10.2.0.0/32" }]] }), 7, "invalid range set 1: Network 10.2.0.0/32 too small to allocate from"],
    ["two v4 sets on 0.2.0", { ...net({ ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "10.2.0.0/24" }]] }), cniVersion: "0.2.0" }, 7, "CNI version 0.2.0 does not support more than 1 address per family"],
    ["bad route dst", net({ subnet: "10.4.0.0/24", routes: [{ dst: "bogus" }] }), 7, "ipam.routes[0].dst: invalid CIDR address: bogus"],
    ["bad route gw", net({ subnet: "10.4.0.0/24", routes: [{ dst: "10.0.0.0/8", gw: "x" }] }), 7, "ipam.routes[0].gw: invalid IP address: x"],
    ["bad args.cni.ips", net({ subnet: "10.4.0.0/24" }, { args: { cni: { ips: ["bogus"] } } }), 7, "args.cni.ips[0]: invalid IP address bogus"],
  ];
  for (const [what, raw, code, msg] of table) it(`parse: ${what} -> ${code} "${msg}"`, () => fails(raw, code, msg));

  it("parse: unknown CNI_ARGS key -> 999 unknown args", () =>
    fails(net({ subnet: "10.1.0.0/24" }), 999, 'ARGS: unknown args ["FOO=bar"]', [["FOO", "bar"]]));
  it("parse: bad CNI_ARGS IP -> 999 error parsing value", () =>
    fails(net({ subnet: "10.1.0.0/24" }), 999, 'ARGS: error parsing value of pair "IP=bogus": invalid IP address bogus', [["IP", "bogus"]]));
  it("parse: two v4 sets on 0.3.0 -> accepted", () => {
    expect(parse({ ...net({ ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "10.2.0.0/24" }]] }), cniVersion: "0.3.0" }).ranges.length).toBe(2);
  });
});

describe("versionAtLeast", () => {
  it("compare: 0.3.0 >= 0.3.0, 1.0.0 >= 0.3.0, 0.2.0 < 0.3.0, junk -> false", () => {
    expect(versionAtLeast("0.3.0", "0.3.0")).toBe(true);
    expect(versionAtLeast("1.0.0", "0.3.0")).toBe(true);
    expect(versionAtLeast("0.10.0", "0.3.0")).toBe(true);
    expect(versionAtLeast("0.2.0", "0.3.0")).toBe(false);
    expect(versionAtLeast("", "0.3.0")).toBe(false);
  });
});
