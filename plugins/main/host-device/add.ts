// host-device ADD: the selected node link moves into the pod netns (through a throw-away netns,
// move.ts) under a temporary name and is renamed there (pod/link.ts), then IPAM and the reference's
// ConfigureIface (pod/single-iface.ts). Rollback moves it back under its node name, with its alias
// and up state as they were. DPDK mode (a userspace driver on the PCI device): nothing is moved, the
// IPAM result is returned for the pod's DPDK application and applied to no link (as the reference).
import { usingNetns } from "../../../shared/ns/netns.ts";
import { internalError, wrapError } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { CURRENT_VERSION, type Result } from "../../../shared/cni/types.ts";
import { getLinkByName, listLinks, type Link } from "../../../shared/netlink/links.ts";
import { UndoStack } from "../../../shared/undo.ts";
import type { PodHandles } from "../pod/handles.ts";
import { delegatingIpam, ipamAdd } from "../pod/ipam.ts";
import { addPodIface } from "../pod/single-iface.ts";
import { parseHostDeviceConfig, type HostDeviceConfig } from "./config.ts";
import { moveIntoPod, moveOutOfPod } from "./move.ts";
import { selectDevice, type LinkLookup, type Sysfs } from "./select.ts";

/** The node's links for selection, read through the node netns handle. */
const nodeLinks = (h: PodHandles): LinkLookup => ({
  byName: (name) => getLinkByName(h.host, name),
  all: () => listLinks(h.host),
});

/** The selected node link (its name, MAC, alias and up state as they are before the move). */
function findHostDevice(h: PodHandles, find: (l: LinkLookup) => string): Link {
  try {
    const name = find(nodeLinks(h));
    const link = getLinkByName(h.host, name);
    if (!link) throw internalError(`link "${name}" not found`);
    return link;
  } catch (e) {
    throw wrapError("failed to find host device", e);
  }
}

export async function add(ctx: CmdContext, sysfs: Sysfs): Promise<Result> {
  const cfg = parseHostDeviceConfig(ctx.conf);
  const selection = selectDevice(cfg, sysfs);
  if (selection.dpdk) return addDpdk(ctx, cfg);
  let dev: Link;
  return addPodIface(ctx, {
    what: "host-device",
    prepare: (h) => {
      dev = findHostDevice(h, selection.find);
      return (tempName) => moveIntoPod(h, dev, tempName);
    },
    leave: (h, link) => void moveOutOfPod(h, link, { name: dev.name, alias: dev.alias ?? "", up: dev.up }),
    addresses: async (undo) => (cfg.ipamType ? ipamAdd(delegatingIpam, ctx, undo) : undefined),
    notify: false,
    dns: cfg.dns,
  });
}

/** DPDK mode: the pod netns must exist; the result names ifname in it, with IPAM's IPs unapplied. */
async function addDpdk(ctx: CmdContext, cfg: HostDeviceConfig): Promise<Result> {
  usingNetns(ctx.netns, () => undefined);
  const result: Result = { cniVersion: CURRENT_VERSION, interfaces: [{ name: ctx.ifname, sandbox: ctx.netns }] };
  if (!cfg.ipamType) return result;
  return new UndoStack().run(async (undo) => {
    const ipam = await ipamAdd(delegatingIpam, ctx, undo);
    result.ips = (ipam.ips ?? []).map((ip) => ({ ...ip, interface: 0 }));
    if (ipam.routes?.length) result.routes = ipam.routes.map((r) => ({ ...r }));
    if (Object.keys(cfg.dns).length > 0) result.dns = { ...cfg.dns };
    return result;
  });
}
