// Everything the firewall verbs do to the node, built by the entry (index.ts, system-deps.ts) from the
// skel's IO: the firewall driver and the log. Unit tests pass fakes.
import type { FirewallDriver } from "../../../shared/firewall/types.ts";

export interface FirewallDeps {
  /** Forward acceptance, ingress policy and their GC (nftables, or iptables where FORWARD exists). */
  readonly firewall: FirewallDriver;
  /** Informative messages (the skel's stderr). */
  log(line: string): void;
}
