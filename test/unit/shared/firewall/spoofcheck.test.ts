// macspoofchk over a fake nft runner: setup text (hash-named chain, tagged jump), teardown of the
// current and the earlier (containerID-ifname) naming, CHECK of either, GC by network and valid list.
import { describe, expect, it } from "vitest";
import { masqInstanceHash } from "../../../../shared/firewall/hash.ts";
import {
  checkSpoofCheck, gcSpoofCheck, setupSpoofCheck, spoofChainName, spoofComment, spoofSetupText, teardownSpoofCheck,
} from "../../../../shared/firewall/spoofcheck.ts";
import { FirewallInputError } from "../../../../shared/firewall/nft-text.ts";
import { FirewallCheckError, FirewallError, type NftExpr } from "../../../../shared/firewall/types.ts";
import { FAIL, fakeNft } from "./fake-nft.ts";

const BASE = "bridge nat PREROUTING";
const A = { network: "net1", containerId: "c1", ifname: "eth0" };
const S = { ...A, hostIface: "veth1a2b3c4d", mac: "0a:58:0a:58:00:05" };
const HASH = masqInstanceHash("net1", "eth0", "c1");
const chainKey = (name: string) => `bridge nat ${name}`;
const legacyComment = (id: string) => `macspoofchk-${id}`;

/** `iifname "<name>"` as the kernel returns it: meta load into reg 1, cmp eq with the NUL-padded name. */
function iifname(name: string): NftExpr[] {
  const data = new Uint8Array(16);
  data.set(new TextEncoder().encode(name));
  return [{ name: "meta", key: 6, dreg: 1 }, { name: "cmp", sreg: 1, op: 0, data }, { name: "immediate", dreg: 0 }];
}

