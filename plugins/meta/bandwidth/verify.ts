// CHECK's comparisons of what the kernel reports with what the config implies. Pure.
import { isMirred, TCA_EGRESS_REDIR, type Filter, type Qdisc, type TbfParams } from "../../../shared/netlink/codec/tc.ts";

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
