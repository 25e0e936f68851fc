// GC and STATUS (spec 1.1) for the main plugins (bridge, ptp): masquerade rules of attachments not in
// the valid list go away, and both verbs are forwarded to IPAM as the spec requires.
import type { GcContext, StatusContext } from "../../../shared/cni/plugin.ts";
import { runTeardown, type TeardownStep } from "../../../shared/undo.ts";
import type { PodDeps } from "./deps.ts";

/** `extra`: the plugin's own stale-state steps (bridge: macspoofchk). */
export async function gc(ctx: GcContext, deps: PodDeps, extra: readonly TeardownStep[] = []): Promise<void> {
  const valid = ctx.validAttachments.map((a) => ({ containerId: a.containerID, ifname: a.ifname }));
  const steps: TeardownStep[] = [["remove stale masquerade rules", () => deps.firewall.gcIPMasq(ctx.conf.name, valid)], ...extra];
  const ipam = ctx.conf.ipam?.type;
  if (ipam) steps.push([`GC through ${ipam}`, () => deps.ipam.gc(ctx)]);
  await runTeardown(steps);
}

export async function status(ctx: StatusContext, deps: PodDeps): Promise<void> {
  await deps.ipam.status(ctx);
}
