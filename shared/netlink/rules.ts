// High-level FIB rule operations (`ip rule`): one function per kernel request, option objects in.
import { AF_UNSPEC } from "./codec/inet.ts";
import { NLM_F_CREATE, NLM_F_EXCL } from "./codec/nlmsg.ts";
import { decodeRule, RTM_DELRULE, RTM_GETRULE, RTM_NEWRULE, writeRule, type Rule, type RuleRequest } from "./codec/rule.ts";
import { wireAddress, type AddressFamily } from "../ip/index.ts";
import { prefixOrThrow } from "./addresses.ts";
import type { NetlinkConn, NetlinkRequester } from "./request.ts";

interface RuleOptions {
  /** Source prefix ("10.1.0.5/32"); its family is the rule's. */
  src: string;
  /** The table looked up (FR_ACT_TO_TBL). */
  table: number;
  /** Absent: the kernel's default (just before the main table's rule). */
  priority?: number;
}

function ruleLabel(r: { src?: string; srcLen?: number; table: number; priority?: number }): string {
  const from = r.src === undefined ? "all" : r.srcLen === undefined ? r.src : `${r.src}/${r.srcLen}`;
  return `rule${r.priority === undefined ? "" : ` ${r.priority}`} from ${from} lookup ${r.table}`;
}

/** Adds a rule "from src lookup table" (EEXIST if an equal one exists). */
export function addRule(r: NetlinkRequester, o: RuleOptions): void {
  const src = prefixOrThrow(o.src);
  const m: RuleRequest = { family: src.family, srcLen: src.prefixLen, src: src.bytes, table: o.table, priority: o.priority };
  r.request(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, `add ${ruleLabel({ src: o.src, table: o.table, priority: o.priority })}`, (w) => writeRule(w, m));
}

const bytesOf = (text: string | undefined): Uint8Array | undefined => (text === undefined ? undefined : wireAddress(text)?.bytes);

/** Deletes the rule a dump returned (matched on every selector it has, priority included). */
export function deleteRule(r: NetlinkRequester, rule: Rule): void {
  const m: RuleRequest = {
    family: rule.family,
    dstLen: rule.dstLen,
    srcLen: rule.srcLen,
    tos: rule.tos,
    table: rule.table,
    action: rule.action,
    dst: bytesOf(rule.dst),
    src: bytesOf(rule.src),
    priority: rule.priority,
    iifname: rule.iifname,
    oifname: rule.oifname,
    fwmark: rule.fwmark,
    fwmask: rule.fwmask,
  };
  r.request(RTM_DELRULE, 0, `delete ${ruleLabel(rule)}`, (w) => writeRule(w, m));
}

interface RuleFilter {
  family?: AddressFamily;
  /** Only rules looking up this table. */
  table?: number;
}

/** Every rule (dump) of one family or all, optionally only those of one table. */
export function listRules(c: NetlinkConn, filter: RuleFilter = {}): Rule[] {
  // a strictly checked dump request carries an all-zero header (action too)
  const m: RuleRequest = { family: filter.family ?? AF_UNSPEC, action: 0 };
  return c.dump(RTM_GETRULE, 0, "list rules", (w) => writeRule(w, m), (dv, off, end, type) => {
    if (type !== RTM_NEWRULE) return undefined;
    const rule = decodeRule(dv, off, end);
    return filter.table !== undefined && rule.table !== filter.table ? undefined : rule;
  });
}
