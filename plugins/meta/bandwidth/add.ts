// ADD: validate, pass through when nothing is shaped, else find the host veth and shape both
// directions over explicit deps, undoing every finished step if a later one fails.
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { CURRENT_VERSION, type Result } from "../../../shared/cni/types.ts";
import { UndoStack } from "../../../shared/undo.ts";
import { isPassthrough, parseConfig } from "./config.ts";
import type { BandwidthDeps } from "./deps.ts";
import { planShaping, shapeEgress, shapeIngress } from "./shaping.ts";

export async function cmdAdd(ctx: CmdContext, deps: BandwidthDeps): Promise<Result> {
  const cfg = parseConfig(ctx.conf);
  const prev = ctx.conf.prevResult;
  if (isPassthrough(cfg)) return prev ?? { cniVersion: CURRENT_VERSION };
  if (!prev) throw invalidConfig("must be called as chained plugin");
  const plan = planShaping(cfg, ctx, deps.tickInUsec());
  const net = deps.openNet(ctx.netns);
  try {
    const interfaces = [...(prev.interfaces ?? [])];
    const hostVeth = net.hostVeth(interfaces, ctx.ifname);
    return await new UndoStack().run((undo) => {
      if (plan.ingress) shapeIngress(net, hostVeth, plan.ingress, undo);
      if (plan.egress) {
        const ifb = shapeEgress(net, hostVeth, plan, undo);
        interfaces.push(ifb.mac ? { name: ifb.name, mac: ifb.mac } : { name: ifb.name });
      }
      return { ...prev, interfaces };
    }, deps.log);
  } finally {
    net.close();
  }
}
