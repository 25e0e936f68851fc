// CHECK: the container's forwards and masquerade entries must be present, owned and pointing at the
// addresses prevResult gives.
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { checkHostIPFamilies, containerAddresses, parseConfig } from "./config.ts";
import type { PortmapDeps } from "./deps.ts";
import { mapped } from "./errors.ts";
import { buildSetup } from "./setup.ts";

export function cmdCheck(ctx: CmdContext, deps: PortmapDeps): void {
  const cfg = parseConfig(ctx.conf);
  const prev = ctx.conf.prevResult;
  if (!prev) throw invalidConfig("Required prevResult missing");
  if (cfg.mappings.length === 0) return;
  const addrs = containerAddresses(prev, ctx.ifname);
  checkHostIPFamilies(cfg.mappings, addrs);
  if (addrs.length === 0) return;
  mapped(() => deps.firewall.checkPortForward(buildSetup(cfg, ctx.containerId, addrs), cfg.name));
}
