import { describe, expect, it } from "vitest";
import { checkPortForward, findPortConflicts, setupPortForward, teardownPortForward } from "../../../../shared/firewall/portmap.ts";
import { FirewallCheckError, PortConflictError, type NftElementInfo, type NftRuleInfo, type PortForwardSetup } from "../../../../shared/firewall/types.ts";
import { FAIL, fakeNft, jumpExpr, mapElem, OK, setElem, type FakeState } from "./fake-nft.ts";

const setup: PortForwardSetup = {
  containerId: "ctrB",
  containerIPs: ["10.88.0.3"],
  snat: true,
  masqAll: false,
  mappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }],
};

const T = "ip cni_hostport";
const rule = (handle: number, comment: string | undefined, exprs: NftRuleInfo["exprs"] = []): NftRuleInfo => ({ handle, comment, exprs });

/** A v4 table as tscni sets it up, plus a reference rule for ctrA in hostports. */
function v4Table(elements: { any?: NftElementInfo[]; hairpin?: NftElementInfo[]; localhost?: NftElementInfo[] } = {}): FakeState {
  const entry = "tscni portmap conditions cf83e1357eefb8bd";
  return {
    chains: {
      [`${T} prerouting`]: [rule(10, entry, [jumpExpr("hostports_all")])],
      [`${T} output`]: [rule(11, entry, [jumpExpr("hostports_all")])],
      [`${T} hostports_all`]: [rule(12, undefined, [jumpExpr("hostip_hostports")]), rule(13, undefined, [jumpExpr("hostports")])],
      [`${T} hostports`]: [rule(14, "tscni portmap"), rule(15, "tscni portmap"), rule(16, "ctrA")],
      [`${T} hostip_hostports`]: [],
      [`${T} masquerading`]: [20, 21, 22, 23, 24].map((h) => rule(h, "tscni portmap")),
    },
    sets: {
      [`${T} tscni_hostports`]: elements.any ?? [],
      [`${T} tscni_hostip_hostports`]: [],
      [`${T} tscni_hairpin`]: elements.hairpin ?? [],
      [`${T} tscni_localhost`]: elements.localhost ?? [],
      [`${T} tscni_masq_all`]: [],
    },
  };
}

