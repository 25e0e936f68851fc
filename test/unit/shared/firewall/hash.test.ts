import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  formatHashWithPrefix, legacyChainName, legacyComment, masqComment, masqInstanceHash, masqNetworkHash,
} from "../../../../shared/firewall/hash.ts";

// Known values: sha512 prefixes computed with coreutils `printf %s STR | sha512sum`, and the chain name
// the reference bridge 1.1.1 (/usr/lib/cni/bridge, ipMasq) actually created for net "mynet", id "abc123".
describe("legacyChainName", () => {
  it("format: net mynet, id abc123 -> the chain the reference bridge creates", () => {
    expect(legacyChainName("mynet", "abc123")).toBe("CNI-70a29d9dc18bc4d652ea5d59");
  });
  it("format: DN- prefix -> CNI-DN- plus 21 hash chars, 28 in all", () => {
    const name = legacyChainName("mynet", "abc123", "DN-");
    expect(name).toBe("CNI-DN-70a29d9dc18bc4d652ea5");
    expect(name).toHaveLength(28);
  });
});

describe("formatHashWithPrefix", () => {
  it("format: prefix as long as the length -> throws like the reference's panic", () => {
    expect(() => formatHashWithPrefix(4, "CNI-", "x")).toThrow(RangeError);
    expect(() => formatHashWithPrefix(129, "", "x")).toThrow(RangeError);
  });
});

describe("masquerade comment", () => {
  it("hash: network mynet -> first 16 hex of sha512(mynet)", () => {
    expect(masqNetworkHash("mynet")).toBe("d23676b4f2d9fe04");
  });
  it("hash: instance -> hash16(net) + '-' + hash16(ifname:cid)", () => {
    expect(masqInstanceHash("mynet", "eth0", "abc123")).toBe("d23676b4f2d9fe04-ebce0e3dd4dafae3");
  });
  it("format: short names -> '<hash>, net: <net>, if: <if>, id: <cid>'", () => {
    expect(masqComment("mynet", "eth0", "abc123")).toBe("d23676b4f2d9fe04-ebce0e3dd4dafae3, net: mynet, if: eth0, id: abc123");
  });
  it("format: 64-char container id -> cut to 128 bytes, hash prefix intact", () => {
    const cid = "f".repeat(64);
    const c = masqComment("a-rather-long-network-name", "eth0", cid);
    expect(c).toHaveLength(128);
    expect(c.startsWith(masqInstanceHash("a-rather-long-network-name", "eth0", cid))).toBe(true);
    const h = createHash("sha512").update(`eth0:${cid}`).digest("hex").slice(0, 16);
    expect(c.slice(17, 33)).toBe(h);
  });
  it("format: quotes in ifname -> removed from the readable part only", () => {
    expect(masqComment("n", 'e"0', "c")).toContain("if: e0,");
    // non-ASCII and backslash kept (nft takes them), control characters become "?", never half a character
    expect(masqComment("n", "é\\\x01", "c")).toContain("if: é\\?,");
    const cut = masqComment("n".repeat(81), "üü", "c"); // the first ü takes bytes 127 and 128
    expect(new TextEncoder().encode(cut).length).toBe(127);
    expect(cut).not.toContain("\ufffd");
  });
});

describe("legacyComment", () => {
  it("format: name and id -> Go %q quoting as in the reference's iptables rules", () => {
    expect(legacyComment("mynet", "abc123")).toBe('name: "mynet" id: "abc123"');
  });
});
