// static IPAM: the addresses, routes and dns of the config (or of CNI_ARGS / args.cni.ips /
// runtimeConfig.ips, see config.ts) returned as an IPAM result. Pure computation: no store, no
// netns access; DEL has nothing to release.
import { internalError } from "../../../shared/cni/errors.ts";
import type { CmdContext, Plugin } from "../../../shared/cni/plugin.ts";
import { CURRENT_VERSION, type Result } from "../../../shared/cni/types.ts";
import { formatCIDR, formatIP, ipEqual, parseCIDR, parseIP } from "../../../shared/ip/index.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { parseStaticConfig, type StaticConfig } from "./config.ts";

function staticConfigOf(ctx: CmdContext): StaticConfig {
  return parseStaticConfig({ raw: ctx.conf.raw, cniVersion: ctx.conf.cniVersion, cniArgs: ctx.cniArgs, ignoreUnknownArgs: ctx.ignoreUnknownArgs });
}

/** The addresses (host bits kept) with their gateways, the routes and the dns; no interface index. */
function add(ctx: CmdContext): Result {
  const cfg = staticConfigOf(ctx);
  const result: Result = { cniVersion: CURRENT_VERSION };
  if (cfg.addresses.length > 0) {
    result.ips = cfg.addresses.map((a) => (a.gateway ? { address: formatCIDR(a.address), gateway: formatIP(a.gateway) } : { address: formatCIDR(a.address) }));
  }
  if (cfg.routes.length > 0) result.routes = cfg.routes.map((r) => ({ ...r }));
  if (Object.keys(cfg.dns).length > 0) result.dns = { ...cfg.dns };
  return result;
}

/** Nothing was reserved anywhere: DEL reads nothing and always succeeds (as the reference). */
function del(): void {}

/**
 * The reference's (weak) CHECK: for each configured address that prevResult also lists, a configured
 * gateway must match; an address missing from prevResult is not an error.
 */
function check(ctx: CmdContext): void {
  const cfg = staticConfigOf(ctx);
  const prev = ctx.conf.prevResult?.ips ?? [];
  for (const want of cfg.addresses) {
    const got = prev.find((p) => { const c = parseCIDR(p.address); return c !== undefined && ipEqual(c.ip, want.address.ip); });
    if (!got || !want.gateway) continue;
    const gw = got.gateway ? parseIP(got.gateway) : undefined;
    if (!gw || !ipEqual(gw, want.gateway)) {
      throw internalError(`static: Failed to match addr ${formatIP(want.address.ip)} on interface ${ctx.ifname}`);
    }
  }
}

// GC and STATUS: nothing to collect, always ready (absent = success, as the reference).
const plugin: Plugin = { type: "static", supportedVersions: SUPPORTED_VERSIONS, add, del, check };
export default plugin;
