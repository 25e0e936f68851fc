// The firewall request for one container, from its validated config and prevResult addresses. Pure.
import type { PortForwardSetup } from "../../../shared/firewall/types.ts";
import type { ContainerAddress, PortmapConfig } from "./config.ts";

export function buildSetup(cfg: PortmapConfig, containerId: string, addrs: readonly ContainerAddress[]): PortForwardSetup {
  return {
    containerId,
    containerIPs: addrs.map((a) => a.ip),
    mappings: cfg.mappings,
    snat: cfg.snat,
    masqAll: cfg.masqAll,
    ...(cfg.conditionsV4.length ? { conditionsV4: cfg.conditionsV4 } : {}),
    ...(cfg.conditionsV6.length ? { conditionsV6: cfg.conditionsV6 } : {}),
  };
}

/** The host ports of UDP mappings (whose stale conntrack entries ADD deletes). */
export function udpHostPorts(cfg: PortmapConfig): Set<number> {
  return new Set(cfg.mappings.filter((m) => m.protocol === "udp").map((m) => m.hostPort));
}
