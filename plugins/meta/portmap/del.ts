// DEL: needs only the container ID (and the network name that tags its entries): removes its nft
// elements and the reference's rules and iptables chains. Idempotent; no mappings = no firewall call.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { parseConfig } from "./config.ts";
import type { PortmapDeps } from "./deps.ts";
import { mapped } from "./errors.ts";

export function cmdDel(ctx: CmdContext, deps: PortmapDeps): void {
  const cfg = parseConfig(ctx.conf, "count-only");
  if (cfg.mappings.length === 0) return;
  const errors: unknown[] = [];
  for (const step of [
    () => mapped(() => deps.teardownPortForward(ctx.containerId, cfg.name)),
    () => deps.teardownLegacyIptables(cfg.name, ctx.containerId),
  ]) {
    try {
      step();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    throw new AggregateError(errors, errors.map((e) => (e instanceof Error ? e.message : String(e))).join("; "));
  }
}
