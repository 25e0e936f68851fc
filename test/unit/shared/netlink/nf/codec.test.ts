// The nf_tables codec against replies captured from the kernel (capture-nft.ts) and against requests
// built with the naive test-only builder.
import { describe, expect, it } from "vitest";
import { NLMSG_DONE, NLMSG_ERROR, decodeError } from "../../../../../shared/netlink/codec/nlmsg.ts";
import { NlWriter } from "../../../../../shared/netlink/codec/writer.ts";
import { NFT_GOTO, NFT_RETURN } from "../../../../../shared/netlink/nf/codec/data.ts";
import { formatNftKey, nftKeyLength, parseNftKey } from "../../../../../shared/netlink/nf/codec/keys.ts";
import { NFPROTO_BRIDGE, NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6, nfproto, NFT_MSG_NEWCHAIN, NFT_MSG_NEWRULE, NFT_MSG_NEWSET, NFT_MSG_NEWSETELEM, NFT_MSG_NEWTABLE, nftMsgType } from "../../../../../shared/netlink/nf/codec/nfgen.ts";
import { decodeChain, decodeSet, decodeTable, writeGetChain, writeGetSet, writeGetTable } from "../../../../../shared/netlink/nf/codec/objects.ts";
import { decodeRule, writeGetRules } from "../../../../../shared/netlink/nf/codec/rule.ts";
import { decodeSetElems, writeGetSetElem, writeGetSetElems } from "../../../../../shared/netlink/nf/codec/setelem.ts";
import { udataString } from "../../../../../shared/netlink/nf/codec/udata.ts";
import { attr, be16, str, u8 } from "../naive.ts";
import { loadNft, messages } from "./fixtures.ts";

const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString("hex") : undefined);

function body(write: (w: NlWriter) => void): number[] {
  const w = new NlWriter(64);
  w.beginMessage(0, 0, 1);
  write(w);
  w.endMessage();
  return [...w.bytes().slice(16)];
}

describe("nf_tables requests", () => {
  const nfgen = (family: number) => [...u8(family), ...u8(0), ...be16(0)];
  it("encode: rule dump of inet table/chain -> nfgenmsg(inet) + NFTA_RULE_TABLE + NFTA_RULE_CHAIN", () => {
    expect(body((w) => writeGetRules(w, NFPROTO_INET, "t1", "masq_checks"))).toEqual([...nfgen(1), ...attr(1, str("t1")), ...attr(2, str("masq_checks"))]);
  });
  it("encode: set element dump -> NFTA_SET_ELEM_LIST_TABLE + _SET", () => {
    expect(body((w) => writeGetSetElems(w, NFPROTO_IPV4, "cni_hostport", "s"))).toEqual([...nfgen(2), ...attr(1, str("cni_hostport")), ...attr(2, str("s"))]);
  });
  it("encode: table and chain lookups -> names in NFTA_TABLE_NAME / NFTA_CHAIN_TABLE + _NAME", () => {
    expect(body((w) => writeGetTable(w, NFPROTO_IPV6, "nat"))).toEqual([...nfgen(10), ...attr(1, str("nat"))]);
    expect(body((w) => writeGetChain(w, NFPROTO_BRIDGE, "nat", "PREROUTING"))).toEqual([...nfgen(7), ...attr(1, str("nat")), ...attr(3, str("PREROUTING"))]);
  });
  it("encode: element lookup -> LIST_ELEMENTS { LIST_ELEM { KEY { DATA_VALUE key } } }, all nests flagged", () => {
    const N = 0x8000;
    const key = [6, 0, 0, 0, 0x1f, 0x90, 0, 0];
    expect(body((w) => writeGetSetElem(w, NFPROTO_IPV4, "t", "m", new Uint8Array(key)))).toEqual([
      ...nfgen(2), ...attr(1, str("t")), ...attr(2, str("m")), ...attr(3 | N, attr(1 | N, attr(1 | N, attr(1, key)))),
    ]);
  });
  it("encode: set lookup -> NFTA_SET_TABLE + NFTA_SET_NAME", () => {
    expect(body((w) => writeGetSet(w, NFPROTO_IPV6, "t", "s"))).toEqual([...nfgen(10), ...attr(1, str("t")), ...attr(2, str("s"))]);
  });
  it("families: nft names -> NFPROTO numbers; unknown -> RangeError", () => {
    expect(["ip", "ip6", "inet", "bridge"].map((f) => nfproto(f as "ip"))).toEqual([2, 10, 1, 7]);
    expect(() => nfproto("ipx" as "ip")).toThrow(RangeError);
    expect(nftMsgType(7)).toBe(0x0a07);
  });
});

