// libcni's result cache: one file per attachment, <cacheDir>/results/<network>-<containerID>-<ifname>,
// holding {"kind":"cniCacheV1", containerId, config (the conflist, base64), ifName, networkName,
// netns, cniArgs, capabilityArgs, result} (libcni api.go cachedInfo). A runtime using libcni and
// `tscni run` read each other's files. Older libcni wrote the bare result; it is still read.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isObject, type JsonObject } from "../../shared/cni/json.ts";

export const CACHE_KIND = "cniCacheV1";
/** libcni's CacheDir */
export const DEFAULT_CACHE_DIR = "/var/lib/cni";

export interface CachedAttachment {
  readonly containerId: string;
  readonly ifName: string;
  readonly networkName: string;
  readonly netns: string;
  readonly cniArgs: ReadonlyArray<readonly [string, string]>;
  readonly capabilityArgs: JsonObject;
  readonly config: Uint8Array;
  readonly result?: JsonObject;
}

const resultsDir = (cacheDir: string): string => join(cacheDir, "results");

export function cacheFilePath(cacheDir: string, network: string, containerId: string, ifName: string): string {
  return join(resultsDir(cacheDir), `${network}-${containerId}-${ifName}`);
}

/** The file's text, fields in libcni's order, empty optional fields omitted as Go's omitempty does. */
export function encodeCache(a: CachedAttachment): string {
  const out: JsonObject = {
    kind: CACHE_KIND,
    containerId: a.containerId,
    config: Buffer.from(a.config).toString("base64"),
    ifName: a.ifName,
    networkName: a.networkName,
  };
  if (a.netns) out.netns = a.netns;
  if (a.cniArgs.length > 0) out.cniArgs = a.cniArgs;
  if (Object.keys(a.capabilityArgs).length > 0) out.capabilityArgs = a.capabilityArgs;
  if (a.result) out.result = a.result;
  return JSON.stringify(out);
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

function pairsOf(v: unknown): Array<[string, string]> {
  if (!Array.isArray(v)) return [];
  return v.filter((p): p is [string, string] => Array.isArray(p) && p.length === 2 && p.every((s) => typeof s === "string"));
}

/** A cniCacheV1 entry, or undefined for anything else (legacy files, foreign or broken files). */
export function decodeCache(text: string): CachedAttachment | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(raw) || raw.kind !== CACHE_KIND) return undefined;
  return {
    containerId: str(raw.containerId),
    ifName: str(raw.ifName),
    networkName: str(raw.networkName),
    netns: str(raw.netns),
    cniArgs: pairsOf(raw.cniArgs),
    capabilityArgs: isObject(raw.capabilityArgs) ? raw.capabilityArgs : {},
    config: Buffer.from(str(raw.config), "base64"),
    ...(isObject(raw.result) && { result: raw.result }),
  };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined; // libcni: "the cached result may not exist on-disk"
  }
}

/** One attachment's cniCacheV1 entry, or undefined. */
export function readCachedEntry(cacheDir: string, network: string, containerId: string, ifName: string): CachedAttachment | undefined {
  const text = readText(cacheFilePath(cacheDir, network, containerId, ifName));
  return text === undefined ? undefined : decodeCache(text);
}

/** The cached result of one attachment (libcni getCachedResult, legacy bare results included). */
export function readCachedResult(cacheDir: string, network: string, containerId: string, ifName: string): unknown {
  const text = readText(cacheFilePath(cacheDir, network, containerId, ifName));
  if (text === undefined) return undefined;
  const entry = decodeCache(text);
  if (entry) return entry.result;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Writes the entry atomically (temp file, then rename), dir 0700 and file 0600 as libcni. */
export function writeCache(cacheDir: string, a: CachedAttachment): void {
  const dir = resultsDir(cacheDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = cacheFilePath(cacheDir, a.networkName, a.containerId, a.ifName);
  const tmp = join(dir, `.tmp-${process.pid}-${a.networkName}-${a.containerId}-${a.ifName}`);
  writeFileSync(tmp, encodeCache(a), { mode: 0o600 });
  renameSync(tmp, path);
}

export function removeCache(cacheDir: string, network: string, containerId: string, ifName: string): void {
  rmSync(cacheFilePath(cacheDir, network, containerId, ifName), { force: true });
}

/** libcni GetCachedAttachments(""): every valid cniCacheV1 entry, in file name order. */
export function listCached(cacheDir: string): CachedAttachment[] {
  let names: string[];
  try {
    names = readdirSync(resultsDir(cacheDir)).sort();
  } catch {
    return [];
  }
  const out: CachedAttachment[] = [];
  for (const name of names) {
    const text = readText(join(resultsDir(cacheDir), name));
    const entry = text === undefined ? undefined : decodeCache(text);
    if (entry && entry.ifName !== "" && entry.networkName !== "") out.push(entry);
  }
  return out;
}
