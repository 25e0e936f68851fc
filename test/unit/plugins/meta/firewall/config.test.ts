import { describe, expect, it } from "vitest";
import { buildNetConf } from "../../../../../shared/cni/config.ts";
import { CniError } from "../../../../../shared/cni/errors.ts";
import { parseConfig, resultFamilies, resultIPs } from "../../../../../plugins/meta/firewall/config.ts";

const conf = (keys: Record<string, unknown>) => buildNetConf({ cniVersion: "1.0.0", name: "net1", type: "firewall", ...keys }, "1.0.0");

function code(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof CniError ? e.code : -1;
  }
  return undefined;
}

describe("firewall config", () => {
  it("parse: defaults -> CNI-ADMIN, trusted zone, open policy, backend ''", () => {
    expect(parseConfig(conf({}))).toEqual({ name: "net1", backend: "", adminChain: "CNI-ADMIN", firewalldZone: "trusted", ingressPolicy: "open" });
  });

  it("parse: keys matched case-insensitively like Go (IptablesAdminChainName, INGRESSPOLICY)", () => {
    const c = parseConfig(conf({ IptablesAdminChainName: "OPS", INGRESSPOLICY: "isolated", FirewalldZone: "public", Backend: "iptables" }));
    expect(c).toMatchObject({ adminChain: "OPS", ingressPolicy: "isolated", firewalldZone: "public", backend: "iptables" });
  });

  it.each([["open", "open"], ["", "open"], ["same-bridge", "same-bridge"], ["isolated", "isolated"]])("parse: ingressPolicy %j -> %s", (v, want) => {
    expect(parseConfig(conf({ ingressPolicy: v })).ingressPolicy).toBe(want);
  });

  it("parse: unknown ingressPolicy -> error 7 on ADD/CHECK, ignored on DEL", () => {
    expect(code(() => parseConfig(conf({ ingressPolicy: "closed" })))).toBe(7);
    expect(parseConfig(conf({ ingressPolicy: "closed" }), false).ingressPolicy).toBe("open");
  });

  it("parse: backend firewalld -> error 7 (not supported); DEL parses it", () => {
    expect(code(() => parseConfig(conf({ backend: "firewalld" })))).toBe(7);
    expect(parseConfig(conf({ backend: "firewalld" }), false).backend).toBe("firewalld");
  });

  it("parse: any other backend (nftables, iptables, x) -> accepted, tscni chooses", () => {
    for (const b of ["nftables", "iptables", "x"]) expect(parseConfig(conf({ backend: b })).backend).toBe(b);
  });

  it.each(["BAD CHAIN", "a".repeat(29), "-x", 'A"B'])("parse: iptablesAdminChainName %j -> error 7", (name) => {
    expect(code(() => parseConfig(conf({ iptablesAdminChainName: name })))).toBe(7);
  });

  it("parse: wrong types -> error 7 naming the key", () => {
    expect(() => parseConfig(conf({ firewalldZone: 3 }))).toThrow(/firewalldZone/);
    expect(code(() => parseConfig(conf({ backend: true })))).toBe(7);
  });

  it("prevResult: every address without prefix, and their families", () => {
    const prev = { cniVersion: "1.0.0", ips: [{ address: "10.0.0.5/24" }, { address: "fd00::5/64" }] };
    expect(resultIPs(prev)).toEqual(["10.0.0.5", "fd00::5"]);
    expect(resultFamilies(prev)).toEqual(["ip", "ip6"]);
    expect(resultFamilies({ cniVersion: "1.0.0", ips: [{ address: "fd00::5/64" }] })).toEqual(["ip6"]);
    expect(resultIPs(undefined)).toEqual([]);
  });
});
