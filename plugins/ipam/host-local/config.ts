// host-local configuration: every key of the reference (allocator/config.go LoadIPAMConfig), with its
// defaults, order of range sets, requested-IP sources and messages. Pure: no I/O.
// Keys are matched like Go's encoding/json: exact name first, else case-insensitively.
import { loadArgs, type ArgPair } from "../../../shared/cni/args.ts";
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { Route } from "../../../shared/cni/types.ts";
import { formatCIDR, formatIP, parseCIDR, parseIP, type Cidr, type IP } from "../../../shared/ip/index.ts";
import { canonicalizeRangeSet, RangeConfigError, rangeSetsOverlap, type RangeSet, type RawRange } from "./range.ts";

export const DEFAULT_DATA_DIR = "/var/lib/cni/networks";

export interface HostLocalConfig {
  /** the network name: the store directory under dataDir */
  readonly name: string;
  readonly cniVersion: string;
  /** runtimeConfig.ipRanges, then the legacy top-level range, then ipam.ranges */
  readonly ranges: readonly RangeSet[];
  readonly routes: readonly Route[];
  readonly dataDir: string;
  /** "" = none */
  readonly resolvConf: string;
  /** CNI_ARGS IP, then args.cni.ips, then runtimeConfig.ips; canonical, in order (may repeat) */
  readonly requestedIPs: readonly IP[];
}

type Obj = Record<string, unknown>;

/** Go encoding/json field lookup: an exact key wins, else the last case-insensitive match. */
export function field(obj: Obj, key: string): unknown {
  if (Object.prototype.hasOwnProperty.call(obj, key)) return obj[key];
  const lower = key.toLowerCase();
  let found: unknown;
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) found = obj[k];
  return found;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  return typeof v === "object" ? "object" : typeof v;
}

