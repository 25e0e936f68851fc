// DEL: release CNI_IFNAME from the VRF and delete the VRF once no interface is enslaved to it. A gone
// netns, VRF or interface is success (the reference fails when the interface is gone).
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { parseVrfConfig } from "./config.ts";
import type { VrfDeps } from "./deps.ts";

export function cmdDel(ctx: CmdContext, deps: VrfDeps): void {
  const cfg = parseVrfConfig(ctx.conf);
  if (!ctx.netns) return;
  const pod = deps.openExistingPod(ctx.netns);
  if (!pod) return;
  try {
    const vrf = pod.link(cfg.vrfName);
    if (!vrf || vrf.kind !== "vrf") return;
    const l = pod.link(ctx.ifname);
    if (l && l.master === vrf.ifindex) pod.releaseMaster(l.ifindex);
    if (pod.slaveCount(vrf.ifindex) === 0) pod.deleteLink(vrf.ifindex);
  } finally {
    pod.close();
  }
}
