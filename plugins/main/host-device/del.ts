// host-device DEL: release the IP (always, with or without a netns: the reference skips it without
// one), then move the pod's link back to the node under the name its alias keeps. Succeeds when
// repeated and when the netns or the link is gone (the reference fails then: pods stuck in
// Terminating, pl#995). Reads no selection key and no sysfs: a device that left the node meanwhile
// (a removed VF) does not block it either.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { lineLogger } from "../../../shared/cni/plugin.ts";
import { getLinkByName } from "../../../shared/netlink/links.ts";
import { NetnsGoneError } from "../../../shared/ns/netns.ts";
import { runTeardown } from "../../../shared/undo.ts";
import { PodHandles } from "../pod/handles.ts";
import { delegatingIpam } from "../pod/ipam.ts";
import { parseHostDeviceConfig } from "./config.ts";
import { moveOutOfPod } from "./move.ts";

function openPod(netns: string): PodHandles | undefined {
  try {
    return PodHandles.open(netns);
  } catch (e) {
    if (e instanceof NetnsGoneError) return undefined;
    throw e;
  }
}

/** The pod link named ifname goes back to the node as its alias says; gone already is done. */
function returnDevice(ctx: CmdContext, log: (line: string) => void): void {
  if (!ctx.netns) return;
  const h = openPod(ctx.netns);
  if (!h) return;
  try {
    const link = getLinkByName(h.ctr, ctx.ifname);
    if (!link) return;
    if (!link.alias) {
      log(`${ctx.ifname} has no alias (its node name): not moved by host-device, or the alias was removed; left in the pod`);
      return;
    }
    const back = moveOutOfPod(h, link, { name: link.alias, alias: "", up: false });
    if (back !== "gone" && back.name !== link.alias) log(`${link.alias} is taken on the node: the device came back as ${back.name}`);
  } finally {
    h.close();
  }
}

export async function del(ctx: CmdContext): Promise<void> {
  parseHostDeviceConfig(ctx.conf);
  const log = lineLogger(ctx, `host-device ${ctx.containerId}/${ctx.ifname}`);
  await runTeardown([
    ["release IP", () => delegatingIpam.del(ctx)],
    ["return the device to the node", () => returnDevice(ctx, log)],
  ]);
}
