import { describe, expect, it } from "vitest";
import { hasSpoofCheckWith, spoofComment, teardownSpoofCheckWith } from "../../../../shared/firewall/spoofcheck-rules.ts";
import { FirewallError } from "../../../../shared/firewall/types.ts";
import { FAIL, fakeNft } from "./fake-nft.ts";

const BASE = "bridge nat PREROUTING";
const chainOf = (id: string) => `bridge nat cni-br-iface-${id}`;

describe("macspoofchk teardown / presence (targeted reads)", () => {
  it("teardown: jump of this attachment among others + its chain -> both deleted in one run, others kept", () => {
    const nft = fakeNft({
      chains: {
        [BASE]: [{ handle: 3, comment: spoofComment("c1-eth0") }, { handle: 4, comment: spoofComment("c2-eth0") }, { handle: 5, comment: spoofComment("c1-eth0") }],
        [chainOf("c1-eth0")]: [],
      },
    });
    teardownSpoofCheckWith(nft, "c1-eth0");
    expect(nft.runs).toEqual(["delete rule bridge nat PREROUTING handle 3\ndelete rule bridge nat PREROUTING handle 5\ndelete chain bridge nat cni-br-iface-c1-eth0"]);
    expect(nft.reads).toEqual([`rules ${BASE}`, `chain ${chainOf("c1-eth0")}`]);
  });
  it("teardown: nothing set up (no table) -> no run", () => {
    const nft = fakeNft();
    teardownSpoofCheckWith(nft, "c1-eth0");
    expect(nft.runs).toEqual([]);
  });
  it("teardown: nft refuses the batch -> FirewallError", () => {
    const nft = fakeNft({ runs: [FAIL], chains: { [chainOf("c1-eth0")]: [] } });
    expect(() => teardownSpoofCheckWith(nft, "c1-eth0")).toThrow(FirewallError);
  });
  it("has: jump with the exact comment -> true; only a longer id's jump -> false", () => {
    expect(hasSpoofCheckWith(fakeNft({ chains: { [BASE]: [{ handle: 3, comment: spoofComment("c1-eth0") }] } }), "c1-eth0")).toBe(true);
    expect(hasSpoofCheckWith(fakeNft({ chains: { [BASE]: [{ handle: 3, comment: spoofComment("c1-eth0x") }] } }), "c1-eth0")).toBe(false);
  });
});
