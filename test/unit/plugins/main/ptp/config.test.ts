import { describe, expect, it } from "vitest";
import { buildNetConf } from "../../../../../shared/cni/config.ts";
import { CniError } from "../../../../../shared/cni/errors.ts";
import { parsePtpConfig } from "../../../../../plugins/main/ptp/config.ts";
import { code7 } from "../../../cni-error.ts";

const IPAM = { type: "host-local", subnet: "10.1.0.0/24" };

function parse(keys: Record<string, unknown>) {
  const raw = { cniVersion: "1.0.0", name: "ptpnet", type: "ptp", ...keys };
  return parsePtpConfig(buildNetConf(raw, "1.0.0"));
}

describe("parsePtpConfig", () => {
  it("parse: only ipam -> no masquerade, nftables backend, kernel mtu; frozen", () => {
    const c = parse({ ipam: IPAM });
    expect(c).toEqual({ ipMasq: false, ipMasqBackend: "nftables", mtu: 0, dns: undefined });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("parse: every key set -> taken as given", () => {
    const c = parse({ ipam: IPAM, ipMasq: true, ipMasqBackend: "iptables", mtu: 1400 });
    expect(c).toEqual({ ipMasq: true, ipMasqBackend: "iptables", mtu: 1400, dns: undefined });
  });

  it("parse: null keys -> defaults, like an absent key", () => {
    expect(parse({ ipam: IPAM, ipMasq: null, mtu: null, ipMasqBackend: null })).toEqual({
      ipMasq: false,
      ipMasqBackend: "nftables",
      mtu: 0,
      dns: undefined,
    });
  });

  it("parse: dns with values -> replaces the IPAM's", () => {
    const dns = { nameservers: ["10.0.0.53"], domain: "pods.local", search: ["a.b"], options: ["ndots:2"] };
    expect(parse({ ipam: IPAM, dns }).dns).toEqual(dns);
  });

  it("parse: dns {} / null lists / empty domain -> no override, the IPAM's dns stays (reference dnsConfSet)", () => {
    expect(parse({ ipam: IPAM, dns: {} }).dns).toBeUndefined();
    expect(parse({ ipam: IPAM, dns: { nameservers: null, search: null, options: null } }).dns).toBeUndefined();
    expect(parse({ ipam: IPAM, dns: { domain: "" } }).dns).toBeUndefined();
    expect(parse({ ipam: IPAM, dns: null }).dns).toBeUndefined();
  });

  it("parse: dns with an empty list -> overrides with an empty dns, as Go's non-nil empty slice does", () => {
    expect(parse({ ipam: IPAM, dns: { nameservers: [] } }).dns).toBeDefined();
    expect(parse({ ipam: IPAM, dns: { search: [] } }).dns).toBeDefined();
    expect(parse({ ipam: IPAM, dns: { domain: "x.local" } }).dns).toEqual({ domain: "x.local" });
  });

  it("parse: dns of the wrong shape -> error 7", () => {
    expect(code7(() => parse({ ipam: IPAM, dns: { nameservers: "10.0.0.53" } }))).toMatch(/dns/);
  });

  it("parse: unknown keys -> ignored", () => {
    expect(parse({ ipam: IPAM, hairpinMode: true, foo: { bar: 1 } }).mtu).toBe(0);
  });

  it("parse: no ipam or ipam without type -> error 7 naming ipam", () => {
    expect(code7(() => parse({}))).toMatch(/ipam/i);
    expect(code7(() => parse({ ipam: { subnet: "10.1.0.0/24" } }))).toMatch(/ipam/i);
  });

  it("parse: wrong types -> error 7 naming the key", () => {
    expect(code7(() => parse({ ipam: IPAM, ipMasq: "true" }))).toContain("ipMasq");
    expect(code7(() => parse({ ipam: IPAM, mtu: "1400" }))).toContain("mtu");
    expect(code7(() => parse({ ipam: IPAM, mtu: 1400.5 }))).toContain("mtu");
  });

  it("parse: mtu out of range -> error 7", () => {
    expect(code7(() => parse({ ipam: IPAM, mtu: -1 }))).toContain("mtu");
    expect(code7(() => parse({ ipam: IPAM, mtu: 65536 }))).toContain("mtu");
  });

  it("parse: unknown ipMasqBackend -> error 7", () => {
    expect(code7(() => parse({ ipam: IPAM, ipMasqBackend: "ipfw" }))).toContain("ipMasqBackend");
  });
});
