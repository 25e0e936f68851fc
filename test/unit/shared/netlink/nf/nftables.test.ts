// The nf_tables read ops: request shape, ENOENT as "absent", filtering; and once end to end through
// NetlinkSession with a transport replaying the kernel's captured datagrams.
import { describe, expect, it } from "vitest";
import { LE } from "../../../../../shared/netlink/codec/attr.ts";
import { NLM_F_DUMP } from "../../../../../shared/netlink/codec/nlmsg.ts";
import { NetlinkError } from "../../../../../shared/netlink/errors.ts";
import { NFT_MSG_GETRULE, NFT_MSG_GETSETELEM, NFT_MSG_NEWSETELEM, NFT_MSG_GETTABLE, nftMsgType } from "../../../../../shared/netlink/nf/codec/nfgen.ts";
import { consistentDump, getChain, getTable, listRules, listSetElems, NF_DUMP_ATTEMPTS } from "../../../../../shared/netlink/nf/nftables.ts";
import { NetlinkSession, type NetlinkTransport } from "../../../../../shared/netlink/session.ts";
import { FakeConn } from "../fake-conn.ts";
import { loadNft } from "./fixtures.ts";

const enoent = () => new NetlinkError("x", 2, "ENOENT");

describe("nf_tables ops over a connection", () => {
  it("rules: dump request of NFT_MSG_GETRULE -> decoded rules of that chain only", () => {
    const c = new FakeConn();
    c.replies = [loadNft("rules-masq")];
    const rules = listRules(c, "inet", "cni_plugins_masquerade", "masq_checks");
    expect(c.last()).toMatchObject({ kind: "dump", type: nftMsgType(NFT_MSG_GETRULE) });
    expect(rules.map((r) => r.comment)).toEqual(["c1-comment", "c1-comment", undefined]);
    expect(listRules(c, "inet", "cni_plugins_masquerade", "postrouting")).toEqual([]);
  });
  it("rules/elements: commentPrefix -> only entries whose comment starts with it; uncommented dropped", () => {
    const c = new FakeConn();
    c.replies = [loadNft("rules-masq")];
    expect(listRules(c, "inet", "cni_plugins_masquerade", "masq_checks", { commentPrefix: "c1-" }).map((r) => r.comment)).toEqual(["c1-comment", "c1-comment"]);
    expect(listRules(c, "inet", "cni_plugins_masquerade", "masq_checks", { commentPrefix: "c1-commentX" })).toEqual([]);
    c.replies = [loadNft("setelem-map-v4")];
    expect(listSetElems(c, "ip", "cni_hostport", "tscni_hostports", { commentPrefix: "ctr" })?.map((e) => e.comment)).toEqual(["ctrA"]);
    expect(listSetElems(c, "ip", "cni_hostport", "tscni_hostports", { commentPrefix: "" })?.length).toBe(1);
  });
  it("rules: kernel answers ENOENT (no table) -> empty list; EPERM -> thrown", () => {
    const c = new FakeConn();
    c.failWith = enoent();
    expect(listRules(c, "ip", "nat", "x")).toEqual([]);
    c.failWith = new NetlinkError("x", 1, "EPERM");
    expect(() => listRules(c, "ip", "nat", "x")).toThrow(/EPERM/);
  });
  it("elements: dump of NFT_MSG_GETSETELEM -> elements; ENOENT -> undefined (set absent)", () => {
    const c = new FakeConn();
    c.replies = [loadNft("setelem-map-v4")];
    expect(listSetElems(c, "ip", "cni_hostport", "tscni_hostports")).toHaveLength(2);
    expect(c.last().type).toBe(nftMsgType(NFT_MSG_GETSETELEM));
    c.failWith = enoent();
    expect(listSetElems(c, "ip", "cni_hostport", "gone")).toBeUndefined();
  });
  it("table/chain: get -> the object; ENOENT -> undefined", () => {
    const c = new FakeConn();
    c.replies = [loadNft("table")];
    expect(getTable(c, "inet", "cni_plugins_masquerade")?.name).toBe("cni_plugins_masquerade");
    expect(c.last()).toMatchObject({ kind: "get", type: nftMsgType(NFT_MSG_GETTABLE) });
    c.failWith = enoent();
    expect(getTable(c, "inet", "x")).toBeUndefined();
    c.replies = [loadNft("chain")];
    expect(getChain(c, "inet", "cni_plugins_masquerade", "postrouting")?.type).toBe("nat");
    c.failWith = enoent();
    expect(getChain(c, "inet", "cni_plugins_masquerade", "x")).toBeUndefined();
  });
});

