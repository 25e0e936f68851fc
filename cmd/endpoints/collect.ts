// Reads the node's attachment records for `tscni endpoints` and `tscni audit`: libcni's result cache
// (<cacheDir>/results) and every host-local store (<dataDir>/<network>/), the default data dir plus
// any `ipam.dataDir` a cached conflist names. Read-only, no locks: a snapshot.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_DATA_DIR } from "../../plugins/ipam/host-local/config.ts";
import { INDEX_ROOT, readAllocations } from "../../plugins/ipam/host-local/store.ts";
import { listCached, type CachedAttachment } from "../run/cache.ts";
import { cachedDataDirs, endpointFromCache, withAllocations, type Endpoint, type NetworkAllocations } from "./model.ts";

export interface RecordDirs {
  /** libcni's cache root (results in <cacheDir>/results) */
  readonly cacheDir: string;
  /** host-local data dirs to read besides the ones cached conflists name (default: DEFAULT_DATA_DIR) */
  readonly dataDirs?: readonly string[];
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Each network directory of a data dir, with its allocations (unreadable ones skipped). */
function readStores(dataDir: string, network?: string): NetworkAllocations[] {
  let names: string[];
  try {
    names = readdirSync(dataDir).sort();
  } catch {
    return [];
  }
  return names
    .filter((n) => (network === undefined || n === network) && n !== INDEX_ROOT && isDir(join(dataDir, n)))
    .flatMap((n) => {
      try {
        return [{ network: n, dataDir, allocations: readAllocations(join(dataDir, n)) }];
      } catch {
        return [];
      }
    });
}

/** What the node's records hold: cache entries, host-local stores, and the endpoints they make. */
export interface NodeRecords {
  readonly cached: readonly CachedAttachment[];
  readonly stores: readonly NetworkAllocations[];
  readonly endpoints: readonly Endpoint[];
}

/** Reads the cache and every store (the given data dirs, else the default, plus the cached conflists'). */
export function collectRecords(dirs: RecordDirs, network?: string): NodeRecords {
  const cached = listCached(dirs.cacheDir).filter((c) => network === undefined || c.networkName === network);
  const dataDirs = new Set([...(dirs.dataDirs ?? [DEFAULT_DATA_DIR]), ...cached.flatMap(cachedDataDirs)]);
  const stores = [...dataDirs].flatMap((d) => readStores(d, network));
  return { cached, stores, endpoints: withAllocations(cached.map(endpointFromCache), stores) };
}

/** Every attachment the node's records name, optionally of one network, sorted. */
export function collectEndpoints(dirs: RecordDirs, network?: string): Endpoint[] {
  return [...collectRecords(dirs, network).endpoints];
}
