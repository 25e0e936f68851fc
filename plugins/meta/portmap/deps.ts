// Everything the portmap verbs do to the node, as one injectable object: system-deps.ts binds it to
// nftables, ctnetlink, rtnetlink and /proc/sys; unit tests pass a recording fake.
import type { PortForwardSetup } from "../../../shared/firewall/types.ts";

export interface PortmapDeps {
  /** One nft transaction; throws PortConflictError, FirewallInputError or FirewallError. */
  setupPortForward(setup: PortForwardSetup, network: string): void;
  /** Removes this network's elements of the container (and the reference's rules); missing = done. */
  teardownPortForward(containerId: string, network: string): void;
  /** Throws FirewallCheckError when something expected is missing or differs. */
  checkPortForward(setup: PortForwardSetup, network: string): void;
  gcPortForward(network: string, validContainerIds: ReadonlySet<string>): void;
  /** The reference's iptables CNI-DN-/CNI-SN- chains of (network, container); absent = no-op. */
  teardownLegacyIptables(network: string, containerId: string): void;
  /** route_localnet=1 on the interface routing `ip`; returns its name, undefined when none routes it. */
  enableLocalnet(ip: string): string | undefined;
  /** Deletes UDP conntrack entries whose original destination port is in `ports`; returns the count. */
  deleteUdpConntrack(families: readonly (4 | 6)[], ports: ReadonlySet<number>): number;
  /** STATUS: can nftables be programmed here? */
  nftablesAvailable(): boolean;
  /** Informative messages (stderr). */
  log(line: string): void;
}
