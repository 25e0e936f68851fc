// host-local configuration: every key of the reference (allocator/config.go LoadIPAMConfig), with its
// defaults, order of range sets, requested-IP sources and messages. Pure: no I/O.
// Keys are matched like Go's encoding/json (shared/cni/reader.ts).
import { loadArgs, type ArgPair } from "../../../shared/cni/args.ts";
import { invalidConfig } from "../../../shared/cni/errors.ts";
import { ConfigReader, type JsonValue } from "../../../shared/cni/reader.ts";
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

/** A net.IP field: "" or null = unset; otherwise must parse ("invalid IP address: x"). */
function optIP(r: ConfigReader, key: string): IP | undefined {
  const text = r.str(key);
  if (text === "") return undefined;
  const ip = parseIP(text);
  if (!ip) r.fail(key, `invalid IP address: ${text}`);
  return ip;
}

/** A types.IPNet field: null = unset; any string must be a CIDR ("invalid CIDR address: x"). */
function optCidr(r: ConfigReader, key: string): Cidr | undefined {
  const text = r.optStr(key);
  if (text === undefined) return undefined;
  const c = parseCIDR(text);
  if (!c) r.fail(key, `invalid CIDR address: ${text}`);
  return c;
}

function readRawRange(r: ConfigReader): RawRange {
  return {
    subnet: optCidr(r, "subnet"),
    rangeStart: optIP(r, "rangeStart"),
    rangeEnd: optIP(r, "rangeEnd"),
    gateway: optIP(r, "gateway"),
  };
}

/** A []RangeSet: each set an array of ranges (a null set is empty, as Go decodes it). */
function readRangeSets(list: JsonValue[] | undefined): RawRange[][] {
  return (list ?? []).map((set) => (set.isNull ? [] : set.arr().map((v) => readRawRange(v.obj()))));
}

/** "ip" or "ip/prefix" (the prefix is ignored), as the reference's ip.IP text form. */
function parseRequestedIP(text: string): IP | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return parseIP(text);
  return parseCIDR(text)?.ip;
}

function readIPList(list: JsonValue[] | undefined): IP[] {
  return (list ?? []).map((v: JsonValue) => {
    const ip = parseRequestedIP(v.str());
    if (!ip) v.fail(`invalid IP address ${v.str()}`);
    return ip;
  });
}

function readRoute(v: JsonValue): Route {
  const r: ConfigReader = v.obj();
  const dst = optCidr(r, "dst");
  if (!dst) r.fail("dst", "invalid route: dst is required");
  const gw = optIP(r, "gw");
  const route: Route = { dst: formatCIDR(dst) };
  if (gw) route.gw = formatIP(gw);
  for (const k of ["mtu", "advmss", "priority", "table", "scope"] as const) {
    const n = r.optInt(k);
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

interface ConfigInput {
  /** the whole decoded stdin object */
  raw: Record<string, unknown>;
  cniArgs: readonly ArgPair[];
  ignoreUnknownArgs: boolean;
}

function readRequested(input: ConfigInput, r: ConfigReader, runtime: ConfigReader): IP[] {
  return [
    ...requestedFromCniArgs(input.cniArgs, input.ignoreUnknownArgs),
    ...readIPList(r.child("args")?.child("cni")?.arr("ips")),
    ...readIPList(runtime.arr("ips")),
  ];
}

/**
 * ADD only: a subnet whose network address is the unspecified address (0.0.0.0/n, ::/n, e.g. the
 * "everything" 0.0.0.0/0 and ::/0) is error 7. The reference (1.1.1) cannot allocate from one either
 * (its next-address arithmetic loses the zero bytes: ADD fails with 999 "no IP addresses available",
 * or hands out "<nil>" with an explicit gateway), and tscni handed out 0.0.0.2 or ::2. DEL, CHECK and
 * GC keep accepting such a config, as the reference's do, so nothing can get stuck.
 */
export function assertAllocatable(cfg: HostLocalConfig): void {
  cfg.ranges.forEach((set, i) => {
    for (const r of set) {
      if (r.subnet.ip.value !== 0n) continue;
      throw invalidConfig(`invalid range set ${i}: subnet ${formatCIDR(r.subnet)} starts at the unspecified address: no pod address can be allocated from it`);
    }
  });
}

/** Parses and validates the host-local config; throws CniError 7 (config) or 999 (CNI_ARGS, as the reference). */
export function parseConfig(input: ConfigInput): HostLocalConfig {
  const r = ConfigReader.of(input.raw);
  const ipam = r.child("ipam");
  if (!ipam) throw invalidConfig("IPAM config missing 'ipam' key");
  const runtime = r.childOrEmpty("runtimeConfig");
  const cniVersion = r.str("cniVersion");
  const legacy = readRawRange(ipam);
  const rawSets = [
    ...readRangeSets(runtime.arr("ipRanges")),
    ...(legacy.subnet ? [[legacy]] : []),
    ...readRangeSets(ipam.arr("ranges")),
  ];
  const routes = (ipam.arr("routes") ?? []).map(readRoute);
  const dataDir = ipam.str("dataDir") || DEFAULT_DATA_DIR;
  const resolvConf = ipam.str("resolvConf");
  const requestedIPs = readRequested(input, r, runtime);
  if (rawSets.length === 0) throw invalidConfig("no IP ranges specified");
  const ranges = canonicalizeAll(rawSets, cniVersion);
  if (dataDir.includes("\0") || resolvConf.includes("\0")) ipam.fail("", "dataDir/resolvConf contain a NUL byte");
  const name = r.str("name");
  return Object.freeze({ name, cniVersion, ranges, routes, dataDir, resolvConf, requestedIPs });
}
