import { describe, expect, it } from "vitest";
import { FirewallInputError } from "../../../../shared/firewall/nft-text.ts";
import {
  addElementsText, conditionsText, listedElementsOf, planPortForward, portmapSkeletonText,
} from "../../../../shared/firewall/portmap-rules.ts";
import type { PortForwardSetup } from "../../../../shared/firewall/types.ts";
import { mapElem, setElem } from "./fake-nft.ts";

const base: PortForwardSetup = {
  containerId: "ctrA",
  containerIPs: ["10.88.0.2", "fd00:88::2"],
  snat: true,
  masqAll: false,
  mappings: [
    { hostPort: 8080, containerPort: 80, protocol: "tcp" },
    { hostPort: 53, containerPort: 5353, protocol: "udp", hostIP: "10.1.1.1" },
    { hostPort: 443, containerPort: 8443, protocol: "tcp", hostIP: "0.0.0.0" },
  ],
};

describe("planPortForward", () => {
  it("plan: v4+v6 container -> v4 gets all three, v6 skips both v4 host IPs (0.0.0.0 too, as the reference)", () => {
    const [v4, v6] = planPortForward(base);
    expect(v4?.dnat.map((e) => `${e.map} ${e.key} : ${e.value}`)).toEqual([
      "tscni_hostports tcp . 8080 : 10.88.0.2 . 80",
      "tscni_hostip_hostports 10.1.1.1 . udp . 53 : 10.88.0.2 . 5353",
      "tscni_hostports tcp . 443 : 10.88.0.2 . 8443",
    ]);
    expect(v6?.dnat.map((e) => e.key)).toEqual(["tcp . 8080"]);
  });
  it("plan: snat -> hairpin (+ localhost for v4); masqAll -> masq_all only; no snat -> nothing", () => {
    const [v4, v6] = planPortForward(base);
    expect(v4?.masq).toEqual([{ set: "tscni_hairpin", key: "10.88.0.2 . 10.88.0.2" }, { set: "tscni_localhost", key: "10.88.0.2" }]);
    expect(v6?.masq).toEqual([{ set: "tscni_hairpin", key: "fd00:88::2 . fd00:88::2" }]);
    expect(planPortForward({ ...base, masqAll: true })[0]?.masq).toEqual([{ set: "tscni_masq_all", key: "10.88.0.2" }]);
    expect(planPortForward({ ...base, snat: false })[0]?.masq).toEqual([]);
  });
  it("plan: same host port twice to different targets -> FirewallInputError", () => {
    const bad = { ...base, mappings: [base.mappings[0]!, { ...base.mappings[0]!, containerPort: 81 }] };
    expect(() => planPortForward(bad)).toThrow(FirewallInputError);
  });
  it.each([
    { hostPort: 0, containerPort: 80, protocol: "tcp" },
    { hostPort: 80, containerPort: 70000, protocol: "tcp" },
    { hostPort: 80, containerPort: 80, protocol: "icmp" },
    { hostPort: 80, containerPort: 80, protocol: "tcp", hostIP: "1.2.3.4; flush ruleset" },
  ])("plan: invalid mapping %o -> FirewallInputError", (m) => {
    expect(() => planPortForward({ ...base, mappings: [m as never] })).toThrow(FirewallInputError);
  });
});

