// The production PodDeps of bridge and ptp, built by their entries from the skel's IO.
import { lineLogger, type PluginLog } from "../../../shared/cni/plugin.ts";
import { systemFirewall } from "../../../shared/firewall/system.ts";
import type { PodDeps } from "./deps.ts";
import { delegatingIpam } from "./ipam.ts";

export function systemPodDeps(io: PluginLog, prefix: string): PodDeps {
  return { firewall: systemFirewall(), ipam: delegatingIpam, log: lineLogger(io, prefix) };
}
