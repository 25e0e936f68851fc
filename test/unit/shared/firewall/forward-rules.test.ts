import { describe, expect, it } from "vitest";
import {
  adminJump, containerRules, containerTag, forwardJump, iptablesLine, isolationBridgeRules, nftRuleText, ownerIn, parseContainerTag,
  parseIngressTag, referenceIpRules, validateBridgeName, validateChainName,
} from "../../../../shared/firewall/forward-rules.ts";

describe("firewall meta plugin rules", () => {
  it("iptables: the reference's jumps and per-IP rules, exactly as its iptables-save shows them", () => {
    expect(iptablesLine("-A", forwardJump())).toBe('-A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD');
    expect(iptablesLine("-I", adminJump("CNI-ADMIN"), 1)).toBe('-I CNI-FORWARD 1 -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN');
    expect(referenceIpRules("10.88.0.5").map((r) => iptablesLine("-A", r))).toEqual([
      "-A CNI-FORWARD -d 10.88.0.5/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
      "-A CNI-FORWARD -s 10.88.0.5/32 -j ACCEPT",
    ]);
    expect(referenceIpRules("fd00:0::5").map((r) => iptablesLine("-A", r))[1]).toBe("-A CNI-FORWARD -s fd00::5/128 -j ACCEPT");
  });

  it("iptables: tscni's rules are the reference's plus DNAT'ed connections, tagged", () => {
    const tag = containerTag("net1", "ctr1");
    expect(containerRules("net1", "ctr1", "10.88.0.5").map((r) => iptablesLine("-A", r))).toEqual([
      `-A CNI-FORWARD -d 10.88.0.5/32 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "${tag}" -j ACCEPT`,
      `-A CNI-FORWARD -s 10.88.0.5/32 -m comment --comment "${tag}" -j ACCEPT`,
      `-A CNI-FORWARD -d 10.88.0.5/32 -m conntrack --ctstate DNAT -m comment --comment "${tag}" -j ACCEPT`,
    ]);
  });

  it("isolation: same-bridge stage 1 jump + stage 2 drop; isolated adds the intra-bridge drop", () => {
    expect(isolationBridgeRules("n", "cni0", "same-bridge").map((r) => iptablesLine("-A", r).replace(/ -m comment.*" /, " "))).toEqual([
      "-A CNI-ISOLATION-STAGE-1 -i cni0 ! -o cni0 -j CNI-ISOLATION-STAGE-2",
      "-A CNI-ISOLATION-STAGE-2 -o cni0 -j DROP",
    ]);
    expect(isolationBridgeRules("n", "cni0", "isolated").map((r) => nftRuleText(r).replace(/ comment.*/, ""))).toEqual([
      'add rule inet cni_firewall CNI-ISOLATION-STAGE-1 iifname "cni0" oifname != "cni0" jump CNI-ISOLATION-STAGE-2',
      'add rule inet cni_firewall CNI-ISOLATION-STAGE-1 iifname "cni0" oifname "cni0" drop',
      'add rule inet cni_firewall CNI-ISOLATION-STAGE-2 oifname "cni0" drop',
    ]);
  });

  it("nft: per-IP rules in inet cni_firewall, family from the address", () => {
    expect(containerRules("net1", "ctr1", "fd00::5").map((r) => nftRuleText(r).replace(/ comment.*/, ""))).toEqual([
      "add rule inet cni_firewall CNI-FORWARD ip6 daddr fd00::5 ct state established,related accept",
      "add rule inet cni_firewall CNI-FORWARD ip6 saddr fd00::5 accept",
      "add rule inet cni_firewall CNI-FORWARD ip6 daddr fd00::5 ct status dnat accept",
    ]);
  });

  it("tags: container and ingress tags parse back; long container IDs are hashed but still matched by GC", () => {
    const t = parseContainerTag(containerTag("net1", "ctr1"));
    expect(t?.owner).toBe("ctr1");
    expect(parseContainerTag(containerTag("net2", "ctr1"))?.net).not.toBe(t?.net);
    const long = "a".repeat(120);
    const lt = parseContainerTag(containerTag("net1", long))!;
    expect(lt.owner).toMatch(/^sha:/);
    expect(ownerIn(lt.owner, new Set([long]))).toBe(true);
    expect(ownerIn(lt.owner, new Set(["b"]))).toBe(false);
    expect(parseIngressTag(isolationBridgeRules("net1", "cni0", "isolated")[0]!.comment)).toBeDefined();
    expect(parseContainerTag("CNI firewall plugin rules")).toBeUndefined();
  });

  it("validation: chain and bridge names, addresses", () => {
    expect(() => validateChainName("A B")).toThrow();
    expect(() => validateChainName("X".repeat(29))).toThrow();
    expect(() => validateBridgeName('br"0')).toThrow();
    expect(() => containerRules("net1", "ctr1", "10.0.0.300")).toThrow();
    expect(() => containerTag("net 1", "ctr1")).toThrow();
  });
});
