import { describe, expect, it } from "vitest";
import { checkPortForward, setupPortForward, teardownPortForward } from "../../../../shared/firewall/portmap.ts";
import { FirewallCheckError, PortConflictError, type PortForwardSetup } from "../../../../shared/firewall/types.ts";
import { FAIL, fakeNft, OK } from "./fake-nft.ts";

const setup: PortForwardSetup = {
  containerId: "ctrB",
  containerIPs: ["10.88.0.3"],
  snat: true,
  masqAll: false,
  mappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }],
};

/** A v4 table as listed after tscni set it up, with ctrA holding tcp/8080 and a reference rule for ctrA. */
function v4Table(elements: { any?: unknown[]; hairpin?: unknown[]; localhost?: unknown[] } = {}) {
  const rule = (chain: string, handle: number, comment: string | undefined, expr: unknown[] = []) =>
    ({ rule: { family: "ip", table: "cni_hostport", chain, handle, comment, expr } });
  const jumpAll = [{ jump: { target: "hostports_all" } }];
  const entry = "tscni portmap conditions cf83e1357eefb8bd";
  return {
    ok: true, error: "",
    items: [
      { table: { family: "ip", name: "cni_hostport" } },
      ...["hostports", "hostip_hostports", "hostports_all", "prerouting", "output", "masquerading"].map((name) => ({ chain: { name } })),
      { map: { name: "tscni_hostports", elem: elements.any ?? [] } },
      { map: { name: "tscni_hostip_hostports" } },
      { set: { name: "tscni_hairpin", elem: elements.hairpin ?? [] } },
      { set: { name: "tscni_localhost", elem: elements.localhost ?? [] } },
      { set: { name: "tscni_masq_all" } },
      rule("prerouting", 10, entry, jumpAll), rule("output", 11, entry, jumpAll),
      rule("hostports_all", 12, undefined, [{ jump: { target: "hostip_hostports" } }]),
      rule("hostports_all", 13, undefined, [{ jump: { target: "hostports" } }]),
      rule("hostports", 14, "tscni portmap"), rule("hostports", 15, "tscni portmap"),
      rule("hostports", 16, "ctrA"),
    ],
  };
}
const held = (key: unknown[], owner: string, value: unknown[]) => [{ elem: { val: { concat: key }, comment: owner } }, { concat: value }];

describe("setupPortForward", () => {
  it("setup: free ports -> one run of create element lines, no listing", () => {
    const nft = fakeNft({ runs: [OK] });
    setupPortForward(nft, setup);
    expect(nft.lists).toEqual([]);
    expect(nft.runs).toHaveLength(1);
    expect(nft.runs[0]).toMatch(/^create element ip cni_hostport tscni_hostports \{ tcp \. 8080 comment "ctrB" : 10\.88\.0\.3 \. 80 \}/);
    expect(nft.runs[0]).not.toContain("delete");
  });
  it("setup: port held by ctrA -> PortConflictError naming ctrA, nothing applied", () => {
    const nft = fakeNft({ runs: [FAIL], lists: { "table ip cni_hostport": v4Table({ any: [held(["tcp", 8080], "ctrA", ["10.88.0.2", 80])] }) } });
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
  it("setup: first use (no table) -> skeleton with lookup rules, then the elements, in one run", () => {
    const nft = fakeNft({ runs: [FAIL, OK], lists: { tables: { ok: true, items: [], error: "" } } });
    setupPortForward(nft, setup);
    expect(nft.runs).toHaveLength(2);
    expect(nft.runs[1]).toContain("add table ip cni_hostport");
    expect(nft.runs[1]).toContain("map @tscni_hostports");
    expect(nft.runs[1]).toContain('create element ip cni_hostport tscni_hostports { tcp . 8080 comment "ctrB"');
  });
  it("setup: hairpin entry left by a previous owner of the IP -> taken over, skeleton untouched", () => {
    const stale = [{ elem: { val: { concat: ["10.88.0.3", "10.88.0.3"] }, comment: "gone" } }];
    const nft = fakeNft({ runs: [FAIL, OK], lists: { "table ip cni_hostport": v4Table({ hairpin: stale }) } });
    setupPortForward(nft, setup);
    expect(nft.runs[1]).not.toContain("add table");
    expect(nft.runs[1]).toContain("delete element ip cni_hostport tscni_hairpin { 10.88.0.3 . 10.88.0.3 }");
    expect(nft.runs[1]).toContain('create element ip cni_hostport tscni_hairpin { 10.88.0.3 . 10.88.0.3 comment "ctrB" }');
  });
});

describe("teardownPortForward", () => {
  it("teardown: ctrA holds an element and a reference rule -> deletes exactly those, not ctrB's", () => {
    const nft = fakeNft({
      lists: { "table ip cni_hostport": v4Table({ any: [held(["tcp", 8080], "ctrA", ["10.88.0.2", 80]), held(["tcp", 9090], "ctrB", ["10.88.0.3", 90])] }), tables: { ok: true, items: [], error: "" } },
    });
    teardownPortForward(nft, "ctrA");
    expect(nft.runs).toEqual([
      "delete element ip cni_hostport tscni_hostports { tcp . 8080 }\ndelete rule ip cni_hostport hostports handle 16",
    ]);
  });
  it("teardown: nothing tagged -> no run", () => {
    const nft = fakeNft({ lists: { "table ip cni_hostport": v4Table(), tables: { ok: true, items: [], error: "" } } });
    teardownPortForward(nft, "ctrZ");
    expect(nft.runs).toEqual([]);
  });
});

describe("checkPortForward", () => {
  it("check: element owned and pointing at the container -> passes", () => {
    const hp = [{ elem: { val: { concat: ["10.88.0.3", "10.88.0.3"] }, comment: "ctrB" } }];
    const lh = [{ elem: { val: "10.88.0.3", comment: "ctrB" } }];
    const t = v4Table({ any: [held(["tcp", 8080], "ctrB", ["10.88.0.3", 80])], hairpin: hp, localhost: lh });
    const nft = fakeNft({ lists: { "table ip cni_hostport": t } });
    expect(() => checkPortForward(nft, setup)).not.toThrow();
  });
  it("check: localhost entry missing -> FirewallCheckError", () => {
    const hp = [{ elem: { val: { concat: ["10.88.0.3", "10.88.0.3"] }, comment: "ctrB" } }];
    const nft = fakeNft({ lists: { "table ip cni_hostport": v4Table({ any: [held(["tcp", 8080], "ctrB", ["10.88.0.3", 80])], hairpin: hp }) } });
    expect(() => checkPortForward(nft, setup)).toThrow(/tscni_localhost/);
  });
  it("check: element points at another port -> FirewallCheckError", () => {
    const nft = fakeNft({ lists: { "table ip cni_hostport": v4Table({ any: [held(["tcp", 8080], "ctrB", ["10.88.0.3", 81])] }) } });
    expect(() => checkPortForward(nft, setup)).toThrow(FirewallCheckError);
  });
});
