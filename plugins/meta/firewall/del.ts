// DEL: removes the container's rules wherever they are (tscni's, found by tag; the reference's, found by
// the prevResult addresses: an in-place upgrade leaks nothing). Idempotent, needs no netns. Ingress
// policy rules stay (the bridge is shared): GC collects them. firewalld: nothing to remove (never ADDed).
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { tracedSync } from "../../../shared/trace.ts";
import { parseConfig, resultIPs } from "./config.ts";
import type { FirewallDeps } from "./deps.ts";
import { mapped } from "./errors.ts";

export function cmdDel(ctx: CmdContext, deps: FirewallDeps): void {
  const cfg = parseConfig(ctx.conf, false);
  if (cfg.backend === "firewalld") {
    deps.log('backend "firewalld" is not supported: nothing to remove');
    return;
  }
  const ips = resultIPs(ctx.conf.prevResult);
  mapped(() => tracedSync("firewall teardownForward", () => deps.firewall.teardownForward({ network: cfg.name, containerId: ctx.containerId, ips })));
}