describe("setupPortForward", () => {
  it("setup: free ports, structure intact -> one table-wide rule read, one run of create element lines", () => {
    const nft = fakeNft({ runs: [OK], ...v4Table() });
    setupPortForward(nft, setup);
    expect(nft.reads).toEqual([`tableRules ${T}`]);
    expect(nft.runs).toHaveLength(1);
    expect(nft.runs[0]).toMatch(/^create element ip cni_hostport tscni_hostports \{ tcp \. 8080 comment "ctrB" : 10\.88\.0\.3 \. 80 \}/);
    expect(nft.runs[0]).not.toContain("delete");
    expect(nft.locks).toEqual([]);
  });
  it("setup: port held by ctrA -> PortConflictError naming ctrA, nothing applied", () => {
    const nft = fakeNft({ runs: [FAIL], ...v4Table({ any: [mapElem(["tcp", 8080], ["10.88.0.2", 80], "ctrA")] }) });
    let err: unknown;
    try {
      setupPortForward(nft, setup);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PortConflictError);
    expect((err as PortConflictError).conflicts[0]?.ownerContainerId).toBe("ctrA");
    expect((err as Error).message).toContain("ctrA");
    expect(nft.runs).toHaveLength(1);
  });
  it("setup: first use or flush ruleset (no table) -> skeleton with lookup rules, then the elements, in one run; two reads", () => {
    const nft = fakeNft({ runs: [OK] });
    setupPortForward(nft, setup);
    expect(nft.runs).toHaveLength(1);
    expect(nft.runs[0]).toContain("add table ip cni_hostport");
    expect(nft.runs[0]).toContain("map @tscni_hostports");
    expect(nft.runs[0]).toContain('create element ip cni_hostport tscni_hostports { tcp . 8080 comment "ctrB"');
    expect(nft.reads).toEqual([`tableRules ${T}`, `table ${T}`]);
    expect(nft.locks).toEqual([0]); // racing first ADDs on a fresh node each added the lookup rules
  });
  it("setup: nft flush table (chains emptied, maps and elements kept) -> entry chains and lookup rules rebuilt, maps kept", () => {
    const state = v4Table({ any: [mapElem(["tcp", 9999], ["10.88.0.2", 80], "ctrA")] });
    for (const k of Object.keys(state.chains!)) state.chains![k] = [];
    const nft = fakeNft({ runs: [OK], ...state });
    setupPortForward(nft, setup);
    expect(nft.runs).toHaveLength(1);
    expect(nft.runs[0]).toContain("flush chain ip cni_hostport prerouting");
    expect(nft.runs[0]).toContain("jump hostports_all");
    expect(nft.runs[0]).toContain("map @tscni_hostports");
    expect(nft.runs[0]).not.toContain("delete element"); // ctrA's forward stays
    expect(nft.runs[0]).toContain('create element ip cni_hostport tscni_hostports { tcp . 8080 comment "ctrB"');
  });
  it("setup: hostports and masquerading emptied from outside -> tscni's lookup rules added again, nothing deleted, entry chains untouched", () => {
    const state = v4Table();
    state.chains![`${T} hostports`] = [rule(16, "ctrA")];
    state.chains![`${T} masquerading`] = [];
    const nft = fakeNft({ runs: [OK], ...state });
    setupPortForward(nft, setup);
    expect(nft.runs[0]).not.toContain("delete rule");
    expect(nft.runs[0]).toContain("map @tscni_hostports");
    expect(nft.runs[0]).not.toContain("flush chain ip cni_hostport prerouting");
  });
  it("setup: one lookup rule deleted from outside -> left as it is (no delete by handle: concurrent ADDs failed each other's transactions); CHECK reports it", () => {
    const state = v4Table();
    state.chains![`${T} hostports`] = [rule(14, "tscni portmap"), rule(16, "ctrA")];
    const nft = fakeNft({ runs: [OK], ...state });
    setupPortForward(nft, setup);
    expect(nft.runs[0]).not.toContain("delete rule");
    expect(nft.runs[0]).not.toContain("map @tscni_hostports");
    expect(nft.runs[0]).toContain("create element ip cni_hostport");
  });
  it("setup: slow path -> held keys looked up one by one, no set is dumped", () => {
    const nft = fakeNft({ runs: [FAIL, OK], ...v4Table({ any: [mapElem(["tcp", 9999], ["10.88.0.2", 80], "ctrA")] }) });
    setupPortForward(nft, setup);
    expect(nft.reads.filter((r) => r.startsWith("elements"))).toEqual([]);
    expect(nft.reads).toContain(`element ${T} tscni_hostports`);
    expect(nft.runs[1]).toContain('create element ip cni_hostport tscni_hostports { tcp . 8080 comment "ctrB"');
  });
  it("setup: hairpin entry left by a previous owner of the IP -> taken over, skeleton untouched", () => {
    const nft = fakeNft({ runs: [FAIL, OK], ...v4Table({ hairpin: [setElem(["10.88.0.3", "10.88.0.3"], "gone")] }) });
    setupPortForward(nft, setup);
    expect(nft.runs[1]).not.toContain("add table");
    expect(nft.runs[1]).toContain("delete element ip cni_hostport tscni_hairpin { 10.88.0.3 . 10.88.0.3 }");
    expect(nft.runs[1]).toContain('create element ip cni_hostport tscni_hairpin { 10.88.0.3 . 10.88.0.3 comment "ctrB" }');
  });
  it("setup: conditions changed (entry rule comment differs) -> skeleton rewritten without lookup rules", () => {
    const state = v4Table();
    state.chains![`${T} prerouting`] = [rule(10, "tscni portmap conditions 0000000000000000", [jumpExpr("hostports_all")])];
    const nft = fakeNft({ runs: [OK], ...state });
    setupPortForward(nft, { ...setup, conditionsV4: ["iifname eth0"] });
    expect(nft.runs[0]).toContain("flush chain ip cni_hostport prerouting");
    expect(nft.runs[0]).not.toContain("map @tscni_hostports");
  });
});