function typeError(v: unknown, where: string, want: string): never {
  throw invalidConfig(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${where} of type ${want}`);
}

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function optString(obj: Obj, key: string, where: string): string {
  const v = field(obj, key);
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") typeError(v, where, "string");
  return v;
}

function optArray(obj: Obj, key: string, where: string, want: string): unknown[] | undefined {
  const v = field(obj, key);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) typeError(v, where, want);
  return v;
}

/** A net.IP field: "" or null = unset; otherwise must parse ("invalid IP address: x"). */
function optIP(obj: Obj, key: string, where: string): IP | undefined {
  const text = optString(obj, key, where);
  if (text === "") return undefined;
  const ip = parseIP(text);
  if (!ip) throw invalidConfig(`invalid IP address: ${text}`);
  return ip;
}

/** A types.IPNet field: null = unset; any string must be a CIDR ("invalid CIDR address: x"). */
function optCidr(obj: Obj, key: string, where: string): Cidr | undefined {
  const v = field(obj, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") typeError(v, where, "string");
  const c = parseCIDR(v);
  if (!c) throw invalidConfig(`invalid CIDR address: ${v}`);
  return c;
}

function readRawRange(v: unknown, where: string): RawRange {
  if (!isObj(v)) typeError(v, where, "allocator.Range");
  return {
    subnet: optCidr(v, "subnet", `${where}.subnet`),
    rangeStart: optIP(v, "rangeStart", `${where}.rangeStart`),
    rangeEnd: optIP(v, "rangeEnd", `${where}.rangeEnd`),
    gateway: optIP(v, "gateway", `${where}.gateway`),
  };
}

function readRangeSets(list: unknown[] | undefined, where: string): RawRange[][] {
  return (list ?? []).map((set) => {
    if (set === null) return [];
    if (!Array.isArray(set)) typeError(set, where, "allocator.RangeSet");
    return set.map((r) => readRawRange(r, where));
  });
}

/** "ip" or "ip/prefix" (the prefix is ignored), as the reference's ip.IP text form. */
export function parseRequestedIP(text: string): IP | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return parseIP(text);
  return parseCIDR(text)?.ip;
}

function readIPList(list: unknown[] | undefined, where: string): IP[] {
  return (list ?? []).map((v) => {
    if (typeof v !== "string") typeError(v, where, "ip.IP");
    const ip = parseRequestedIP(v);
    if (!ip) throw invalidConfig(`invalid IP address ${v}`);
    return ip;
  });
}

function optInt(obj: Obj, key: string): number | undefined {
  const v = field(obj, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v)) typeError(v, `Route.${key}`, "int");
  return v;
}

function readRoute(v: unknown): Route {
  if (!isObj(v)) typeError(v, "IPAMConfig.ipam.routes", "types.Route");
  const dst = optCidr(v, "dst", "Route.dst");
  if (!dst) throw invalidConfig("invalid route: dst is required");
  const gw = optIP(v, "gw", "Route.gw");
  const route: Route = { dst: formatCIDR(dst) };
  if (gw) route.gw = formatIP(gw);
  for (const k of ["mtu", "advmss", "priority", "table", "scope"] as const) {
    const n = optInt(v, k);
    if (n !== undefined) route[k] = n;
  }
  return route;
}

/** One or more "ip[/prefix]" separated by commas (the reference takes one; a list is a superset). */
function parseIPArg(value: string): IP[] {
  return value.split(",").map((t) => {
    const ip = parseRequestedIP(t.trim());
    if (!ip) throw new Error(`invalid IP address ${value}`);
    return ip;
  });
}

/** CNI_ARGS `IP`; other keys are an error unless IgnoreUnknown (types.LoadArgs, error 999 like it). */
function requestedFromCniArgs(cniArgs: readonly ArgPair[], ignoreUnknown: boolean): IP[] {
  return loadArgs(cniArgs, { IP: parseIPArg }, ignoreUnknown).IP ?? [];
}

/** Version comparison on "MAJOR.MINOR.PATCH"; false when either side is not of that shape. */
export function versionAtLeast(v: string, min: string): boolean {
  const parse = (s: string) => (/^\d+\.\d+\.\d+$/.test(s) ? s.split(".").map(Number) : undefined);
  const a = parse(v);
  const b = parse(min);
  if (!a || !b) return false;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
}

function canonicalizeAll(raw: RawRange[][], cniVersion: string): RangeSet[] {
  const sets = raw.map((s, i) => {
    try {
      return canonicalizeRangeSet(s);
    } catch (e) {
      if (e instanceof RangeConfigError) throw invalidConfig(`invalid range set ${i}: ${e.message}`);
      throw e;
    }
  });
  const v4 = sets.filter((s) => s[0]!.rangeStart.family === 4).length;
  if ((v4 > 1 || sets.length - v4 > 1) && !versionAtLeast(cniVersion, "0.3.0")) {
    throw invalidConfig(`CNI version ${cniVersion} does not support more than 1 address per family`);
  }
  for (let i = 0; i < sets.length - 1; i++) {
    for (let j = i + 1; j < sets.length; j++) {
      if (rangeSetsOverlap(sets[i]!, sets[j]!)) throw invalidConfig(`range set ${i} overlaps with ${j}`);
    }
  }
  return sets;
}

export interface ConfigInput {
  /** the whole decoded stdin object */
  raw: Obj;
  cniArgs: readonly ArgPair[];
  ignoreUnknownArgs: boolean;
}

function readRequested(input: ConfigInput, runtime: Obj): IP[] {
  const args = field(input.raw, "args");
  const cni = isObj(args) ? field(args, "cni") : undefined;
  return [
    ...requestedFromCniArgs(input.cniArgs, input.ignoreUnknownArgs),
    ...(isObj(cni) ? readIPList(optArray(cni, "ips", "IPAMArgs.ips", "[]*ip.IP"), "IPAMArgs.ips") : []),
    ...readIPList(optArray(runtime, "ips", "Net.runtimeConfig.ips", "[]*ip.IP"), "Net.runtimeConfig.ips"),
  ];
}

function readIpam(raw: Obj): Obj {
  const ipam = field(raw, "ipam");
  if (ipam === undefined || ipam === null) throw invalidConfig("IPAM config missing 'ipam' key");
  if (!isObj(ipam)) typeError(ipam, "Net.ipam", "allocator.IPAMConfig");
  return ipam;
}

/** Parses and validates the host-local config; throws CniError 7 (config) or 999 (CNI_ARGS, as the reference). */
export function parseConfig(input: ConfigInput): HostLocalConfig {
  const { raw } = input;
  const ipam = readIpam(raw);
  const rc = field(raw, "runtimeConfig");
  const runtime: Obj = isObj(rc) ? rc : {};
  const cniVersion = optString(raw, "cniVersion", "Net.cniVersion");
  const legacy = readRawRange(ipam, "IPAMConfig.ipam");
  const rawSets = [
    ...readRangeSets(optArray(runtime, "ipRanges", "Net.runtimeConfig.ipRanges", "[]allocator.RangeSet"), "Net.runtimeConfig.ipRanges"),
    ...(legacy.subnet ? [[legacy]] : []),
    ...readRangeSets(optArray(ipam, "ranges", "IPAMConfig.ipam.ranges", "[]allocator.RangeSet"), "IPAMConfig.ipam.ranges"),
  ];
  const routes = (optArray(ipam, "routes", "IPAMConfig.ipam.routes", "[]*types.Route") ?? []).map(readRoute);
  const dataDir = optString(ipam, "dataDir", "IPAMConfig.ipam.dataDir") || DEFAULT_DATA_DIR;
  const resolvConf = optString(ipam, "resolvConf", "IPAMConfig.ipam.resolvConf");
  const requestedIPs = readRequested(input, runtime);
  if (rawSets.length === 0) throw invalidConfig("no IP ranges specified");
  const ranges = canonicalizeAll(rawSets, cniVersion);
  if (dataDir.includes("\0") || resolvConf.includes("\0")) throw invalidConfig("dataDir/resolvConf contain a NUL byte");
  const name = optString(raw, "name", "Net.name");
  return Object.freeze({ name, cniVersion, ranges, routes, dataDir, resolvConf, requestedIPs });
}
