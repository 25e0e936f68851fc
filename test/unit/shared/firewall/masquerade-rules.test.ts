import { describe, expect, it } from "vitest";
import { masqRulesText, masqSkeletonText, masqTarget } from "../../../../shared/firewall/masquerade-rules.ts";
import { FirewallInputError } from "../../../../shared/firewall/nft-text.ts";

describe("masqTarget", () => {
  it("parse: v4 CIDR -> address and its subnet", () => {
    expect(masqTarget("10.88.0.5/24")).toEqual({ family: "ip", ip: "10.88.0.5", subnet: "10.88.0.0/24", prefixLength: 24 });
  });
  it("parse: v6 CIDR -> ip6, canonical subnet", () => {
    expect(masqTarget("fd00:88:0:0::5/64")).toMatchObject({ family: "ip6", ip: "fd00:88::5", subnet: "fd00:88::/64" });
  });
  it.each(["10.88.0.5", "10.88.0.500/24", "x; flush ruleset/24", "fe80::1%eth0/64"])("parse: %s -> FirewallInputError", (bad) => {
    expect(() => masqTarget(bad)).toThrow(FirewallInputError);
  });
});

describe("masqRulesText", () => {
  it("generate: v4 + v6 addresses -> one reference-shaped rule each with the instance comment", () => {
    const text = masqRulesText("mynet", "eth0", "abc123", ["10.88.0.5/24", "fd00:88::5/64"]);
    const c = '"d23676b4f2d9fe04-ebce0e3dd4dafae3, net: mynet, if: eth0, id: abc123"';
    expect(text.split("\n")).toEqual([
      `add rule inet cni_plugins_masquerade masq_checks ip saddr 10.88.0.5 ip daddr != 10.88.0.0/24 masquerade comment ${c}`,
      `add rule inet cni_plugins_masquerade masq_checks ip6 saddr fd00:88::5 ip6 daddr != fd00:88::/64 masquerade comment ${c}`,
    ]);
  });
});

describe("masqSkeletonText", () => {
  it("generate: -> multicast returns before the goto, as the reference", () => {
    const lines = masqSkeletonText().split("\n");
    const ret4 = lines.indexOf("add rule inet cni_plugins_masquerade postrouting ip daddr 224.0.0.0/4 return");
    const ret6 = lines.indexOf("add rule inet cni_plugins_masquerade postrouting ip6 daddr ff00::/8 return");
    const goto = lines.indexOf("add rule inet cni_plugins_masquerade postrouting goto masq_checks");
    const flush = lines.indexOf("flush chain inet cni_plugins_masquerade postrouting");
    expect(flush).toBeGreaterThan(-1);
    expect([flush < ret4, ret4 < ret6, ret6 < goto]).toEqual([true, true, true]);
    expect(lines).toContain("add chain inet cni_plugins_masquerade postrouting { type nat hook postrouting priority srcnat ; }");
  });
});
