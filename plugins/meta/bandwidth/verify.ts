// CHECK's comparisons of what the kernel reports with what the config implies. Pure.
import { isMirred, TCA_EGRESS_REDIR, type Filter, type Qdisc, type TbfParams } from "../../../shared/netlink/codec/tc.ts";
import { clampedBufferTicks } from "./tbf.ts";

/**
 * Why the root qdisc q of dev does not implement want, or undefined when it does. The buffer may
 * also read back as an older kernel's clamp of want's (see clampedBufferTicks).
 */
export function tbfMismatch(dev: string, q: Qdisc | undefined, want: TbfParams): string | undefined {
  if (!q) return `no root qdisc found on ${dev}`;
  if (q.kind !== "tbf" || !q.tbf) return `root qdisc of ${dev} is ${q.kind || "unknown"}, not tbf`;
  const got = q.tbf;
  if (got.rate !== want.rate) return `tbf rate of ${dev} does not match (${got.rate} != ${want.rate})`;
  if (got.limit !== want.limit) return `tbf limit of ${dev} does not match (${got.limit} != ${want.limit})`;
  if (got.buffer !== want.buffer && got.buffer !== clampedBufferTicks(want.buffer)) {
    return `tbf buffer of ${dev} does not match (${got.buffer} != ${want.buffer})`;
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
