// CHECK: the FORWARD and admin jumps and the container's rules for every prevResult address are present
// where ADD puts them. Unlike the reference, CHECK never creates a missing chain.
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { parseConfig, resultIPs } from "./config.ts";
import type { FirewallDeps } from "./deps.ts";
import { mapped } from "./errors.ts";

export function cmdCheck(ctx: CmdContext, deps: FirewallDeps): void {
  const cfg = parseConfig(ctx.conf);
  const prev = ctx.conf.prevResult;
  if (!prev) throw invalidConfig("missing prevResult from earlier plugin");
  const setup = { network: cfg.name, containerId: ctx.containerId, ips: resultIPs(prev), adminChain: cfg.adminChain };
  mapped(() => deps.firewall.checkForward(setup));
}
