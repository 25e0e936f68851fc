// Rule ops over a fake connection: the requests they write and how dumps are filtered.
import { describe, expect, it } from "vitest";
import { AF_INET } from "../../../../shared/ip/index.ts";
import { decodeRule, FR_ACT_TO_TBL, FRA_PRIORITY, FRA_SRC, FRA_TABLE, RTM_DELRULE, RTM_GETRULE, RTM_NEWRULE } from "../../../../shared/netlink/codec/rule.ts";
import { NLM_F_CREATE, NLM_F_EXCL } from "../../../../shared/netlink/codec/nlmsg.ts";
import { addRule, deleteRule, listRules } from "../../../../shared/netlink/rules.ts";
import { FakeConn } from "./fake-conn.ts";
import { attr, ip4, msg, u32, view } from "./naive.ts";

const hdr = (table: number) => [AF_INET, 0, 32, 0, table, 0, 0, FR_ACT_TO_TBL, ...u32(0)];
const reply = (src: string, table: number, prio: number) => new Uint8Array(msg(RTM_NEWRULE, 2, 1, hdr(table), attr(FRA_TABLE, u32(table)), attr(FRA_PRIORITY, u32(prio)), attr(FRA_SRC, ip4(src))));

describe("rule ops", () => {
  it("addRule: RTM_NEWRULE create|excl, family from the source, no priority (the kernel picks)", () => {
    const c = new FakeConn();
    addRule(c, { src: "10.1.0.5/32", table: 100 });
    const r = c.last();
    expect(r).toMatchObject({ kind: "request", type: RTM_NEWRULE, flags: NLM_F_CREATE | NLM_F_EXCL, op: "add rule from 10.1.0.5/32 lookup 100" });
    expect(decodeRule(view(r.body), 0, r.body.length)).toEqual({ family: AF_INET, dstLen: 0, srcLen: 32, tos: 0, table: 100, action: FR_ACT_TO_TBL, flags: 0, src: "10.1.0.5" });
  });

  it("listRules: a dump of every family; the table filter keeps only that table's rules", () => {
    const c = new FakeConn();
    c.replies = [reply("10.1.0.5", 100, 32765), reply("10.1.0.6", 101, 32764)];
    expect(listRules(c).map((r) => r.src)).toEqual(["10.1.0.5", "10.1.0.6"]);
    expect(c.last()).toMatchObject({ kind: "dump", type: RTM_GETRULE });
    expect(listRules(c, { table: 101 }).map((r) => [r.src, r.priority])).toEqual([["10.1.0.6", 32764]]);
  });

  it("deleteRule: a dumped rule is deleted with every selector it had, priority included", () => {
    const c = new FakeConn();
    c.replies = [reply("10.1.0.5", 100, 32765)];
    const [rule] = listRules(c);
    deleteRule(c, rule!);
    const r = c.last();
    expect(r).toMatchObject({ type: RTM_DELRULE, op: "delete rule 32765 from 10.1.0.5/32 lookup 100" });
    expect(decodeRule(view(r.body), 0, r.body.length)).toMatchObject({ src: "10.1.0.5", srcLen: 32, table: 100, priority: 32765 });
  });
});
