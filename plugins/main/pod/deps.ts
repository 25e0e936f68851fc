// What a bridge or ptp verb needs from outside its own code, passed in explicitly: the firewall
// driver, the delegated IPAM, the log (the skel's stderr). Each plugin's entry (index.ts) builds the
// production set (system-deps.ts); unit tests pass fakes.
import type { CmdContext, GcContext, StatusContext } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import type { FirewallDriver } from "../../../shared/firewall/types.ts";

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

export interface PodDeps {
  readonly firewall: FirewallDriver;
  readonly ipam: Ipam;
  /** Informative lines (rollback failures) on the skel's stderr. */
  log(line: string): void;
}
