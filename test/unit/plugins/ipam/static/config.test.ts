import { describe, expect, it } from "vitest";
import { parseStaticConfig, type StaticConfig } from "../../../../../plugins/ipam/static/config.ts";
import { formatCIDR, formatIP } from "../../../../../shared/ip/index.ts";

function parse(raw: Record<string, unknown>, cniArgs: [string, string][] = [], cniVersion = "1.0.0") {
  return parseStaticConfig({ raw: { cniVersion, name: "n", type: "macvlan", ...raw }, cniVersion, cniArgs, ignoreUnknownArgs: true });
}

const text = (c: StaticConfig) => c.addresses.map((a) => (a.gateway ? `${formatCIDR(a.address)} gw ${formatIP(a.gateway)}` : formatCIDR(a.address)));

describe("parseStaticConfig", () => {
  it("parse: addresses keep host bits and gateways; routes and dns passed through", () => {
    const c = parse({
      ipam: {
        type: "static",
        addresses: [{ address: "10.1.0.5/24", gateway: "10.1.0.1" }, { address: "fd00::5/64" }],
        routes: [{ dst: "0.0.0.0/0" }, { dst: "10.2.0.0/16", gw: "10.1.0.254", priority: 10 }],
        dns: { nameservers: ["1.1.1.1"], domain: "x", search: ["a"], options: ["ndots:1"] },
      },
    });
    expect(text(c)).toEqual(["10.1.0.5/24 gw 10.1.0.1", "fd00::5/64"]);
    expect(c.routes).toEqual([{ dst: "0.0.0.0/0" }, { dst: "10.2.0.0/16", gw: "10.1.0.254", priority: 10 }]);
    expect(c.dns).toEqual({ nameservers: ["1.1.1.1"], domain: "x", search: ["a"], options: ["ndots:1"] });
  });

  it("parse: no addresses -> an empty list, not an error (the main plugin then fails)", () => {
    expect(parse({ ipam: { type: "static" } }).addresses).toEqual([]);
  });

  it("parse: no ipam -> error 7", () => {
    expect(() => parse({})).toThrowError(expect.objectContaining({ code: 7, message: expect.stringContaining("IPAM config missing 'ipam' key") }));
  });

  it("parse: CNI_ARGS IP appended, GATEWAY set on the CNI_ARGS addresses holding it (not on ipam.addresses: reference quirk)", () => {
    const c = parse({ ipam: { addresses: [{ address: "10.1.0.5/24" }] } }, [["IP", "10.2.0.5/24, 10.3.0.5/24"], ["GATEWAY", "10.1.0.1,10.2.0.1"]]);
    expect(text(c)).toEqual(["10.1.0.5/24", "10.2.0.5/24 gw 10.2.0.1", "10.3.0.5/24"]);
  });

  it("parse: args.cni.ips replaces, runtimeConfig.ips replaces that (no gateways)", () => {
    const ipam = { addresses: [{ address: "10.1.0.5/24", gateway: "10.1.0.1" }] };
    expect(text(parse({ ipam, args: { cni: { ips: ["10.4.0.5/24"] } } }))).toEqual(["10.4.0.5/24"]);
    expect(text(parse({ ipam, args: { cni: { ips: ["10.4.0.5/24"] } }, runtimeConfig: { ips: ["10.5.0.5/24"] } }))).toEqual(["10.5.0.5/24"]);
    expect(text(parse({ ipam, runtimeConfig: { ips: [] } }))).toEqual(["10.1.0.5/24 gw 10.1.0.1"]);
  });

  it("parse: an invalid ipam.addresses entry replaced by runtimeConfig.ips -> no error (validated last, as the reference)", () => {
    expect(text(parse({ ipam: { addresses: [{ address: "10.1.0.5" }] }, runtimeConfig: { ips: ["10.5.0.5/24"] } }))).toEqual(["10.5.0.5/24"]);
  });

  it("parse: bare IP, bad gateway, bad ips entry, bad CNI_ARGS IP/GATEWAY -> errors", () => {
    expect(() => parse({ ipam: { addresses: [{ address: "10.1.0.5" }] } })).toThrow(/expected to be in CIDR notation, got: '10.1.0.5'/);
    expect(() => parse({ ipam: { addresses: [{ address: "10.1.0.5/24", gateway: "x" }] } })).toThrow(/invalid IP address: x/);
    expect(() => parse({ ipam: {}, runtimeConfig: { ips: ["10.1.0.5"] } })).toThrow(/NOT in CIDR notation/);
    expect(() => parse({ ipam: {} }, [["IP", "10.1.0.5"]])).toThrowError(expect.objectContaining({ code: 999 }));
    expect(() => parse({ ipam: {} }, [["GATEWAY", "nope"]])).toThrow(/invalid gateway address/);
  });

  it("parse: IPv4-mapped IPv6 CIDR -> canonical IPv4", () => {
    expect(text(parse({ ipam: { addresses: [{ address: "::ffff:10.1.0.5/120" }] } }))).toEqual(["10.1.0.5/24"]);
  });

  it("parse: two v4 addresses under cniVersion 0.2.0 -> error; under 0.3.0 fine", () => {
    const ipam = { addresses: [{ address: "10.1.0.5/24" }, { address: "10.2.0.5/24" }] };
    expect(() => parse({ ipam }, [], "0.2.0")).toThrow(/does not support more than 1 address per family/);
    expect(parse({ ipam }, [], "0.3.0").addresses).toHaveLength(2);
  });

  it("parse: keys matched case-insensitively (Go encoding/json)", () => {
    expect(text(parse({ IPAM: { Addresses: [{ ADDRESS: "10.1.0.5/24", GATEWAY: "10.1.0.1" }] } }))).toEqual(["10.1.0.5/24 gw 10.1.0.1"]);
  });
});
