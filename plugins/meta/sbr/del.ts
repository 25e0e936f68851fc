// DEL: delete every rule (of `table`, or of any table) whose source is an address still on CNI_IFNAME,
// as the reference's tidyRules; routes go with the link. Unlike the reference (which creates a file at
// a missing netns path, and fails on an empty CNI_NETNS), a gone netns or link is success.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { runTeardown, type TeardownStep } from "../../../shared/undo.ts";
import { parseSbrConfig } from "./config.ts";
import type { PodRouting, SbrDeps } from "./deps.ts";

function ruleSteps(pod: PodRouting, ifindex: number, table: number | undefined): TeardownStep[] {
  const addrs = new Set(pod.addresses(ifindex));
  return pod
    .rules(table)
    .filter((rule) => rule.src !== undefined && addrs.has(rule.src))
    .map((rule) => [`delete rule from ${rule.src} lookup ${rule.table}`, () => pod.deleteRule(rule)]);
}

export async function cmdDel(ctx: CmdContext, deps: SbrDeps): Promise<void> {
  const cfg = parseSbrConfig(ctx.conf);
  if (!ctx.netns) return;
  const pod = deps.openExistingPod(ctx.netns);
  if (!pod) return;
  try {
    const ifindex = pod.linkIndex(ctx.ifname);
    if (ifindex === undefined) return;
    await runTeardown(ruleSteps(pod, ifindex, cfg.table));
  } finally {
    pod.close();
  }
}