describe("nf_tables replies (kernel fixtures)", () => {
  it("decode: table reply -> name, family inet, handle, comment from userdata", () => {
    const [m] = messages(loadNft("table"));
    expect(m!.type).toBe(nftMsgType(NFT_MSG_NEWTABLE));
    const t = decodeTable(m!.dv, m!.off, m!.end);
    expect(t).toMatchObject({ family: NFPROTO_INET, name: "cni_plugins_masquerade", flags: 0, use: 2 });
    expect(t.handle).toBeGreaterThan(0);
    expect(t.comment).toBe("Masquerading for plugins from github.com/containernetworking/plugins");
  });
  it("decode: chain reply -> table, name, base chain type nat", () => {
    const [m] = messages(loadNft("chain"));
    expect(m!.type).toBe(nftMsgType(NFT_MSG_NEWCHAIN));
    expect(decodeChain(m!.dv, m!.off, m!.end)).toMatchObject({ family: NFPROTO_INET, table: "cni_plugins_masquerade", name: "postrouting", type: "nat" });
  });
  it("decode: lookup of a missing table -> NLMSG_ERROR ENOENT", () => {
    const [m] = messages(loadNft("error-enoent"));
    expect(m!.type).toBe(NLMSG_ERROR);
    expect(decodeError(m!.dv, m!.off, m!.end, m!.flags).error).toBe(2);
  });
  it("decode: masq_checks dump -> three rules with increasing handles, comments, then NLMSG_DONE", () => {
    const msgs = messages(loadNft("rules-masq"));
    expect(msgs[msgs.length - 1]!.type).toBe(NLMSG_DONE);
    const rules = msgs.filter((m) => m.type === nftMsgType(NFT_MSG_NEWRULE)).map((m) => decodeRule(m.dv, m.off, m.end));
    expect(rules.map((r) => [r.table, r.chain, r.comment])).toEqual([
      ["cni_plugins_masquerade", "masq_checks", "c1-comment"],
      ["cni_plugins_masquerade", "masq_checks", "c1-comment"],
      ["cni_plugins_masquerade", "masq_checks", undefined],
    ]);
    expect(rules[0]!.handle).toBeGreaterThan(0);
    expect(rules[1]!.handle).toBeGreaterThan(rules[0]!.handle);
    expect(rules[0]!.exprs).toBeUndefined();
  });
  it("decode: masq rule with exprs -> meta nfproto, payload/cmp of saddr, 3-byte daddr prefix != , masq", () => {
    const m = messages(loadNft("rules-masq")).find((x) => x.type === nftMsgType(NFT_MSG_NEWRULE))!;
    const exprs = decodeRule(m.dv, m.off, m.end, true).exprs!;
    expect(exprs.map((e) => e.name)).toEqual(["meta", "cmp", "payload", "cmp", "payload", "cmp", "masq"]);
    expect(exprs[0]).toMatchObject({ key: 15, dreg: 1 });
    expect(exprs[2]).toMatchObject({ base: 1, offset: 12, len: 4, dreg: 1 });
    expect(hex(exprs[3]!.data)).toBe("0a580005");
    expect(exprs[4]).toMatchObject({ offset: 16, len: 3 });
    expect(exprs[5]).toMatchObject({ op: 1 });
    expect(hex(exprs[5]!.data)).toBe("0a5800");
  });
  it("decode: /12 prefix -> bitwise mask between payload and cmp", () => {
    const m = messages(loadNft("rules-masq")).filter((x) => x.type === nftMsgType(NFT_MSG_NEWRULE))[2]!;
    const bw = decodeRule(m.dv, m.off, m.end, true).exprs!.find((e) => e.name === "bitwise");
    expect(hex(bw?.mask)).toBe("fff00000");
  });
  it("decode: postrouting -> return verdict, then goto masq_checks", () => {
    const rules = messages(loadNft("rules-postrouting")).filter((m) => m.type === nftMsgType(NFT_MSG_NEWRULE)).map((m) => decodeRule(m.dv, m.off, m.end, true));
    const verdicts = rules.map((r) => r.exprs!.find((e) => e.name === "immediate")?.verdict);
    expect(verdicts).toEqual([{ code: NFT_RETURN, chain: undefined }, { code: NFT_GOTO, chain: "masq_checks" }]);
  });
  it("decode: v4 map elements -> padded concat key and value bytes, comment or none", () => {
    const msgs = messages(loadNft("setelem-map-v4")).filter((m) => m.type === nftMsgType(NFT_MSG_NEWSETELEM));
    const elems = msgs.flatMap((m) => decodeSetElems(m.dv, m.off, m.end).elements);
    const text = elems.map((e) => [formatNftKey(e.key, ["inet_proto", "inet_service"]), formatNftKey(e.data!, ["ipv4_addr", "inet_service"]), e.comment]);
    expect(text.sort()).toEqual([["tcp . 8080", "10.88.0.3 . 80", "ctrA"], ["udp . 53", "10.88.0.4 . 5353", undefined]]);
    expect(hex(elems.find((e) => e.comment === "ctrA")!.key)).toBe("060000001f900000");
    expect(decodeSetElems(msgs[0]!.dv, msgs[0]!.off, msgs[0]!.end)).toMatchObject({ table: "cni_hostport", set: "tscni_hostports", family: NFPROTO_IPV4 });
  });
  it("decode: v4 set element -> unpadded 4-byte key, no data", () => {
    const [m] = messages(loadNft("setelem-set-v4")).filter((x) => x.type === nftMsgType(NFT_MSG_NEWSETELEM));
    const [e] = decodeSetElems(m!.dv, m!.off, m!.end).elements;
    expect([formatNftKey(e!.key, ["ipv4_addr"]), e!.data, e!.comment]).toEqual(["10.88.0.3", undefined, "ctrA"]);
  });
  it("decode: v6 host-IP map element -> 'fd00::1 . sctp . 443' : 'fd00:88::3 . 8443', tagged comment", () => {
    const [m] = messages(loadNft("setelem-map-v6")).filter((x) => x.type === nftMsgType(NFT_MSG_NEWSETELEM));
    const [e] = decodeSetElems(m!.dv, m!.off, m!.end).elements;
    expect(formatNftKey(e!.key, ["ipv6_addr", "inet_proto", "inet_service"])).toBe("fd00::1 . sctp . 443");
    expect(formatNftKey(e!.data!, ["ipv6_addr", "inet_service"])).toBe("fd00:88::3 . 8443");
    expect(e!.comment).toBe("ctrB net:0123456789abcdef");
    expect(m!.dv.getUint8(m!.off)).toBe(NFPROTO_IPV6);
  });
});

