import { describe, expect, it } from "vitest";
import { checkSpoofCheck, gcSpoofCheck, setupSpoofCheck, spoofComment, spoofSetupText, teardownSpoofCheck } from "../../../../shared/firewall/spoofcheck.ts";
import { FirewallInputError } from "../../../../shared/firewall/nft-text.ts";
import { FirewallCheckError, FirewallError, type NftExpr } from "../../../../shared/firewall/types.ts";
import { FAIL, fakeNft } from "./fake-nft.ts";

const BASE = "bridge nat PREROUTING";
const chainOf = (id: string) => `bridge nat cni-br-iface-${id}`;
const S = { hostIface: "veth1a2b3c4d", mac: "0a:58:0a:58:00:05", uniqueId: "c1-eth0" };

/** `iifname "<name>"` as the kernel returns it: meta load into reg 1, cmp eq with the NUL-padded name. */
function iifname(name: string): NftExpr[] {
  const data = new Uint8Array(16);
  data.set(new TextEncoder().encode(name));
  return [{ name: "meta", key: 6, dreg: 1 }, { name: "cmp", sreg: 1, op: 0, data }, { name: "immediate", dreg: 0 }];
}

describe("macspoofchk through an nft runner", () => {
  it("setup: one transaction: table, base chain, per-attachment chain (flushed), MAC return, drop, tagged jump", () => {
    const nft = fakeNft();
    setupSpoofCheck(nft, S);
    expect(nft.runs).toEqual([spoofSetupText(S)]);
    expect(nft.runs[0]).toContain(`add rule bridge nat PREROUTING iifname "veth1a2b3c4d" jump cni-br-iface-c1-eth0 comment "macspoofchk-c1-eth0"`);
    expect(nft.runs[0]).toContain("add rule bridge nat cni-br-iface-c1-eth0 ether saddr 0a:58:0a:58:00:05 return");
  });
  it("setup: a MAC or interface name that could break out of the command -> FirewallInputError, nothing run", () => {
    const nft = fakeNft();
    expect(() => setupSpoofCheck(nft, { ...S, mac: "0a:58:0a:58:00:05 drop" })).toThrow(FirewallInputError);
    expect(() => setupSpoofCheck(nft, { ...S, hostIface: 'x" accept' })).toThrow(FirewallInputError);
    expect(() => setupSpoofCheck(nft, { ...S, uniqueId: "c1 ; flush ruleset" })).toThrow(FirewallInputError);
    expect(nft.runs).toEqual([]);
  });
  it("setup: nft refuses -> FirewallError", () => {
    expect(() => setupSpoofCheck(fakeNft({ runs: [FAIL] }), S)).toThrow(FirewallError);
  });
  it("teardown: jump of this attachment among others + its chain -> both deleted in one run, others kept", () => {
    const nft = fakeNft({
      chains: {
        [BASE]: [{ handle: 3, comment: spoofComment("c1-eth0") }, { handle: 4, comment: spoofComment("c2-eth0") }, { handle: 5, comment: spoofComment("c1-eth0") }],
        [chainOf("c1-eth0")]: [],
      },
    });
    teardownSpoofCheck(nft, "c1-eth0");
    expect(nft.runs).toEqual(["delete rule bridge nat PREROUTING handle 3\ndelete rule bridge nat PREROUTING handle 5\ndelete chain bridge nat cni-br-iface-c1-eth0"]);
    expect(nft.reads).toEqual([`rules ${BASE}`, `chain ${chainOf("c1-eth0")}`]);
  });
  it("teardown: nothing set up (no table) -> no run", () => {
    const nft = fakeNft();
    teardownSpoofCheck(nft, "c1-eth0");
    expect(nft.runs).toEqual([]);
  });
  it("teardown: nft refuses the batch -> FirewallError", () => {
    const nft = fakeNft({ runs: [FAIL], chains: { [chainOf("c1-eth0")]: [] } });
    expect(() => teardownSpoofCheck(nft, "c1-eth0")).toThrow(FirewallError);
  });
  it("check: jump with the exact comment -> passes; only a longer id's jump -> FirewallCheckError", () => {
    expect(() => checkSpoofCheck(fakeNft({ chains: { [BASE]: [{ handle: 3, comment: spoofComment("c1-eth0") }] } }), "c1-eth0")).not.toThrow();
    expect(() => checkSpoofCheck(fakeNft({ chains: { [BASE]: [{ handle: 3, comment: spoofComment("c1-eth0x") }] } }), "c1-eth0")).toThrow(FirewallCheckError);
  });
  it("gc: entries judged stale (with the port their jump matches) -> their jumps and chains deleted in one run; others kept", () => {
    const nft = fakeNft({
      chains: {
        [BASE]: [
          { handle: 3, comment: spoofComment("gone-eth0"), exprs: iifname("vethdead0001") },
          { handle: 4, comment: spoofComment("live-eth0"), exprs: iifname("vethlive0001") },
          { handle: 5, comment: "someone else's rule" },
        ],
        [chainOf("gone-eth0")]: [],
        [chainOf("live-eth0")]: [],
      },
    });
    const seen: unknown[] = [];
    gcSpoofCheck(nft, (e) => (seen.push(e), e.hostIface === "vethdead0001"));
    expect(seen).toEqual([{ uniqueId: "gone-eth0", hostIface: "vethdead0001" }, { uniqueId: "live-eth0", hostIface: "vethlive0001" }]);
    expect(nft.runs).toEqual(["delete rule bridge nat PREROUTING handle 3\ndelete chain bridge nat cni-br-iface-gone-eth0"]);
  });
  it("gc: nothing stale -> no run", () => {
    const nft = fakeNft({ chains: { [BASE]: [{ handle: 4, comment: spoofComment("live-eth0"), exprs: iifname("v") }] } });
    gcSpoofCheck(nft, () => false);
    expect(nft.runs).toEqual([]);
  });
});
