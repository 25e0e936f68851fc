import { describe, expect, it } from "vitest";
import { masqComment } from "../../../../shared/firewall/hash.ts";
import { checkIPMasq, gcIPMasq, setupIPMasq, teardownIPMasq } from "../../../../shared/firewall/masquerade.ts";
import { FirewallCheckError, FirewallError } from "../../../../shared/firewall/types.ts";
import { FAIL, fakeNft, OK } from "./fake-nft.ts";

const a1 = { network: "mynet", ifname: "eth0", containerId: "c1" };
const a2 = { network: "mynet", ifname: "eth0", containerId: "c2" };
const other = { network: "othernet", ifname: "eth0", containerId: "c1" };

function rule(handle: number, comment: string | undefined, chain = "masq_checks", expr: unknown[] = []) {
  return { rule: { family: "inet", table: "cni_plugins_masquerade", chain, handle, comment, expr } };
}

const masqExpr = (ip: string, net: string, len: number) => [
  { match: { op: "==", left: { payload: { protocol: "ip", field: "saddr" } }, right: ip } },
  { match: { op: "!=", left: { payload: { protocol: "ip", field: "daddr" } }, right: { prefix: { addr: net, len } } } },
  { masquerade: null },
];

function listing(items: unknown[]) {
  return { "table inet cni_plugins_masquerade": { ok: true, items, error: "" } };
}

describe("setupIPMasq", () => {
  it("setup: table exists -> one run with the rules only, no listing, no skeleton", () => {
    const nft = fakeNft({ runs: [OK] });
    setupIPMasq(nft, { ...a1, ips: [{ address: "10.88.0.2/24" }] });
    expect(nft.runs).toHaveLength(1);
    expect(nft.runs[0]).not.toContain("add table");
    expect(nft.lists).toEqual([]);
  });
  it("setup: rules alone fail (first use) -> second run declares skeleton and rules together", () => {
    const nft = fakeNft({ runs: [FAIL, OK] });
    setupIPMasq(nft, { ...a1, ips: [{ address: "10.88.0.2/24" }] });
    expect(nft.runs).toHaveLength(2);
    expect(nft.runs[1]).toContain("add table inet cni_plugins_masquerade");
    expect(nft.runs[1]).toContain("ip saddr 10.88.0.2 ip daddr != 10.88.0.0/24 masquerade");
  });
  it("setup: both runs fail -> FirewallError", () => {
    const nft = fakeNft({ runs: [FAIL, FAIL] });
    expect(() => setupIPMasq(nft, { ...a1, ips: [{ address: "10.88.0.2/24" }] })).toThrow(FirewallError);
  });
});

describe("teardownIPMasq", () => {
  it("teardown: rules of two attachments and another network -> deletes only this attachment's handles", () => {
    const nft = fakeNft({
      lists: listing([rule(4, masqComment("mynet", "eth0", "c1")), rule(5, masqComment("mynet", "eth0", "c2")),
        rule(6, masqComment("mynet", "eth0", "c1")), rule(7, masqComment("othernet", "eth0", "c1")), rule(8, undefined)]),
    });
    teardownIPMasq(nft, a1);
    expect(nft.runs).toEqual([
      "delete rule inet cni_plugins_masquerade masq_checks handle 4\ndelete rule inet cni_plugins_masquerade masq_checks handle 6",
    ]);
  });
  it("teardown: table missing -> no run, no error", () => {
    const nft = fakeNft({ lists: { tables: { ok: true, items: [], error: "" } } });
    teardownIPMasq(nft, a1);
    expect(nft.runs).toEqual([]);
  });
  it("teardown: listing fails although the table exists -> FirewallError", () => {
    const nft = fakeNft({ lists: { tables: { ok: true, items: [{ table: { family: "inet", name: "cni_plugins_masquerade" } }], error: "" } } });
    expect(() => teardownIPMasq(nft, a1)).toThrow(FirewallError);
  });
});

describe("gcIPMasq", () => {
  it("gc: valid c2 only -> deletes c1 of this network, keeps c2 and other networks", () => {
    const nft = fakeNft({
      lists: listing([rule(4, masqComment("mynet", "eth0", "c1")), rule(5, masqComment("mynet", "eth0", "c2")),
        rule(7, masqComment("othernet", "eth0", "c1"))]),
    });
    gcIPMasq(nft, "mynet", [{ containerId: "c2", ifname: "eth0" }]);
    expect(nft.runs).toEqual(["delete rule inet cni_plugins_masquerade masq_checks handle 4"]);
  });
  it("gc: everything valid -> no run", () => {
    const nft = fakeNft({ lists: listing([rule(5, masqComment("mynet", "eth0", "c2"))]) });
    gcIPMasq(nft, "mynet", [a2]);
    expect(nft.runs).toEqual([]);
  });
});

describe("checkIPMasq", () => {
  const goto = rule(1, undefined, "postrouting", [{ goto: { target: "masq_checks" } }]);
  it("check: matching rule with the attachment's comment -> passes", () => {
    const nft = fakeNft({ lists: listing([goto, rule(4, masqComment("mynet", "eth0", "c1"), "masq_checks", masqExpr("10.88.0.2", "10.88.0.0", 24))]) });
    expect(() => checkIPMasq(nft, { ...a1, ips: [{ address: "10.88.0.2/24" }] })).not.toThrow();
  });
  it("check: rule exists under another attachment's comment -> FirewallCheckError", () => {
    const nft = fakeNft({ lists: listing([goto, rule(4, masqComment("mynet", "eth0", "c2"), "masq_checks", masqExpr("10.88.0.2", "10.88.0.0", 24))]) });
    expect(() => checkIPMasq(nft, { ...a1, ips: [{ address: "10.88.0.2/24" }] })).toThrow(FirewallCheckError);
  });
  it("check: postrouting does not reach masq_checks -> FirewallCheckError", () => {
    const nft = fakeNft({ lists: listing([rule(4, masqComment("mynet", "eth0", "c1"), "masq_checks", masqExpr("10.88.0.2", "10.88.0.0", 24))]) });
    expect(() => checkIPMasq(nft, { ...a1, ips: [{ address: "10.88.0.2/24" }] })).toThrow(/postrouting/);
  });
});
