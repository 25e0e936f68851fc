// ADD: source-based routing for CNI_IFNAME's IPs (the reference's doRoutes / doRoutesWithTable),
// in the pod's netns under the netns lock; every finished step is undone if a later one fails.
import { internalError, invalidConfig } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import { UndoStack } from "../../../shared/undo.ts";
import { ipsOf, parseSbrConfig, type SbrIP } from "./config.ts";
import type { PodRouting, SbrDeps } from "./deps.ts";
import { hostPrefix, planSbr, type IpPlan } from "./plan.ts";

function addRule(pod: PodRouting, src: string, table: number, undo: UndoStack): void {
  pod.addRule(src, table);
  undo.push(`remove rule from ${src} lookup ${table}`, () => pod.removeRule(src, table));
}

/** With `table`: only the rules (the routes stay where they are). */
function rulesOnly(pod: PodRouting, ips: readonly SbrIP[], table: number, undo: UndoStack): void {
  for (const ip of ips) addRule(pod, hostPrefix(ip), table, undo);
}

function fillTable(pod: PodRouting, ifindex: number, p: IpPlan, undo: UndoStack): void {
  addRule(pod, p.src, p.table, undo);
  if (p.gateway) {
    pod.addDefaultRoute(ifindex, p.gateway, p.table);
    undo.push(`remove default via ${p.gateway} table ${p.table}`, () => pod.removeDefaultRoute(ifindex, p.gateway!, p.table));
  }
  for (const rt of p.copies) {
    pod.copyRoute(rt, p.table);
    undo.push(`remove route copy in table ${p.table}`, () => pod.removeRoute({ ...rt, table: p.table, flags: 0 }));
  }
}

/** Without `table`: a table per IP, then the link's main-table routes deleted. */
function tablePerIp(pod: PodRouting, ifindex: number, ips: readonly SbrIP[], undo: UndoStack): void {
  const plan = planSbr(ips, pod.usedTables(), pod.mainRoutes(ifindex));
  for (const p of plan.ips) fillTable(pod, ifindex, p, undo);
  for (const rt of plan.deletes) {
    pod.removeRoute(rt);
    undo.push("restore main-table route", () => pod.copyRoute(rt, rt.table));
  }
}

export async function cmdAdd(ctx: CmdContext, deps: SbrDeps): Promise<Result> {
  const cfg = parseSbrConfig(ctx.conf);
  const prev = ctx.conf.prevResult;
  if (!prev) throw invalidConfig("This plugin must be called as chained plugin");
  const ips = ipsOf(prev, ctx.ifname);
  const pod = deps.openPod(ctx.netns);
  try {
    await new UndoStack().run((undo) => {
      if (cfg.table !== undefined) return rulesOnly(pod, ips, cfg.table, undo);
      const ifindex = pod.linkIndex(ctx.ifname);
      if (ifindex === undefined) throw internalError(`Cannot find network interface ${ctx.ifname}: link not found`);
      tablePerIp(pod, ifindex, ips, undo);
    }, deps.log);
  } finally {
    pod.close();
  }
  return prev;
}
