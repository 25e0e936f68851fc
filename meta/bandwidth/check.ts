// CHECK: the tbf of each shaped direction has the configured rate, limit and buffer (as the
// reference), and the host veth still redirects its ingress to the ifb.
import { internalError } from "../../shared/cni/errors.ts";
import type { CmdContext } from "../../shared/cni/plugin.ts";
import {
  isMirred,
  TC_H_INGRESS_HANDLE,
  TCA_EGRESS_REDIR,
  type Filter,
  type Qdisc,
  type TbfParams,
} from "../../shared/netlink/codec/tc.ts";
import { NetlinkError } from "../../shared/netlink/errors.ts";
import { getLinkByName, type Link } from "../../shared/netlink/links.ts";
import type { NetlinkConn } from "../../shared/netlink/request.ts";
import { listFilters, readTickInUsec, rootQdisc } from "../../shared/netlink/tc.ts";
import { parseConfig } from "./config.ts";
import { findHostVeth } from "./host-veth.ts";
import { withHandles } from "./session.ts";
import { planShaping } from "./shaping.ts";

/** Why the root qdisc q of dev does not implement want, or undefined when it does. */
export function tbfMismatch(dev: string, q: Qdisc | undefined, want: TbfParams): string | undefined {
  if (!q) return `no root qdisc found on ${dev}`;
  if (q.kind !== "tbf" || !q.tbf) return `root qdisc of ${dev} is ${q.kind || "unknown"}, not tbf`;
  const fields = ["rate", "limit", "buffer"] as const;
  for (const f of fields) {
    if (q.tbf[f] !== want[f]) return `tbf ${f} of ${dev} does not match (${q.tbf[f]} != ${want[f]})`;
  }
  return undefined;
}

/** True when one of filters is a u32 on the ingress qdisc whose first action redirects to ifbIndex. */
export function hasRedirect(filters: readonly Filter[], ifbIndex: number): boolean {
  return filters.some((f) => {
    const first = f.u32?.actions?.[0];
    return f.kind === "u32" && first !== undefined && isMirred(first) && first.eaction === TCA_EGRESS_REDIR && first.ifindex === ifbIndex;
  });
}

function expectTbf(host: NetlinkConn, link: Link, want: TbfParams): void {
  const why = tbfMismatch(link.name, rootQdisc(host, link.ifindex), want);
  if (why) throw internalError(why);
}

function expectRedirect(host: NetlinkConn, hostVeth: Link, ifb: Link): void {
  let filters: Filter[];
  try {
    filters = listFilters(host, hostVeth.ifindex, TC_H_INGRESS_HANDLE);
  } catch (e) {
    if (!(e instanceof NetlinkError)) throw e;
    throw internalError(`no ingress qdisc on ${hostVeth.name}: ${e.message}`);
  }
  if (!hasRedirect(filters, ifb.ifindex)) throw internalError(`no filter on ${hostVeth.name} redirects to ${ifb.name}`);
}

export function cmdCheck(ctx: CmdContext): void {
  const cfg = parseConfig(ctx.conf);
  const prev = ctx.conf.prevResult;
  if (!prev) throw internalError("must be called as a chained plugin");
  const plan = planShaping(cfg, ctx.containerId, readTickInUsec());
  withHandles(ctx.netns, (h) => {
    const { host: hostVeth } = findHostVeth(h.host, h.container, prev.interfaces ?? [], ctx.ifname);
    if (plan.ingress) expectTbf(h.host, hostVeth, plan.ingress);
    if (!plan.egress) return;
    const ifb = getLinkByName(h.host, plan.ifbName);
    if (!ifb) throw internalError(`get ifb device: link ${plan.ifbName} not found`);
    expectTbf(h.host, ifb, plan.egress);
    expectRedirect(h.host, hostVeth, ifb);
  });
}
