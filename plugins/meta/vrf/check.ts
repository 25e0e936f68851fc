// CHECK: the VRF exists and CNI_IFNAME is enslaved to it (the reference computes this and then
// discards the answer: its CHECK always succeeds).
import { internalError, invalidConfig } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { parseVrfConfig } from "./config.ts";
import type { VrfDeps } from "./deps.ts";

export function cmdCheck(ctx: CmdContext, deps: VrfDeps): void {
  const cfg = parseVrfConfig(ctx.conf);
  if (!ctx.conf.prevResult) throw invalidConfig("missing prevResult from earlier plugin");
  const pod = deps.openPod(ctx.netns);
  try {
    const vrf = pod.link(cfg.vrfName);
    if (!vrf || vrf.kind !== "vrf") throw internalError(`VRF ${cfg.vrfName} not found`);
    const l = pod.link(ctx.ifname);
    if (!l || l.master !== vrf.ifindex) throw internalError(`Failed to find ${ctx.ifname} associated to vrf ${cfg.vrfName}`);
  } finally {
    pod.close();
  }
}
