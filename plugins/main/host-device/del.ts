// host-device DEL: release the IP (always, with or without a netns: the reference skips it without
// one), then move the pod's link back to the node under the name its alias keeps. Succeeds when
// repeated and when the netns or the link is gone (the reference fails then: pods stuck in
// Terminating, pl#995). Reads no selection key and no sysfs: a device that left the node meanwhile
// (a removed VF) does not block it either. When the pod netns was destroyed with a physical device
// inside, the kernel put the device back in the initial netns under its pod name (or devN), its alias
// still naming it: with `device` configured, DEL renames it back. An ADD killed between the move and
// the rename to CNI_IFNAME left it in the pod under its temporary name: DEL finds it by its alias.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { lineLogger } from "../../../shared/cni/plugin.ts";
import { NetlinkHandle } from "../../../shared/netlink/client.ts";
import { getLinkByName, listLinks, setLinkAlias, setLinkName, type Link } from "../../../shared/netlink/links.ts";
import { NetnsGoneError } from "../../../shared/ns/netns.ts";
import { runTeardown } from "../../../shared/undo.ts";
import { PodHandles } from "../pod/handles.ts";
import { delegatingIpam } from "../pod/ipam.ts";
import { parseHostDeviceConfig, type HostDeviceConfig } from "./config.ts";
import { moveOutOfPod } from "./move.ts";

function openPod(netns: string): PodHandles | undefined {
  try {
    return PodHandles.open(netns);
  } catch (e) {
    if (e instanceof NetnsGoneError) return undefined;
    throw e;
  }
}

/**
 * A device that came back to the node by itself (its pod netns destroyed): down, not named `device`,
 * its alias exactly `device`, and no link named `device` on the node. Renamed back, alias cleared.
 */
function reclaimReturned(cfg: HostDeviceConfig, log: (line: string) => void): void {
  if (!cfg.device) return;
  const h = NetlinkHandle.open();
  try {
    if (getLinkByName(h, cfg.device)) return;
    const back = listLinks(h).find((l) => l.alias === cfg.device && !l.up);
    if (!back) return;
    setLinkName(h, back, cfg.device);
    setLinkAlias(h, back, "");
    log(`${cfg.device} was back on the node as ${back.name} (its pod netns is gone): renamed to ${cfg.device}`);
  } finally {
    h.close();
  }
}

/** A temporary name the device lands under before its rename to ifname (pod/veth.ts randomVethName). */
const TEMP_NAME = /^veth[0-9a-f]{8}$/;

/**
 * The device still under its temporary name (an ADD killed between the move and the rename): the one
 * pod link with such a name carrying an alias (its node name; `device` when configured).
 */
function landing(h: PodHandles, cfg: HostDeviceConfig): Link | undefined {
  const found = listLinks(h.ctr).filter((l) => TEMP_NAME.test(l.name) && l.alias && (!cfg.device || l.alias === cfg.device));
  return found.length === 1 ? found[0] : undefined;
}

/** The pod link named ifname goes back to the node as its alias says; gone already is done. */
function returnDevice(ctx: CmdContext, cfg: HostDeviceConfig, log: (line: string) => void): void {
  const h = ctx.netns ? openPod(ctx.netns) : undefined;
  if (!h) return reclaimReturned(cfg, log);
  try {
    const link = getLinkByName(h.ctr, ctx.ifname) ?? landing(h, cfg);
    if (!link) return reclaimReturned(cfg, log);
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
  const cfg = parseHostDeviceConfig(ctx.conf);
  const log = lineLogger(ctx, `host-device ${ctx.containerId}/${ctx.ifname}`);
  await runTeardown([
    ["release IP", () => delegatingIpam.del(ctx)],
    ["return the device to the node", () => returnDevice(ctx, cfg, log)],
  ]);
}
