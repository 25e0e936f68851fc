// GC and STATUS (spec 1.1) for the main plugins (bridge, ptp): masquerade rules of attachments not in
// the valid list go away, and both verbs are forwarded to IPAM as the spec requires.
import { delegateGC, delegateStatus } from "../../../shared/cni/delegate.ts";
import type { GcContext, StatusContext } from "../../../shared/cni/plugin.ts";
import { gcIPMasq } from "../../../shared/firewall/nft.ts";
import { runTeardown, type TeardownStep } from "../../../shared/undo.ts";

export async function gc(ctx: GcContext): Promise<void> {
  const valid = ctx.validAttachments.map((a) => ({ containerId: a.containerID, ifname: a.ifname }));
  const steps: TeardownStep[] = [["remove stale masquerade rules", () => gcIPMasq(ctx.conf.name, valid)]];
  const ipam = ctx.conf.ipam?.type;
  if (ipam) steps.push([`GC through ${ipam}`, () => delegateGC(ipam, ctx)]);
  await runTeardown(steps);
}

export async function status(ctx: StatusContext): Promise<void> {
  const ipam = ctx.conf.ipam?.type;
  if (ipam) await delegateStatus(ipam, ctx);
}