describe("set and element lookups (kernel fixtures)", () => {
  it("decode: set reply -> map flag, 8-byte padded key and data lengths", () => {
    const [m] = messages(loadNft("set"));
    expect(m!.type).toBe(nftMsgType(NFT_MSG_NEWSET));
    expect(decodeSet(m!.dv, m!.off, m!.end)).toMatchObject({ family: NFPROTO_IPV4, table: "cni_hostport", name: "tscni_hostports", flags: 8, keyLen: 8, dataLen: 8 });
  });
  it("decode: element lookup reply -> exactly the asked element with value and comment", () => {
    const msgs = messages(loadNft("setelem-get"));
    expect(msgs).toHaveLength(1);
    const [e, ...rest] = decodeSetElems(msgs[0]!.dv, msgs[0]!.off, msgs[0]!.end).elements;
    expect(rest).toEqual([]);
    expect([formatNftKey(e!.key, ["inet_proto", "inet_service"]), formatNftKey(e!.data!, ["ipv4_addr", "inet_service"]), e!.comment]).toEqual(["tcp . 8080", "10.88.0.3 . 80", "ctrA"]);
  });
});

describe("parseNftKey", () => {
  it("parse: the text formatNftKey writes -> the same bytes back (v4, v6, names, numbers)", () => {
    const cases: [string, ("inet_proto" | "inet_service" | "ipv4_addr" | "ipv6_addr")[]][] = [
      ["tcp . 8080", ["inet_proto", "inet_service"]], ["fd00::1 . sctp . 443", ["ipv6_addr", "inet_proto", "inet_service"]],
      ["10.0.0.2 . 10.0.0.2", ["ipv4_addr", "ipv4_addr"]], ["10.0.0.9", ["ipv4_addr"]], ["99 . 1", ["inet_proto", "inet_service"]],
    ];
    for (const [text, types] of cases) expect(formatNftKey(parseNftKey(text, types)!, types)).toBe(text);
    expect(hex(parseNftKey("udp . 53", ["inet_proto", "inet_service"]))).toBe("1100000000350000");
  });
  it("parse: wrong field count, bad port/proto/address, family mismatch -> undefined", () => {
    expect(parseNftKey("tcp", ["inet_proto", "inet_service"])).toBeUndefined();
    expect(parseNftKey("tcp . 65536", ["inet_proto", "inet_service"])).toBeUndefined();
    expect(parseNftKey("foo . 80", ["inet_proto", "inet_service"])).toBeUndefined();
    expect(parseNftKey("fd00::1", ["ipv4_addr"])).toBeUndefined();
    expect(parseNftKey("10.0.0.1 }; flush ruleset", ["ipv4_addr"])).toBeUndefined();
  });
});

