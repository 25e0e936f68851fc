// The production PodDeps of bridge and ptp, built by their entries from the skel's IO.
import { lineLogger, type PluginLog } from "../../../shared/cni/plugin.ts";
import { systemFirewall } from "../../../shared/firewall/system.ts";
import { NetlinkHandle } from "../../../shared/netlink/client.ts";
import { getLinkByName } from "../../../shared/netlink/links.ts";
import type { PodDeps } from "./deps.ts";
import { PodHandles } from "./handles.ts";
import { delegatingIpam } from "./ipam.ts";
import type { PodNet } from "./net.ts";
import { deleteContainerLink } from "./system-net.ts";

function hostLinkExists(name: string): boolean {
  const host = NetlinkHandle.open();
  try {
    return getLinkByName(host, name) !== undefined;
  } finally {
    host.close();
  }
}

export function systemPodDeps<Net extends PodNet>(io: PluginLog, prefix: string, openNet: (netns: string) => Net): PodDeps<Net> {
  return {
    firewall: systemFirewall(),
    ipam: delegatingIpam,
    openNet,
    openHandles: (netns) => PodHandles.open(netns),
    deleteContainerIface: deleteContainerLink,
    hostLinkExists,
    log: lineLogger(io, prefix),
  };
}
