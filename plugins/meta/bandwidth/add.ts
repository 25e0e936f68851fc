// ADD: validate, pass through when nothing is shaped, else find the host veth and shape both
// directions, undoing every finished step if a later one fails.
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { CURRENT_VERSION, type Result } from "../../../shared/cni/types.ts";
import { readTickInUsec } from "../../../shared/netlink/tc.ts";
import { UndoStack } from "../../../shared/undo.ts";
import { isPassthrough, parseConfig } from "./config.ts";
import { findHostVeth } from "./host-veth.ts";
import { openHandles } from "./session.ts";
import { planShaping, shapeEgress, shapeIngress } from "./shaping.ts";

export async function cmdAdd(ctx: CmdContext, log: (line: string) => void = () => {}): Promise<Result> {
  const cfg = parseConfig(ctx.conf);
  const prev = ctx.conf.prevResult;
  if (isPassthrough(cfg)) return prev ?? { cniVersion: CURRENT_VERSION };
  if (!prev) throw invalidConfig("must be called as chained plugin");
  const plan = planShaping(cfg, ctx.containerId, readTickInUsec());
  const handles = openHandles(ctx.netns);
  try {
    const interfaces = [...(prev.interfaces ?? [])];
    const { host: hostVeth } = findHostVeth(handles.host, handles.container, interfaces, ctx.ifname);
    return await new UndoStack().run((undo) => {
      if (plan.ingress) shapeIngress(handles.host, hostVeth, plan.ingress, undo);
      if (plan.egress) {
        const ifb = shapeEgress(handles.host, hostVeth, plan, undo);
        interfaces.push(ifb.mac ? { name: ifb.name, mac: ifb.mac } : { name: ifb.name });
      }
      return { ...prev, interfaces };
    }, log);
  } finally {
    handles.close();
  }
}
