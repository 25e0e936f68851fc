// host-local ADD: one IP per range set (requested IPs honoured), routes and DNS; on any failure,
// the IPs taken by this call are released again. Mirrors the reference's cmdAdd.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { CURRENT_VERSION, type DNS, type IPConfig, type Result } from "../../../shared/cni/types.ts";
import { type CniError, internalError } from "../../../shared/cni/errors.ts";
import { formatIP, parseCIDR, type IP } from "../../../shared/ip/index.ts";
import { allocate, AllocationError, type Holder } from "./allocator.ts";
import { assertAllocatable, parseConfig, type HostLocalConfig } from "./config.ts";
import { asCniError, withStore, type HostLocalDeps, type StoreHandle } from "./deps.ts";
import { parseResolvConf } from "./dns.ts";
import { rangeSetContains, type RangeSet } from "./range.ts";

export function configFromContext(ctx: CmdContext): HostLocalConfig {
  return parseConfig({ raw: ctx.conf.raw, cniArgs: ctx.cniArgs, ignoreUnknownArgs: ctx.ignoreUnknownArgs });
}

function allocationFailed(msg: string): CniError {
  return internalError(msg);
}

/** Takes the first still-wanted requested IP inside the set out of `wanted`. */
function takeRequested(wanted: Map<string, IP>, set: RangeSet): IP | undefined {
  for (const [key, ip] of wanted) {
    if (rangeSetContains(set, ip)) {
      wanted.delete(key);
      return ip;
    }
  }
  return undefined;
}

/** Releases the IPs this call took (only while still held by this attachment). */
function undo(store: StoreHandle, taken: IPConfig[], who: Holder): void {
  store.withLock(() => {
    for (const c of taken) {
      const ip = parseCIDR(c.address)?.ip;
      if (ip) store.releaseIP(ip, who.id, who.ifname);
    }
  });
}

function allocateAll(store: StoreHandle, cfg: HostLocalConfig, who: Holder): IPConfig[] {
  const wanted = new Map(cfg.requestedIPs.map((ip) => [formatIP(ip), ip] as const));
  const taken: IPConfig[] = [];
  try {
    cfg.ranges.forEach((set, idx) => {
      try {
        taken.push(allocate(store, set, idx, who, takeRequested(wanted, set)));
      } catch (e) {
        if (e instanceof AllocationError) throw allocationFailed(`failed to allocate for range ${idx}: ${e.message}`);
        throw e;
      }
    });
    if (wanted.size > 0) throw allocationFailed(`failed to allocate all requested IPs: ${[...wanted.keys()].join(" ")}`);
  } catch (e) {
    undo(store, taken, who);
    throw e;
  }
  return taken;
}

function readDns(deps: HostLocalDeps, cfg: HostLocalConfig): DNS {
  if (!cfg.resolvConf) return {};
  try {
    return parseResolvConf(deps.readTextFile(cfg.resolvConf));
  } catch (e) {
    throw asCniError(e);
  }
}

export function cmdAdd(ctx: CmdContext, deps: HostLocalDeps): Result {
  const cfg = configFromContext(ctx);
  assertAllocatable(cfg);
  const dns = readDns(deps, cfg);
  const who: Holder = { id: ctx.containerId, ifname: ctx.ifname };
  const ips = withStore(deps, cfg.dataDir, cfg.name, (store) => allocateAll(store, cfg, who));
  const result: Result = { cniVersion: CURRENT_VERSION, ips, dns };
  if (cfg.routes.length > 0) result.routes = cfg.routes.map((r) => ({ ...r }));
  return result;
}