describe("macspoofchk through an nft runner", () => {
  it("setup: one transaction: table, base chain, hash-named chain (flushed), MAC return, drop, jump tagged with the attachment", () => {
    const nft = fakeNft();
    setupSpoofCheck(nft, S);
    expect(nft.runs).toEqual([spoofSetupText(S)]);
    expect(spoofChainName(A)).toBe(`cni-br-iface-${HASH}`);
    expect(spoofComment(A)).toBe(`macspoofchk-${HASH}, net: net1, if: eth0, id: c1`);
    expect(nft.runs[0]).toContain(`add rule bridge nat PREROUTING iifname "veth1a2b3c4d" jump cni-br-iface-${HASH} comment "macspoofchk-${HASH}, net: net1, if: eth0, id: c1"`);
    expect(nft.runs[0]).toContain(`add rule bridge nat cni-br-iface-${HASH} ether saddr 0a:58:0a:58:00:05 return`);
  });

  it("setup: container ID of 300 characters, ifname with non-ASCII, quote and backslash -> a 46-character chain, a comment of at most 128 bytes without quote", () => {
    const odd = { ...S, containerId: "c".repeat(300), ifname: 'é"\\x' };
    const text = spoofSetupText(odd);
    expect(spoofChainName(odd)).toMatch(/^cni-br-iface-[0-9a-f]{16}-[0-9a-f]{16}$/);
    const comment = spoofComment(odd);
    expect(new TextEncoder().encode(comment).length).toBeLessThanOrEqual(128);
    expect(comment).toMatch(/^macspoofchk-[0-9a-f]{16}-[0-9a-f]{16}, net: net1, if: é\\x, id: c+$/);
    expect(text).toContain(`comment "${comment}"`);
  });

  it("setup: a MAC or host interface name that could break out of the command -> FirewallInputError, nothing run", () => {
    const nft = fakeNft();
    expect(() => setupSpoofCheck(nft, { ...S, mac: "0a:58:0a:58:00:05 drop" })).toThrow(FirewallInputError);
    expect(() => setupSpoofCheck(nft, { ...S, hostIface: 'x" accept' })).toThrow(FirewallInputError);
    expect(nft.runs).toEqual([]);
  });

  it("setup: nft refuses -> FirewallError", () => {
    expect(() => setupSpoofCheck(fakeNft({ runs: [FAIL] }), S)).toThrow(FirewallError);
  });

  it("teardown: this attachment's jumps (both namings) and chains (with the reference's -mac chain) deleted in one run; others kept", () => {
    const nft = fakeNft({
      chains: {
        [BASE]: [
          { handle: 3, comment: spoofComment(A) },
          { handle: 4, comment: spoofComment({ ...A, containerId: "c2" }) },
          { handle: 5, comment: legacyComment("c1-eth0") },
          { handle: 6, comment: legacyComment("c1-eth0x") },
          { handle: 7, comment: spoofComment({ ...A, network: "net2" }) },
        ],
        [chainKey(spoofChainName(A))]: [],
        [chainKey("cni-br-iface-c1-eth0")]: [],
        [chainKey("cni-br-iface-c1-eth0-mac")]: [],
      },
    });
    teardownSpoofCheck(nft, A);
    expect(nft.runs).toEqual([
      [
        "delete rule bridge nat PREROUTING handle 3",
        "delete rule bridge nat PREROUTING handle 5",
        `delete chain bridge nat ${spoofChainName(A)}`,
        "delete chain bridge nat cni-br-iface-c1-eth0",
        "delete chain bridge nat cni-br-iface-c1-eth0-mac",
      ].join("\n"),
    ]);
  });

  it("teardown: nothing set up (no table) -> no run; an ifname no earlier chain could have had -> no legacy chain read", () => {
    const nft = fakeNft();
    teardownSpoofCheck(nft, A);
    expect(nft.runs).toEqual([]);
    const odd = fakeNft();
    teardownSpoofCheck(odd, { ...A, ifname: 'é"\\' });
    expect(odd.reads.filter((r) => r.startsWith("chain"))).toEqual([`chain ${chainKey(spoofChainName({ ...A, ifname: 'é"\\' }))}`]);
  });

  it("teardown: nft refuses the batch -> FirewallError", () => {
    const nft = fakeNft({ runs: [FAIL], chains: { [chainKey(spoofChainName(A))]: [] } });
    expect(() => teardownSpoofCheck(nft, A)).toThrow(FirewallError);
  });

  it("check: current jump -> passes; earlier naming's jump -> passes; another attachment's or network's only -> FirewallCheckError", () => {
    const check = (comment: string) => () => checkSpoofCheck(fakeNft({ chains: { [BASE]: [{ handle: 3, comment }] } }), A);
    expect(check(spoofComment(A))).not.toThrow();
    expect(check(legacyComment("c1-eth0"))).not.toThrow();
    expect(check(legacyComment("c1-eth0x"))).toThrow(FirewallCheckError);
    expect(check(spoofComment({ ...A, network: "net2" }))).toThrow(FirewallCheckError);
  });

  it("gc: this network's entries not valid -> jumps and chains deleted in one run; valid ones, other networks', foreign rules kept; earlier naming judged by the caller", () => {
    const gone = { ...A, containerId: "gone" };
    const nft = fakeNft({
      chains: {
        [BASE]: [
          { handle: 3, comment: spoofComment(gone), exprs: iifname("vethdead0001") },
          { handle: 4, comment: spoofComment(A), exprs: iifname("vethlive0001") },
          { handle: 5, comment: spoofComment({ ...gone, network: "net2" }), exprs: iifname("vethother001") },
          { handle: 6, comment: legacyComment("old-eth0"), exprs: iifname("vetholdd0001") },
          { handle: 7, comment: legacyComment("older-eth0"), exprs: iifname("vetholder001") },
          { handle: 8, comment: "someone else's rule" },
        ],
        [chainKey(spoofChainName(gone))]: [],
        [chainKey(spoofChainName(A))]: [],
        [chainKey("cni-br-iface-old-eth0")]: [],
      },
    });
    const seen: unknown[] = [];
    gcSpoofCheck(nft, "net1", [{ containerId: "c1", ifname: "eth0" }], (e) => (seen.push(e), e.uniqueId === "old-eth0"));
    expect(seen).toEqual([{ uniqueId: "old-eth0", hostIface: "vetholdd0001" }, { uniqueId: "older-eth0", hostIface: "vetholder001" }]);
    expect(nft.runs).toEqual([
      [
        "delete rule bridge nat PREROUTING handle 3",
        `delete chain bridge nat ${spoofChainName(gone)}`,
        "delete rule bridge nat PREROUTING handle 6",
        "delete chain bridge nat cni-br-iface-old-eth0",
      ].join("\n"),
    ]);
  });

  it("gc: nothing stale -> no run", () => {
    const nft = fakeNft({ chains: { [BASE]: [{ handle: 4, comment: spoofComment(A), exprs: iifname("v") }] } });
    gcSpoofCheck(nft, "net1", [{ containerId: "c1", ifname: "eth0" }], () => false);
    expect(nft.runs).toEqual([]);
  });
});
