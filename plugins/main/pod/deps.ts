// What a bridge or ptp verb needs from outside its own code, passed in explicitly: the firewall
// driver, the delegated IPAM, the two namespaces' kernel steps, the log (the skel's stderr). Each
// plugin's entry (index.ts) builds the production set (system-deps.ts); unit tests pass fakes.
import type { CmdContext, GcContext, StatusContext } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import type { FirewallDriver } from "../../../shared/firewall/types.ts";
import type { PodHandles } from "./handles.ts";
import type { PodNet } from "./net.ts";

/** The network's IPAM plugin (ipam.type), as the spec delegates to it. */
export interface Ipam {
  /** Allocates; the result is in the current version. */
  add(ctx: CmdContext): Promise<Result>;
  /** Releases; idempotent. */
  del(ctx: CmdContext): Promise<void>;
  check(ctx: CmdContext): Promise<void>;
  gc(ctx: GcContext): Promise<void>;
  status(ctx: StatusContext): Promise<void>;
}

export interface PodDeps<Net extends PodNet = PodNet> {
  readonly firewall: FirewallDriver;
  readonly ipam: Ipam;
  /** ADD: opens the node and container namespaces for the wiring steps (NetnsGoneError if CNI_NETNS is gone). */
  openNet(netns: string): Net;
  /** CHECK: read access to both namespaces. */
  openHandles(netns: string): PodHandles;
  /** DEL: deletes the container interface (its veth peer goes with it); a missing netns or link is fine. */
  deleteContainerIface(netns: string, ifname: string): void;
  /** GC: whether a link of that name exists in the node netns. */
  hostLinkExists(name: string): boolean;
  /** Informative lines (rollback failures) on the skel's stderr. */
  log(line: string): void;
}
