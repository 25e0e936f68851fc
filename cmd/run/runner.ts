// libcni's list operations (AddNetworkList, CheckNetworkList, DelNetworkList, GCNetworkList,
// GetStatusNetworkList) over an injectable plugin invoker, so every rule is unit-testable without
// processes: ADD in order chaining prevResult then caching the final result; CHECK and DEL with the
// cached result converted to the list's version, DEL in reverse and then dropping the cache entry;
// GC deleting every cached attachment of the network that is not valid, then calling each plugin's
// GC (spec 1.1); STATUS asking each plugin in order, stopping at the first failure.
import { validateContainerId, validateIfname, validateNetworkName } from "../../shared/cni/env.ts";
import { invalidConfig, internalError } from "../../shared/cni/errors.ts";
import type { JsonObject } from "../../shared/cni/json.ts";
import { convertFromCurrent, parseResult, versionAtLeast } from "../../shared/cni/version.ts";
import { listCached, readCachedResult, removeCache, writeCache } from "./cache.ts";
import { gcStdin, pluginStdin, statusStdin, typeOf, type ConfList, type GcAttachment } from "./conflist.ts";

/** What a runtime passes per attachment (libcni RuntimeConf). */
export interface RuntimeConf {
  readonly containerId: string;
  readonly netns: string;
  readonly ifName: string;
  readonly cniArgs: ReadonlyArray<readonly [string, string]>;
  readonly capabilityArgs: JsonObject;
}

export interface Invocation {
  readonly verb: "ADD" | "DEL" | "CHECK" | "GC" | "STATUS";
  readonly stdin: JsonObject;
  /** undefined for GC and STATUS (libcni passes an empty RuntimeConf) */
  readonly rt?: RuntimeConf;
}

/** Runs one plugin: its parsed stdout, or throws a CniError. */
type Invoker = (inv: Invocation) => unknown;

export interface RunnerDeps {
  readonly invoke: Invoker;
  readonly cacheDir: string;
}

function validateRt(list: ConfList, rt: RuntimeConf): void {
  validateContainerId(rt.containerId);
  validateNetworkName(list.name);
  validateIfname(rt.ifName);
}

/** The cached result in the list's version (libcni getCachedResult), or undefined. */
function cachedResult(list: ConfList, rt: RuntimeConf, cacheDir: string): unknown {
  const raw = readCachedResult(cacheDir, list.name, rt.containerId, rt.ifName);
  if (raw === undefined) return undefined;
  const result = parseResult(raw, list.cniVersion);
  return convertFromCurrent(result, list.cniVersion);
}

export function addList(list: ConfList, rt: RuntimeConf, deps: RunnerDeps): unknown {
  validateRt(list, rt);
  let result: unknown;
  for (const plugin of list.plugins) {
    const out = deps.invoke({ verb: "ADD", stdin: pluginStdin(list, plugin, result, rt.capabilityArgs), rt });
    if (out === undefined) throw internalError(`plugin type="${typeOf(plugin)}" printed no result for ADD`);
    parseResult(out, list.cniVersion); // refuse what libcni could not decode
    result = out;
  }
  writeCache(deps.cacheDir, {
    containerId: rt.containerId,
    ifName: rt.ifName,
    networkName: list.name,
    netns: rt.netns,
    cniArgs: rt.cniArgs,
    capabilityArgs: rt.capabilityArgs,
    config: list.bytes,
    result: result as JsonObject,
  });
  return result;
}

export function checkList(list: ConfList, rt: RuntimeConf, deps: RunnerDeps): void {
  if (!versionAtLeast(list.cniVersion || "0.0.0", "0.4.0")) {
    throw invalidConfig(`configuration version "${list.cniVersion}" does not support the CHECK command`);
  }
  if (list.disableCheck) return;
  validateRt(list, rt);
  const prev = cachedResult(list, rt, deps.cacheDir);
  for (const plugin of list.plugins) deps.invoke({ verb: "CHECK", stdin: pluginStdin(list, plugin, prev, rt.capabilityArgs), rt });
}

export function delList(list: ConfList, rt: RuntimeConf, deps: RunnerDeps): void {
  validateRt(list, rt);
  const withCache = versionAtLeast(list.cniVersion || "0.0.0", "0.4.0");
  const prev = withCache ? cachedResult(list, rt, deps.cacheDir) : undefined;
  for (const plugin of [...list.plugins].reverse()) {
    deps.invoke({ verb: "DEL", stdin: pluginStdin(list, plugin, prev, rt.capabilityArgs), rt });
  }
  removeCache(deps.cacheDir, list.name, rt.containerId, rt.ifName);
}

/** Collects each failure and goes on, as GCNetworkList does; throws them joined at the end. */
function collect(errors: Error[], step: () => void): void {
  try {
    step();
  } catch (e) {
    errors.push(e instanceof Error ? e : new Error(String(e)));
  }
}

export function gcList(list: ConfList, valid: readonly GcAttachment[], deps: RunnerDeps): void {
  if (list.disableGC) return;
  const keep = new Set(valid.map((a) => `${a.containerID}\u0000${a.ifname}`));
  const errors: Error[] = [];
  for (const c of listCached(deps.cacheDir)) {
    if (c.networkName !== list.name || keep.has(`${c.containerId}\u0000${c.ifName}`)) continue;
    const rt = { containerId: c.containerId, netns: c.netns, ifName: c.ifName, cniArgs: c.cniArgs, capabilityArgs: c.capabilityArgs };
    collect(errors, () => delList(list, rt, deps));
  }
  if (versionAtLeast(list.cniVersion || "0.0.0", "1.1.0")) {
    for (const plugin of list.plugins) collect(errors, () => deps.invoke({ verb: "GC", stdin: gcStdin(list, plugin, valid) }));
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw internalError(errors.map((e) => e.message).join("; "));
}

export function statusList(list: ConfList, deps: RunnerDeps): void {
  if (!versionAtLeast(list.cniVersion || "0.0.0", "1.1.0")) return;
  for (const plugin of list.plugins) deps.invoke({ verb: "STATUS", stdin: statusStdin(list, plugin) });
}