/** Replays captured datagrams, re-stamping each message with the sequence number just sent. */
class ReplayTransport implements NetlinkTransport {
  sent: Uint8Array[] = [];
  private queue: Uint8Array[] = [];
  constructor(private readonly replies: Uint8Array[]) {}
  send(bytes: Uint8Array): void {
    this.sent.push(bytes.slice());
    const seq = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, LE);
    const next = this.replies.shift();
    if (!next) throw new Error("no scripted reply");
    const copy = next.slice();
    const dv = new DataView(copy.buffer);
    for (let off = 0; off < copy.length; off += (dv.getUint32(off, LE) + 3) & ~3) dv.setUint32(off + 8, seq, LE);
    this.queue.push(copy);
  }
  recv(buf: Uint8Array): number {
    const d = this.queue.shift();
    if (!d) throw new Error("recv with nothing queued");
    buf.set(d);
    return d.length;
  }
  close(): void {}
  errnoName(errno: number): string {
    return errno === 2 ? "ENOENT" : `E${errno}`;
  }
}

describe("nf_tables ops through NetlinkSession (replayed kernel replies)", () => {
  it("session: table found, then ENOENT, then a rule dump with NLMSG_DONE -> object, undefined, rules", () => {
    const t = new ReplayTransport([loadNft("table"), loadNft("error-enoent"), loadNft("rules-masq")]);
    const s = new NetlinkSession(t, 100);
    expect(getTable(s, "inet", "cni_plugins_masquerade")?.comment).toContain("Masquerading");
    expect(getTable(s, "ip", "no_such_table")).toBeUndefined();
    expect(listRules(s, "inet", "cni_plugins_masquerade", "masq_checks", { exprs: true }).map((r) => r.exprs?.length)).toEqual([7, 7, 8]);
    const flags = new DataView(t.sent[2]!.buffer).getUint16(6, LE);
    expect(flags & NLM_F_DUMP).toBe(NLM_F_DUMP);
  });
});

/** A connection whose successive dumps deliver the given parts, each an nfgenmsg stamped with a generation. */
class GenerationConn {
  dumps = 0;
  constructor(private readonly script: number[][]) {}
  request(): void {}
  get<T>(): T | undefined {
    return undefined;
  }
  dump<T>(_t: number, _f: number, _op: string, _b: unknown, decode: (dv: DataView, off: number, end: number, type: number) => T | undefined): T[] {
    const gens = this.script[Math.min(this.dumps++, this.script.length - 1)]!;
    return gens.flatMap((gen, i) => {
      const dv = new DataView(new ArrayBuffer(4));
      dv.setUint8(0, 2);
      dv.setUint16(2, gen, false);
      const v = decode(dv, 0, 4, nftMsgType(NFT_MSG_NEWSETELEM));
      return v === undefined ? [] : [v];
    });
  }
}

describe("consistentDump: one ruleset generation per dump", () => {
  const body = () => {};
  const decode = (dv: DataView) => dv.getUint16(2, false);
  it("dump: parts from two generations (a commit between parts) -> read again until all parts agree", () => {
    const c = new GenerationConn([[7, 8], [8, 9, 9], [9, 9, 9]]);
    expect(consistentDump(c, 1, "list", body, decode)).toEqual([9, 9, 9]);
    expect(c.dumps).toBe(3);
  });
  it("dump: one generation throughout -> answered by the first dump", () => {
    const c = new GenerationConn([[4, 4, 4, 4]]);
    expect(consistentDump(c, 1, "list", body, decode)).toHaveLength(4);
    expect(c.dumps).toBe(1);
  });
  it("dump: mixed generations on every attempt -> NetlinkError EINTR carrying CNI code 11", () => {
    const c = new GenerationConn([[1, 2]]);
    let err: unknown;
    try {
      consistentDump(c, 1, "list elements", body, decode);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetlinkError);
    expect((err as NetlinkError).errnoName).toBe("EINTR");
    expect((err as NetlinkError & { cniCode?: number }).cniCode).toBe(11);
    expect(c.dumps).toBe(NF_DUMP_ATTEMPTS);
  });
});
