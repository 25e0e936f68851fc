// The kernel objects of one attachment's shaping, each step pushing its inverse, plus the values a
// verb computes before touching the kernel (tbf parameters per direction, the ifb's name).
import { internalError, invalidConfig } from "../../../shared/cni/errors.ts";
import {
  TC_ACT_OK,
  TC_ACT_STOLEN,
  TC_H_INGRESS_HANDLE,
  TCA_EGRESS_REDIR,
  tcHandle,
  type MirredAction,
  type TbfParams,
} from "../../../shared/netlink/codec/tc.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import type { UndoStack } from "../../../shared/undo.ts";
import { ifbDeviceName, ifbTag, type BandwidthConfig, type Shaping } from "./config.ts";
import type { BandwidthNet } from "./deps.ts";
import { TbfRangeError, tbfParams } from "./tbf.ts";

/** What a verb applies or expects: tbf parameters per shaped direction, the ifb's name and its tag. */
interface ShapingPlan {
  ingress?: TbfParams;
  egress?: TbfParams;
  ifbName: string;
  /** the ifb's alias naming its attachment, for GC (gc.ts) */
  ifbTag: string;
}

/** The reference's u32 filter: priority 1, protocol all, classid 1:1, on the ingress qdisc. */
export const REDIRECT_FILTER_PRIO = 1;
export const REDIRECT_FILTER_CLASSID = tcHandle(1, 1);

function tbfFor(s: Shaping, latencyMs: number, tickInUsec: number, dir: string): TbfParams {
  try {
    return tbfParams(s.rateBits, s.burstBits, latencyMs, tickInUsec);
  } catch (e) {
    if (e instanceof TbfRangeError) throw invalidConfig(`invalid ${dir} rate/burst: ${e.message}`);
    throw e;
  }
}

/** Computes the plan; a rate/burst the kernel cannot represent is error 7, before any kernel change. */
export function planShaping(cfg: BandwidthConfig, att: { containerId: string; ifname: string }, tickInUsec: number): ShapingPlan {
  const plan: ShapingPlan = { ifbName: ifbDeviceName(cfg.name, att.containerId), ifbTag: ifbTag(cfg.name, att) };
  if (cfg.ingress) plan.ingress = tbfFor(cfg.ingress, cfg.latencyMs, tickInUsec, "ingress");
  if (cfg.egress) plan.egress = tbfFor(cfg.egress, cfg.latencyMs, tickInUsec, "egress");
  return plan;
}

/**
 * The redirect to the ifb as the reference leaves it in the kernel: vishvananda/netlink's RedirIndex
 * compatibility path prepends a stolen redirect to the explicitly listed one (control action "pass"),
 * so `tc filter show` lists two mirred actions; the second never runs. Mirrored for identical state.
 */
export function redirectActions(ifbIndex: number): MirredAction[] {
  return [
    { kind: "mirred", eaction: TCA_EGRESS_REDIR, ifindex: ifbIndex, action: TC_ACT_STOLEN },
    { kind: "mirred", eaction: TCA_EGRESS_REDIR, ifindex: ifbIndex, action: TC_ACT_OK },
  ];
}

/** Traffic toward the container: a root tbf on the host veth. */
export function shapeIngress(net: BandwidthNet, hostVeth: Link, params: TbfParams, undo: UndoStack): void {
  net.addRootTbf(hostVeth, params);
  undo.push(`delete root tbf of ${hostVeth.name}`, () => net.deleteRootQdisc(hostVeth));
}

/**
 * Traffic from the container: the ifb with its own root tbf, the ingress qdisc on the host veth and
 * a match-all u32 filter redirecting everything to the ifb. Returns the ifb.
 */
export function shapeEgress(net: BandwidthNet, hostVeth: Link, plan: ShapingPlan, undo: UndoStack): Link {
  if (!plan.egress) throw internalError("shapeEgress: no egress plan");
  const ifb = net.createIfb(plan.ifbName, hostVeth.mtu, plan.ifbTag);
  undo.push(`delete ifb ${plan.ifbName}`, () => net.deleteIfb(plan.ifbName));
  net.addIngressQdisc(hostVeth);
  undo.push(`delete ingress qdisc of ${hostVeth.name}`, () => net.deleteIngressQdisc(hostVeth));
  net.addRedirect(hostVeth, ifb);
  net.addRootTbf(ifb, plan.egress); // goes away with the ifb
  return ifb;
}
