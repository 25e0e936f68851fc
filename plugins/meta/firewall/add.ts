// ADD: accept the container's forwarded traffic (after the admin chain), then the bridge's ingress
// policy; prevResult is returned unchanged. Everything is validated before the first rule; a failing
// ingress policy removes the container's rules again (the shared isolation rules stay, as the reference's).
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import { tracedSync } from "../../../shared/trace.ts";
import { UndoStack } from "../../../shared/undo.ts";
import { parseConfig, resultFamilies, resultIPs, type FirewallConfig } from "./config.ts";
import type { FirewallDeps } from "./deps.ts";
import { mapped } from "./errors.ts";

/** The bridge an ingress policy applies to: prevResult's first interface, as the reference. */
function bridgeOf(cfg: FirewallConfig, prev: Result): string | undefined {
  if (cfg.ingressPolicy === "open") return undefined;
  const name = prev.interfaces?.[0]?.name;
  if (!name) {
    throw invalidConfig(`interface needs to be set for ingress policy "${cfg.ingressPolicy}", make sure to chain "firewall" plugin with "bridge"`);
  }
  return name;
}

export async function cmdAdd(ctx: CmdContext, deps: FirewallDeps): Promise<Result> {
  const cfg = parseConfig(ctx.conf);
  const prev = ctx.conf.prevResult;
  if (!prev) throw invalidConfig("missing prevResult from earlier plugin");
  const bridge = bridgeOf(cfg, prev);
  const setup = { network: cfg.name, containerId: ctx.containerId, ips: resultIPs(prev), adminChain: cfg.adminChain };
  await new UndoStack().run((undo) => {
    mapped(() => tracedSync("firewall setupForward", () => deps.firewall.setupForward(setup)));
    undo.push("remove forward rules", () => deps.firewall.teardownForward(setup));
    if (bridge === undefined || cfg.ingressPolicy === "open") return;
    const policy = { network: cfg.name, bridge, policy: cfg.ingressPolicy, families: resultFamilies(prev) };
    mapped(() => deps.firewall.setupIngressPolicy(policy));
  }, deps.log);
  return prev;
}