describe("findPortConflicts", () => {
  it("conflicts: hostIP mapping held by ctrA -> named; own mapping -> not a conflict", () => {
    const nft = fakeNft(v4Table({ any: [mapElem(["tcp", 8080], ["10.88.0.3", 80], "ctrB")] }));
    const held = { ...v4Table(), sets: { ...v4Table().sets, [`${T} tscni_hostip_hostports`]: [mapElem(["192.0.2.1", "udp", 53], ["10.88.0.9", 53], "ctrA")] } };
    const nft2 = fakeNft(held);
    const s2: PortForwardSetup = { ...setup, mappings: [{ hostPort: 53, containerPort: 53, protocol: "udp", hostIP: "192.0.2.1" }] };
    expect(findPortConflicts(nft2, s2)).toEqual([{ family: "ip", protocol: "udp", hostPort: 53, hostIP: "192.0.2.1", ownerContainerId: "ctrA" }]);
    expect(findPortConflicts(nft, setup)).toEqual([]);
  });
});

describe("teardownPortForward", () => {
  it("teardown: ctrA holds an element and a reference rule -> deletes exactly those, not ctrB's", () => {
    const nft = fakeNft(v4Table({ any: [mapElem(["tcp", 8080], ["10.88.0.2", 80], "ctrA"), mapElem(["tcp", 9090], ["10.88.0.3", 90], "ctrB")] }));
    teardownPortForward(nft, "ctrA");
    expect(nft.runs).toEqual([
      "delete element ip cni_hostport tscni_hostports { tcp . 8080 }\ndelete rule ip cni_hostport hostports handle 16",
    ]);
  });
  it("teardown: reads are targeted -> table lookups, our sets and the reference's rule chains only", () => {
    const nft = fakeNft(v4Table());
    teardownPortForward(nft, "ctrZ");
    expect(nft.runs).toEqual([]);
    expect(nft.reads).toEqual([
      `table ${T}`,
      ...["tscni_hostports", "tscni_hostip_hostports", "tscni_hairpin", "tscni_localhost", "tscni_masq_all"].map((s) => `elements ${T} ${s}`),
      ...["hostports", "hostip_hostports", "masquerading"].map((c) => `rules ${T} ${c}`),
      "table ip6 cni_hostport",
    ]);
  });
  it("teardown: v6 element with a host IP -> deleted by its formatted key", () => {
    const nft = fakeNft({ sets: { "ip6 cni_hostport tscni_hostip_hostports": [mapElem(["fd00::1", "tcp", 443], ["fd00:88::3", 8443], "ctrA")] } });
    teardownPortForward(nft, "ctrA");
    expect(nft.runs).toEqual(["delete element ip6 cni_hostport tscni_hostip_hostports { fd00::1 . tcp . 443 }"]);
  });
});

describe("checkPortForward", () => {
  const hp = [setElem(["10.88.0.3", "10.88.0.3"], "ctrB")];
  const lh = [setElem(["10.88.0.3"], "ctrB")];
  it("check: element owned and pointing at the container -> passes", () => {
    const nft = fakeNft(v4Table({ any: [mapElem(["tcp", 8080], ["10.88.0.3", 80], "ctrB")], hairpin: hp, localhost: lh }));
    expect(() => checkPortForward(nft, setup)).not.toThrow();
  });
  it("check: localhost entry missing -> FirewallCheckError", () => {
    const nft = fakeNft(v4Table({ any: [mapElem(["tcp", 8080], ["10.88.0.3", 80], "ctrB")], hairpin: hp }));
    expect(() => checkPortForward(nft, setup)).toThrow(/tscni_localhost/);
  });
  it("check: element points at another port -> FirewallCheckError", () => {
    const nft = fakeNft(v4Table({ any: [mapElem(["tcp", 8080], ["10.88.0.3", 81], "ctrB")], hairpin: hp, localhost: lh }));
    expect(() => checkPortForward(nft, setup)).toThrow(FirewallCheckError);
  });
  it("check: prerouting no longer jumps to hostports_all -> FirewallCheckError", () => {
    const state = v4Table({ any: [mapElem(["tcp", 8080], ["10.88.0.3", 80], "ctrB")], hairpin: hp, localhost: lh });
    state.chains![`${T} prerouting`] = [rule(10, "x", [jumpExpr("elsewhere")])];
    expect(() => checkPortForward(fakeNft(state), setup)).toThrow(/prerouting does not jump/);
  });
});
