// The firewall meta plugin's nft rules over the fake runner: a repeated ADD replaces the container's
// rules instead of adding a second copy, and building shared structure happens under the node's lock.
import { describe, expect, it } from "vitest";
import { containerTag, ingressTag } from "../../../../shared/firewall/forward-rules.ts";
import { setupForwardNft, setupIngressNft } from "../../../../shared/firewall/forward-nft.ts";
import type { ForwardSetup, NftRuleInfo } from "../../../../shared/firewall/types.ts";
import { FAIL, fakeNft, jumpExpr, OK, type FakeState } from "./fake-nft.ts";

const T = "inet cni_firewall";
const s: ForwardSetup = { network: "net1", containerId: "ctrA", ips: ["10.88.0.5"], adminChain: "CNI-ADMIN" };
const tag = containerTag("net1", "ctrA");
const rule = (handle: number, comment: string | undefined, exprs: NftRuleInfo["exprs"] = []): NftRuleInfo => ({ handle, comment, exprs });

/** The table as a first ADD leaves it, plus `own` rules of ctrA and one of another container. */
function table(own: NftRuleInfo[] = []): FakeState {
  return {
    chains: {
      [`${T} forward`]: [rule(1, undefined, [jumpExpr("CNI-ISOLATION-STAGE-1")]), rule(2, undefined, [jumpExpr("CNI-FORWARD")])],
      [`${T} CNI-FORWARD`]: [rule(3, "CNI firewall plugin admin overrides", [jumpExpr("CNI-ADMIN")]), ...own, rule(9, containerTag("net1", "ctrB"))],
      [`${T} CNI-ADMIN`]: [],
      [`${T} CNI-ISOLATION-STAGE-1`]: [],
      [`${T} CNI-ISOLATION-STAGE-2`]: [],
    },
  };
}

describe("setupForwardNft", () => {
  it("add: structure present, no rules of the container -> its three rules added in one run, no lock", () => {
    const nft = fakeNft({ runs: [OK], ...table() });
    setupForwardNft(nft, s, s.ips);
    expect(nft.runs).toHaveLength(1);
    expect(nft.runs[0]!.split("\n")).toHaveLength(3);
    expect(nft.runs[0]).not.toContain("delete");
    expect(nft.locks).toEqual([]);
  });

  it("add: repeated (the container's rules are there) -> those deleted by handle and added again in one run, never a second copy", () => {
    const nft = fakeNft({ runs: [OK], ...table([rule(4, tag), rule(5, tag), rule(6, tag)]) });
    setupForwardNft(nft, s, s.ips);
    expect(nft.runs).toHaveLength(1);
    const lines = nft.runs[0]!.split("\n");
    expect(lines.filter((l) => l.startsWith("delete rule"))).toEqual([4, 5, 6].map((h) => `delete rule ${T} CNI-FORWARD handle ${h}`));
    expect(lines.filter((l) => l.startsWith("add rule"))).toHaveLength(3);
    expect(nft.runs[0]).not.toContain("handle 9");
  });

  it("add: first use (no table) -> skeleton, admin chain and jump, rules in one run, under the node's lock", () => {
    const nft = fakeNft({ runs: [OK] });
    setupForwardNft(nft, s, s.ips);
    expect(nft.locks).toEqual([0]);
    expect(nft.runs).toHaveLength(1);
    expect(nft.runs[0]).toContain("add table inet cni_firewall");
    expect(nft.runs[0]).toContain(`insert rule ${T} CNI-FORWARD jump CNI-ADMIN`);
  });

  it("add: after `nft flush table` (chains there, all empty) -> base jumps and admin jump rebuilt with the rules, under the lock", () => {
    const empty = Object.fromEntries(Object.keys(table().chains!).map((k) => [k, [] as NftRuleInfo[]]));
    const nft = fakeNft({ runs: [OK], chains: empty });
    setupForwardNft(nft, s, s.ips);
    expect(nft.locks).toEqual([0]);
    expect(nft.runs).toHaveLength(1);
    expect(nft.runs[0]).toContain(`add rule ${T} forward jump CNI-FORWARD`);
    expect(nft.runs[0]).toContain(`insert rule ${T} CNI-FORWARD jump CNI-ADMIN`);
    expect(nft.runs[0]).toContain(`add rule ${T} CNI-FORWARD ip saddr 10.88.0.5 accept`);
  });

  it("add: the fast transaction fails (a concurrent DEL) -> read again under the lock, admin jump not inserted twice", () => {
    const nft = fakeNft({ runs: [FAIL, OK], ...table() });
    setupForwardNft(nft, s, s.ips);
    expect(nft.locks).toEqual([1]);
    expect(nft.runs).toHaveLength(2);
    expect(nft.runs[1]).not.toContain("jump CNI-ADMIN");
  });
});

describe("setupIngressNft", () => {
  const p = { network: "net1", bridge: "cni0", policy: "same-bridge" as const, families: ["ip" as const] };

  it("ingress: bridge rules present -> nothing written, no lock", () => {
    const state = table();
    state.chains![`${T} CNI-ISOLATION-STAGE-2`] = [rule(7, ingressTag("net1", "same-bridge", "cni0"))];
    const nft = fakeNft(state);
    setupIngressNft(nft, p);
    expect([nft.runs, nft.locks]).toEqual([[], []]);
  });

  it("ingress: bridge rules missing -> checked again and written under the lock", () => {
    const nft = fakeNft({ runs: [OK], ...table() });
    setupIngressNft(nft, p);
    expect(nft.locks).toEqual([0]);
    expect(nft.reads.filter((r) => r === `rules ${T} CNI-ISOLATION-STAGE-2`)).toHaveLength(2);
    expect(nft.runs).toHaveLength(1);
    expect(nft.runs[0]).toContain('oifname "cni0" drop');
  });
});
