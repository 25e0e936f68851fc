// DEL: needs only the container ID (and the network name that tags its entries): removes its nft
// elements and the reference's rules and iptables chains. Idempotent; no mappings = no firewall call.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { runTeardown } from "../../../shared/undo.ts";
import { parseConfig } from "./config.ts";
import type { PortmapDeps } from "./deps.ts";
import { mapped } from "./errors.ts";

export async function cmdDel(ctx: CmdContext, deps: PortmapDeps): Promise<void> {
  const cfg = parseConfig(ctx.conf, "count-only");
  if (cfg.mappings.length === 0) return;
  await runTeardown([
    ["remove port forwards", () => mapped(() => deps.firewall.teardownPortForward(ctx.containerId, cfg.name))],
    ["remove iptables rules", () => deps.firewall.teardownLegacyPortForward(cfg.name, ctx.containerId)],
  ]);
}
