// The production FirewallDeps: the system firewall driver (libnftables in this process and, where an
// iptables filter FORWARD chain exists, iptables-save/-restore), in the node's netns; the skel's stderr.
import { lineLogger, type PluginLog } from "../../../shared/cni/plugin.ts";
import { systemFirewall } from "../../../shared/firewall/system.ts";
import type { FirewallDeps } from "./deps.ts";

export function systemDeps(io: PluginLog): FirewallDeps {
  return { firewall: systemFirewall(), log: lineLogger(io, "firewall") };
}
