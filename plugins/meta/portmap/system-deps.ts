// The production PortmapDeps: the nftables firewall driver (libnftables in this process, in the node's
// netns), ctnetlink for conntrack, rtnetlink + /proc/sys for route_localnet, the skel's stderr.
import { lineLogger, type PluginLog } from "../../../shared/cni/plugin.ts";
import { systemFirewall } from "../../../shared/firewall/system.ts";
import { afOf } from "../../../shared/ip/index.ts";
import { IPPROTO_UDP } from "../../../shared/netlink/nf/codec/conntrack.ts";
import { deleteConntrackForDstPorts } from "./conntrack.ts";
import type { PortmapDeps } from "./deps.ts";
import { enableLocalnetFor } from "./localnet.ts";

export function systemDeps(io: PluginLog): PortmapDeps {
  return {
    firewall: systemFirewall(),
    enableLocalnet: (ip) => enableLocalnetFor(ip),
    deleteUdpConntrack: (families, ports) =>
      deleteConntrackForDstPorts(families.map(afOf), IPPROTO_UDP, ports),
    log: lineLogger(io, "portmap"),
  };
}
