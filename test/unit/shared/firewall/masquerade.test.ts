import { describe, expect, it } from "vitest";
import { masqComment } from "../../../../shared/firewall/hash.ts";
import { checkIPMasq, gcIPMasq, setupIPMasq, teardownIPMasq } from "../../../../shared/firewall/masquerade.ts";
import { FirewallCheckError, FirewallError, type NftRuleInfo } from "../../../../shared/firewall/types.ts";
import { FAIL, fakeNft, gotoExpr, masqExprs, OK } from "./fake-nft.ts";

const a1 = { network: "mynet", ifname: "eth0", containerId: "c1" };
const a2 = { network: "mynet", ifname: "eth0", containerId: "c2" };

const MASQ = "inet cni_plugins_masquerade masq_checks";
const POST = "inet cni_plugins_masquerade postrouting";

const rule = (handle: number, comment: string | undefined, exprs: NftRuleInfo["exprs"] = []): NftRuleInfo => ({ handle, comment, exprs });

describe("setupIPMasq", () => {
  const intactBase = { [POST]: [rule(1, undefined), rule(2, undefined), rule(3, undefined, [gotoExpr("masq_checks")])] };
  it("setup: base chain intact -> one read of postrouting, one run with the rules only, no skeleton", () => {
    const nft = fakeNft({ runs: [OK], chains: intactBase });
    setupIPMasq(nft, { ...a1, ips: [{ address: "10.88.0.2/24" }] });
    expect(nft.runs).toHaveLength(1);
    expect(nft.runs[0]).not.toContain("add table");
    expect(nft.reads).toEqual([`rules ${POST}`]);
  });
  it("setup: base chain flushed from outside (table and chains still there) -> skeleton declared again with the rules", () => {
    const nft = fakeNft({ runs: [OK], chains: { [POST]: [], [MASQ]: [] } });
    setupIPMasq(nft, { ...a1, ips: [{ address: "10.88.0.2/24" }] });
    expect(nft.runs).toHaveLength(1);
    expect(nft.runs[0]).toContain("goto masq_checks");
    expect(nft.runs[0]).toContain("ip saddr 10.88.0.2 ip daddr != 10.88.0.0/24 masquerade");
  });
  it("setup: no table (first use, or flush ruleset) -> one run declaring skeleton and rules together", () => {
    const nft = fakeNft({ runs: [OK] });
    setupIPMasq(nft, { ...a1, ips: [{ address: "10.88.0.2/24" }] });
    expect(nft.runs).toHaveLength(1);
    expect(nft.runs[0]).toContain("add table inet cni_plugins_masquerade");
    expect(nft.runs[0]).toContain("ip saddr 10.88.0.2 ip daddr != 10.88.0.0/24 masquerade");
  });
  it("setup: base intact but the rules alone fail (a race) -> second run declares skeleton and rules together", () => {
    const nft = fakeNft({ runs: [FAIL, OK], chains: intactBase });
    setupIPMasq(nft, { ...a1, ips: [{ address: "10.88.0.2/24" }] });
    expect(nft.runs).toHaveLength(2);
    expect(nft.runs[1]).toContain("add table inet cni_plugins_masquerade");
  });
  it("setup: both runs fail -> FirewallError", () => {
    const nft = fakeNft({ runs: [FAIL, FAIL], chains: intactBase });
    expect(() => setupIPMasq(nft, { ...a1, ips: [{ address: "10.88.0.2/24" }] })).toThrow(FirewallError);
  });
});

describe("teardownIPMasq", () => {
  it("teardown: rules of two attachments and another network -> deletes only this attachment's handles, one chain read", () => {
    const nft = fakeNft({
      chains: {
        [MASQ]: [rule(4, masqComment("mynet", "eth0", "c1")), rule(5, masqComment("mynet", "eth0", "c2")),
          rule(6, masqComment("mynet", "eth0", "c1")), rule(7, masqComment("othernet", "eth0", "c1")), rule(8, undefined)],
      },
    });
    teardownIPMasq(nft, a1);
    expect(nft.runs).toEqual([
      "delete rule inet cni_plugins_masquerade masq_checks handle 4\ndelete rule inet cni_plugins_masquerade masq_checks handle 6",
    ]);
    expect(nft.reads).toEqual([`rules ${MASQ}`]);
  });
  it("teardown: table missing -> no run, no error", () => {
    const nft = fakeNft();
    teardownIPMasq(nft, a1);
    expect(nft.runs).toEqual([]);
  });
  it("teardown: the chain read fails -> the error propagates, nothing deleted", () => {
    const nft = fakeNft({ chains: { [MASQ]: [rule(4, masqComment("mynet", "eth0", "c1"))] }, failing: [MASQ] });
    expect(() => teardownIPMasq(nft, a1)).toThrow(/failed/);
    expect(nft.runs).toEqual([]);
  });
  it("teardown: delete batch fails twice (concurrent change) -> re-read once, then FirewallError", () => {
    const nft = fakeNft({ runs: [FAIL, FAIL], chains: { [MASQ]: [rule(4, masqComment("mynet", "eth0", "c1"))] } });
    expect(() => teardownIPMasq(nft, a1)).toThrow(FirewallError);
    expect(nft.reads).toEqual([`rules ${MASQ}`, `rules ${MASQ}`]);
  });
});

