// GC (spec 1.1): removes this network's container rules whose container is not among the valid
// attachments and, once none of the network's containers remains, its bridges' ingress-policy rules.
import type { GcContext } from "../../../shared/cni/plugin.ts";
import { parseConfig } from "./config.ts";
import type { FirewallDeps } from "./deps.ts";
import { mapped } from "./errors.ts";

export function cmdGc(ctx: GcContext, deps: FirewallDeps): void {
  const cfg = parseConfig(ctx.conf, false);
  if (cfg.backend === "firewalld") return;
  const valid = new Set(ctx.validAttachments.map((a) => a.containerID));
  mapped(() => deps.firewall.gcForward(cfg.name, valid));
}
