// CHECK: the tbf of each shaped direction has the configured rate, limit and buffer (as the
// reference), and the host veth still redirects its ingress to the ifb.
import { internalError } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { TC_H_INGRESS_HANDLE, type Filter, type TbfParams } from "../../../shared/netlink/codec/tc.ts";
import { NetlinkError } from "../../../shared/netlink/errors.ts";
import { getLinkByName, type Link } from "../../../shared/netlink/links.ts";
import type { NetlinkConn } from "../../../shared/netlink/request.ts";
import { listFilters, rootQdisc } from "../../../shared/netlink/tc.ts";
import { parseConfig } from "./config.ts";
import { findHostVeth } from "./host-veth.ts";
import type { BandwidthDeps } from "./deps.ts";
import { hasRedirect, tbfMismatch } from "./verify.ts";
import { planShaping } from "./shaping.ts";

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

export function cmdCheck(ctx: CmdContext, deps: BandwidthDeps): void {
  const cfg = parseConfig(ctx.conf);
  const prev = ctx.conf.prevResult;
  if (!prev) throw internalError("must be called as a chained plugin");
  const plan = planShaping(cfg, ctx, deps.tickInUsec());
  const h = deps.openHandles(ctx.netns);
  try {
    const { host: hostVeth } = findHostVeth(h.host, h.container, prev.interfaces ?? [], ctx.ifname);
    if (plan.ingress) expectTbf(h.host, hostVeth, plan.ingress);
    if (!plan.egress) return;
    const ifb = getLinkByName(h.host, plan.ifbName);
    if (!ifb) throw internalError(`get ifb device: link ${plan.ifbName} not found`);
    expectTbf(h.host, ifb, plan.egress);
    expectRedirect(h.host, hostVeth, ifb);
  } finally {
    h.close();
  }
}
