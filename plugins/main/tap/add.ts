// tap ADD: a persistent TAP device created inside the pod netns through the tun driver (shared/sys/
// tun.ts, no `ip` exec'd) under a temporary name and renamed there (pod/link.ts), then MTU, MAC and
// the bridge, then IPAM and the reference's ConfigureIface (pod/single-iface.ts, arp_notify only).
// Every step's inverse is on the undo stack: a failure leaves neither the tap nor the IP behind.
import { internalError } from "../../../shared/cni/errors.ts";
import { lineLogger, type CmdContext } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import { getLinkByIndex, getLinkByName, setLinkMac, setLinkMaster, setLinkMtu, type Link } from "../../../shared/netlink/links.ts";
import { createTap } from "../../../shared/sys/tun.ts";
import type { PodHandles } from "../pod/handles.ts";
import { delegatingIpam, ipamAdd } from "../pod/ipam.ts";
import { addPodIface } from "../pod/single-iface.ts";
import { tapConfigOf, type TapConfig } from "./config.ts";
import { checkSelinuxContext, selinuxState } from "./selinux.ts";

const fail = (msg: string): never => {
  throw internalError(msg);
};

/** The bridge to enslave the tap to, in the pod netns (looked up before anything is created). */
export function findBridge(h: PodHandles, name: string): Link {
  const br = getLinkByName(h.ctr, name) ?? fail(`failed to find bridge "${name}" in the container: Link not found`);
  if (br.kind !== "bridge") fail(`"${name}" already exists but is not a bridge`);
  return br;
}

/** MTU, MAC and bridge on the landed tap; the link as it is then. */
function configureTap(h: PodHandles, tap: Link, cfg: TapConfig, bridge: Link | undefined): Link {
  if (cfg.mtu) setLinkMtu(h.ctr, tap, cfg.mtu);
  if (cfg.mac) setLinkMac(h.ctr, tap, cfg.mac);
  if (bridge) setLinkMaster(h.ctr, tap, bridge);
  return getLinkByIndex(h.ctr, tap.ifindex) ?? fail(`failed to refetch tap "${tap.name}"`);
}

export async function add(ctx: CmdContext, sysfsRoot: string): Promise<Result> {
  const cfg = tapConfigOf(ctx);
  const note = checkSelinuxContext(cfg.selinuxContext, selinuxState(sysfsRoot));
  if (note) lineLogger(ctx, `tap ${ctx.containerId}/${ctx.ifname}`)(note);
  let bridge: Link | undefined;
  return addPodIface(ctx, {
    what: "tap",
    prepare: (h) => {
      bridge = cfg.bridge ? findBridge(h, cfg.bridge) : undefined;
      const tap = { multiQueue: cfg.multiQueue, owner: cfg.owner, group: cfg.group };
      return (name) => h.inContainer(() => createTap({ name, ...tap }));
    },
    afterLanding: (h, link) => configureTap(h, link, cfg, bridge),
    addresses: async (undo) => (cfg.ipamType ? ipamAdd(delegatingIpam, ctx, undo) : undefined),
    notify: "arp",
    dns: cfg.dns,
  });
}
