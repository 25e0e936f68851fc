// Rule-expression reading for CHECK, on rules the kernel returned (fixtures from capture-nft.ts).
import { describe, expect, it } from "vitest";
import { masqMatchOf, reachesChain } from "../../../../shared/firewall/nft-expr.ts";
import { NFT_MSG_NEWRULE, nftMsgType } from "../../../../shared/netlink/nf/codec/nfgen.ts";
import { decodeRule } from "../../../../shared/netlink/nf/codec/rule.ts";
import { loadNft, messages } from "../netlink/nf/fixtures.ts";

function rulesOf(name: "rules-masq" | "rules-postrouting") {
  return messages(loadNft(name)).filter((m) => m.type === nftMsgType(NFT_MSG_NEWRULE)).map((m) => decodeRule(m.dv, m.off, m.end, true));
}

describe("masqMatchOf", () => {
  it("masq: kernel rules for /24, v6 /64 and non-byte-aligned /12 -> saddr and daddr != prefix read back", () => {
    expect(rulesOf("rules-masq").map((r) => masqMatchOf(r.exprs))).toEqual([
      { saddr: "10.88.0.5", daddrNot: "10.88.0.0/24", masquerade: true },
      { saddr: "fd00::5", daddrNot: "fd00::/64", masquerade: true },
      { saddr: "10.80.0.5", daddrNot: "10.80.0.0/12", masquerade: true },
    ]);
  });
  it("masq: a rule without masq or matches (postrouting return) -> nothing matched", () => {
    expect(masqMatchOf(rulesOf("rules-postrouting")[1]!.exprs)).toEqual({ masquerade: false });
    expect(masqMatchOf(undefined)).toEqual({ masquerade: false });
  });
});

describe("reachesChain", () => {
  it("verdicts: postrouting's goto masq_checks -> reaches by goto/any, not by jump; return reaches nothing", () => {
    const [ret, go] = rulesOf("rules-postrouting");
    expect(reachesChain(go!.exprs, "masq_checks")).toBe(true);
    expect(reachesChain(go!.exprs, "masq_checks", "goto")).toBe(true);
    expect(reachesChain(go!.exprs, "masq_checks", "jump")).toBe(false);
    expect(reachesChain(go!.exprs, "other")).toBe(false);
    expect(reachesChain(ret!.exprs, "masq_checks")).toBe(false);
  });
});
