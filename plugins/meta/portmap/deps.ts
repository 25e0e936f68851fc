// Everything the portmap verbs do to the node, as one injectable object built by the entry (index.ts,
// system-deps.ts) from the skel's IO: the firewall driver, ctnetlink for conntrack, rtnetlink +
// /proc/sys for route_localnet, and the log. Unit tests pass fakes.
import type { FirewallDriver } from "../../../shared/firewall/types.ts";

export interface PortmapDeps {
  /** Port forwards, their GC and the reference's legacy iptables chains. */
  readonly firewall: FirewallDriver;
  /** route_localnet=1 on the interface routing `ip`; returns its name, undefined when none routes it. */
  enableLocalnet(ip: string): string | undefined;
  /** Deletes UDP conntrack entries whose original destination port is in `ports`; returns the count. */
  deleteUdpConntrack(families: readonly (4 | 6)[], ports: ReadonlySet<number>): number;
  /** Informative messages (the skel's stderr). */
  log(line: string): void;
}