describe("formatNftKey", () => {
  it("format: single fields are unpadded, concatenations padded to 4 per field", () => {
    expect(nftKeyLength(["inet_service"])).toBe(2);
    expect(nftKeyLength(["inet_proto", "inet_service"])).toBe(8);
    expect(nftKeyLength(["ipv6_addr", "inet_proto", "inet_service"])).toBe(24);
    expect(formatNftKey(new Uint8Array([0x1f, 0x90]), ["inet_service"])).toBe("8080");
    expect(formatNftKey(new Uint8Array([99, 0, 0, 0, 0, 80, 0, 0]), ["inet_proto", "inet_service"])).toBe("99 . 80");
  });
  it("format: length not matching the types -> undefined", () => {
    expect(formatNftKey(new Uint8Array(7), ["inet_proto", "inet_service"])).toBeUndefined();
    expect(formatNftKey(new Uint8Array(4), [])).toBeUndefined();
  });
});

describe("udataString", () => {
  const dvOf = (b: number[]) => new DataView(new Uint8Array(b).buffer);
  it("udata: comment after another TLV -> found; NUL ends it", () => {
    expect(udataString(dvOf([1, 2, 9, 9, 0, 4, 104, 105, 0, 0]), 0, 10, 0)).toBe("hi");
  });
  it("udata: TLV overrunning the blob, or no comment -> undefined (never throws)", () => {
    expect(udataString(dvOf([0, 9, 104, 105]), 0, 4, 0)).toBeUndefined();
    expect(udataString(dvOf([1, 1, 5]), 0, 3, 0)).toBeUndefined();
    expect(udataString(dvOf([0, 2]), 0, 1, 0)).toBeUndefined();
  });
});