describe("gcIPMasq", () => {
  it("gc: valid c2 only -> deletes c1 of this network, keeps c2 and other networks", () => {
    const nft = fakeNft({
      chains: {
        [MASQ]: [rule(4, masqComment("mynet", "eth0", "c1")), rule(5, masqComment("mynet", "eth0", "c2")),
          rule(7, masqComment("othernet", "eth0", "c1"))],
      },
    });
    gcIPMasq(nft, "mynet", [{ containerId: "c2", ifname: "eth0" }]);
    expect(nft.runs).toEqual(["delete rule inet cni_plugins_masquerade masq_checks handle 4"]);
  });
  it("gc: everything valid -> no run", () => {
    const nft = fakeNft({ chains: { [MASQ]: [rule(5, masqComment("mynet", "eth0", "c2"))] } });
    gcIPMasq(nft, "mynet", [a2]);
    expect(nft.runs).toEqual([]);
  });
});

describe("checkIPMasq", () => {
  const post = [rule(1, undefined, [gotoExpr("masq_checks")])];
  const c1 = masqComment("mynet", "eth0", "c1");
  it("check: matching v4 and v6 rules with the attachment's comment -> passes", () => {
    const nft = fakeNft({
      chains: { [POST]: post, [MASQ]: [rule(4, c1, masqExprs("10.88.0.2", "10.88.0.0", 24)), rule(5, c1, masqExprs("fd00::2", "fd00::", 64))] },
    });
    expect(() => checkIPMasq(nft, { ...a1, ips: [{ address: "10.88.0.2/24" }, { address: "fd00::2/64" }] })).not.toThrow();
  });
  it("check: non-byte-aligned prefix (bitwise mask) -> recognised", () => {
    const exprs = masqExprs("10.80.0.5", "10.80.0.0", 24);
    exprs.splice(5, 0, { name: "bitwise", sreg: 1, dreg: 1, len: 3, mask: new Uint8Array([255, 240, 0]), xor: new Uint8Array(3) });
    const nft = fakeNft({ chains: { [POST]: post, [MASQ]: [rule(4, c1, exprs)] } });
    expect(() => checkIPMasq(nft, { ...a1, ips: [{ address: "10.80.0.5/12" }] })).not.toThrow();
    expect(() => checkIPMasq(nft, { ...a1, ips: [{ address: "10.80.0.5/24" }] })).toThrow(FirewallCheckError);
  });
  it("check: rule exists under another attachment's comment -> FirewallCheckError", () => {
    const nft = fakeNft({ chains: { [POST]: post, [MASQ]: [rule(4, masqComment("mynet", "eth0", "c2"), masqExprs("10.88.0.2", "10.88.0.0", 24))] } });
    expect(() => checkIPMasq(nft, { ...a1, ips: [{ address: "10.88.0.2/24" }] })).toThrow(FirewallCheckError);
  });
  it("check: rule for another subnet -> FirewallCheckError", () => {
    const nft = fakeNft({ chains: { [POST]: post, [MASQ]: [rule(4, c1, masqExprs("10.88.0.2", "10.88.0.0", 16))] } });
    expect(() => checkIPMasq(nft, { ...a1, ips: [{ address: "10.88.0.2/24" }] })).toThrow(FirewallCheckError);
  });
  it("check: postrouting does not reach masq_checks -> FirewallCheckError", () => {
    const nft = fakeNft({ chains: { [MASQ]: [rule(4, c1, masqExprs("10.88.0.2", "10.88.0.0", 24))] } });
    expect(() => checkIPMasq(nft, { ...a1, ips: [{ address: "10.88.0.2/24" }] })).toThrow(/postrouting/);
  });
});