describe("addElementsText", () => {
  it("generate: fresh ADD -> only create lines, no deletes", () => {
    const [v4] = planPortForward({ ...base, mappings: [base.mappings[0]!] });
    expect(addElementsText(v4!, "ctrA").split("\n")).toEqual([
      'create element ip cni_hostport tscni_hostports { tcp . 8080 comment "ctrA" : 10.88.0.2 . 80 }',
      'create element ip cni_hostport tscni_hairpin { 10.88.0.2 . 10.88.0.2 comment "ctrA" }',
      'create element ip cni_hostport tscni_localhost { 10.88.0.2 comment "ctrA" }',
    ]);
  });
  it("generate: held keys -> own DNAT re-created, stale masq taken over, own masq left", () => {
    const [v4] = planPortForward({ ...base, mappings: [base.mappings[0]!] });
    const text = addElementsText(v4!, "ctrA", { ownDnat: v4!.dnat, staleMasq: [v4!.masq[0]!], ownMasq: [v4!.masq[1]!] });
    expect(text.split("\n")).toEqual([
      "delete element ip cni_hostport tscni_hostports { tcp . 8080 }",
      "delete element ip cni_hostport tscni_hairpin { 10.88.0.2 . 10.88.0.2 }",
      'create element ip cni_hostport tscni_hostports { tcp . 8080 comment "ctrA" : 10.88.0.2 . 80 }',
      'create element ip cni_hostport tscni_hairpin { 10.88.0.2 . 10.88.0.2 comment "ctrA" }',
    ]);
  });
});

describe("portmapSkeletonText", () => {
  it("generate: conditions -> before the fib check in prerouting and output", () => {
    const text = portmapSkeletonText("ip", ["ip", "daddr", "!=", "{ 127.0.0.0/8 }"], false);
    expect(text).toMatch(/add rule ip cni_hostport prerouting ip daddr != \{ 127\.0\.0\.0\/8 \} fib daddr type local jump hostports_all/);
    expect(text).toMatch(/add rule ip cni_hostport output ip daddr != \{ 127\.0\.0\.0\/8 \} fib daddr type local jump hostports_all/);
    expect(text).not.toContain("map @tscni_hostports");
  });
  it("generate: withLookupRules -> map lookups in hostports, ip6 without the localhost set", () => {
    const v6 = portmapSkeletonText("ip6", [], true);
    expect(v6).toContain("add rule ip6 cni_hostport hostports dnat ip6 addr . port to meta l4proto . th dport map @tscni_hostports");
    expect(v6).not.toContain("tscni_localhost");
  });
  it.each([["ip daddr 1.2.3.4; flush ruleset"], ["a\nflush ruleset"], ["# x"]])("generate: condition %j -> FirewallInputError", (c) => {
    expect(() => conditionsText([c])).toThrow(FirewallInputError);
  });
});

describe("listedElementsOf", () => {
  it("elements: map and set bytes of both families -> key, value and comment as nft text", () => {
    const map = [mapElem(["tcp", 8080], ["10.0.0.2", 80], "ctr1"), mapElem(["10.0.0.1", "udp", 53], ["10.0.0.2", 5353])];
    expect(listedElementsOf("ip", "tscni_hostports", [map[0]!])).toEqual([{ key: "tcp . 8080", value: "10.0.0.2 . 80", comment: "ctr1" }]);
    expect(listedElementsOf("ip", "tscni_hostip_hostports", [map[1]!])).toEqual([{ key: "10.0.0.1 . udp . 53", value: "10.0.0.2 . 5353", comment: undefined }]);
    expect(listedElementsOf("ip", "tscni_hairpin", [setElem(["10.0.0.2", "10.0.0.2"], "ctr1")])).toEqual([
      { key: "10.0.0.2 . 10.0.0.2", value: undefined, comment: "ctr1" },
    ]);
    expect(listedElementsOf("ip6", "tscni_masq_all", [setElem(["fd00:88::2"], "c")])).toEqual([{ key: "fd00:88::2", value: undefined, comment: "c" }]);
  });
  it("elements: bytes not of the declared shape (or an unknown set) -> skipped, never named in a command", () => {
    expect(listedElementsOf("ip", "tscni_hostports", [setElem(["10.0.0.2"], "x")])).toEqual([]);
    expect(listedElementsOf("ip6", "tscni_hairpin", [setElem(["10.0.0.2", "10.0.0.2"])])).toEqual([]);
    expect(listedElementsOf("ip", "other_set", [setElem(["10.0.0.2"])])).toEqual([]);
  });
});
