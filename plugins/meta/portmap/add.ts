// ADD: validate everything, pass through without mappings, else one nft transaction for the container's
// forwards, route_localnet for IPv4 snat, and a flush of stale UDP conntrack entries. prevResult is
// returned unchanged. A failure after the transaction removes the container's entries again.
import { invalidConfig, wrapError } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import { UndoStack } from "../../../shared/undo.ts";
import { checkHostIPFamilies, containerAddresses, parseConfig, type ContainerAddress, type PortmapConfig } from "./config.ts";
import type { PortmapDeps } from "./deps.ts";
import { mapped } from "./errors.ts";
import { buildSetup, udpHostPorts } from "./setup.ts";

export async function cmdAdd(ctx: CmdContext, deps: PortmapDeps): Promise<Result> {
  const cfg = parseConfig(ctx.conf);
  const prev = ctx.conf.prevResult;
  if (!prev) throw invalidConfig("must be called as chained plugin");
  if (cfg.mappings.length === 0) return prev;
  const addrs = containerAddresses(prev, ctx.ifname);
  checkHostIPFamilies(cfg.mappings, addrs);
  if (addrs.length === 0) return prev; // nothing to forward to, as the reference
  const setup = buildSetup(cfg, ctx.containerId, addrs);
  await new UndoStack().run((undo) => {
    mapped(() => deps.firewall.setupPortForward(setup, cfg.name));
    undo.push("remove port forwards", () => deps.firewall.teardownPortForward(ctx.containerId, cfg.name));
    enableLocalnet(cfg, addrs, deps);
  }, deps.log);
  flushUdpConntrack(cfg, addrs, deps);
  return prev;
}

/** IPv4 with snat: 127.0.0.1:hostPort must be routable out of the interface toward the container. */
function enableLocalnet(cfg: PortmapConfig, addrs: readonly ContainerAddress[], deps: PortmapDeps): void {
  const v4 = addrs.find((a) => a.family === 4);
  if (!cfg.snat || !v4) return;
  try {
    deps.enableLocalnet(v4.ip);
  } catch (e) {
    throw wrapError("unable to enable route_localnet", e);
  }
}

/** Informative only, like the reference: a failure is logged, never fails the ADD. */
function flushUdpConntrack(cfg: PortmapConfig, addrs: readonly ContainerAddress[], deps: PortmapDeps): void {
  const ports = udpHostPorts(cfg);
  if (ports.size === 0) return;
  try {
    deps.deleteUdpConntrack(addrs.map((a) => a.family), ports);
  } catch (e) {
    deps.log(`failed to delete stale UDP conntrack entries: ${e instanceof Error ? e.message : String(e)}`);
  }
}
