// CNI spec versions: the supported list, comparison, and Result conversion between the current
// (1.1.0) shape and every older one, in both directions. Pure.
//
// Shapes (containernetworking/cni pkg/types):
//   1.1.0        interfaces[{name,mac,mtu,sandbox,socketPath,pciID}], ips[{interface,address,gateway}],
//                routes[{dst,gw,mtu,advmss,priority,table,scope}], dns
//   1.0.0        as 1.1.0 without interface mtu/socketPath/pciID and route mtu/advmss/priority/table/scope
//   0.3.x/0.4.0  as 1.0.0 plus ips[].version "4"|"6"
//   0.1.0/0.2.0  {ip4:{ip,gateway,routes[{dst,gw}]}, ip6:{...}, dns}: one IP per family (via 0.4.0)
import { type CniError, decodingFailure, incompatibleVersion, internalError, invalidConfig } from "./errors.ts";
import { goIndent, isObject, sortKeysDeep, type JsonObject } from "./json.ts";
import { CURRENT_VERSION, type DNS, type IPConfig, type Interface, type Result, type Route } from "./types.ts";
import { formatCIDR, formatIP, parseCIDR, parseIP } from "../ip/index.ts";

/** Every spec version the suite speaks (the reference's version.All plus 1.1.0). */
export const SUPPORTED_VERSIONS: readonly string[] = Object.freeze([
  "0.1.0",
  "0.2.0",
  "0.3.0",
  "0.3.1",
  "0.4.0",
  "1.0.0",
  "1.1.0",
]);

export const LATEST_VERSION = CURRENT_VERSION;

// ---------------------------------------------------------------------------------------------
// Version strings

/** Go's version.ParseVersion: "major[.minor[.micro]]", decimal parts; throws CniError 6 otherwise. */
export function parseVersion(v: string): [number, number, number] {
  const parts = v.split(".");
  if (v === "" || parts.length > 3 || !parts.every((p) => /^[0-9]+$/.test(p))) {
    throw decodingFailure(`invalid version "${v}"`);
  }
  const [a = 0, b = 0, c = 0] = parts.map(Number);
  return [a, b, c];
}

/** -1, 0 or 1 as a is older than, equal to or newer than b. */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  for (let i = 0; i < 3; i++) {
    if (pa[i]! !== pb[i]!) return pa[i]! < pb[i]! ? -1 : 1;
  }
  return 0;
}

export function versionAtLeast(v: string, min: string): boolean {
  return compareVersions(v, min) >= 0;
}

/** The highest version of a list (the list must be non-empty and valid). */
export function highestVersion(versions: readonly string[]): string {
  return versions.reduce((best, v) => (compareVersions(v, best) > 0 ? v : best));
}

/** Which result shape a version uses. */
export type ResultShape = "0.2" | "0.4" | "1.0" | "1.1";

/** The result shape of a known version; undefined for a version this suite does not know. */
export function shapeOf(version: string): ResultShape | undefined {
  switch (version) {
    case "0.1.0":
    case "0.2.0":
      return "0.2";
    case "0.3.0":
    case "0.3.1":
    case "0.4.0":
      return "0.4";
    case "1.0.0":
      return "1.0";
    case "1.1.0":
      return "1.1";
    default:
      return undefined;
  }
}

function requireShape(version: string): ResultShape {
  const shape = shapeOf(version);
  if (!shape) throw incompatibleVersion(`unsupported result version "${version}"`);
  return shape;
}

// ---------------------------------------------------------------------------------------------
// Older result shapes, as plain JSON objects

export interface IPConfig040 {
  version: "4" | "6";
  interface?: number;
  address: string;
  gateway?: string;
}

export interface Result040 {
  cniVersion: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: IPConfig040[];
  routes?: Route[];
  dns: DNS;
}

export interface IPConfig020 {
  ip: string;
  gateway?: string;
  routes?: { dst: string; gw?: string }[];
}

export interface Result020 {
  cniVersion: string;
  ip4?: IPConfig020;
  ip6?: IPConfig020;
  dns: DNS;
}

/** A result in any version's shape, field order as the Go types declare them. */
export type VersionedResult = Result | Result040 | Result020;

// ---------------------------------------------------------------------------------------------
// Down-conversion: current -> any version

/** Drops undefined fields so JSON output (and deep equality) matches Go's omitempty. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

const nonEmpty = <T>(a: T[] | undefined): T[] | undefined => (a && a.length > 0 ? a : undefined);
const nonZero = (n: number | undefined): number | undefined => (n ? n : undefined);
const nonBlank = (s: string | undefined): string | undefined => (s ? s : undefined);

function copyDNS(d: DNS | undefined): DNS {
  return compact({
    nameservers: nonEmpty(d?.nameservers?.slice()),
    domain: nonBlank(d?.domain),
    search: nonEmpty(d?.search?.slice()),
    options: nonEmpty(d?.options?.slice()),
  });
}

export function isEmptyDNS(d: DNS | undefined): boolean {
  return Object.keys(copyDNS(d)).length === 0;
}

function interfaceV11(i: Interface): Interface {
  return compact({
    name: i.name,
    mac: nonBlank(i.mac),
    mtu: nonZero(i.mtu),
    sandbox: nonBlank(i.sandbox),
    socketPath: nonBlank(i.socketPath),
    pciID: nonBlank(i.pciID),
  });
}

function interfaceV10(i: Interface): Interface {
  return compact({ name: i.name, mac: nonBlank(i.mac), sandbox: nonBlank(i.sandbox) });
}

function routeV11(r: Route): Route {
  return compact({
    dst: r.dst,
    gw: nonBlank(r.gw),
    mtu: nonZero(r.mtu),
    advmss: nonZero(r.advmss),
    priority: nonZero(r.priority),
    table: r.table,
    scope: r.scope,
  });
}

function routeV10(r: Route): Route {
  return compact({ dst: r.dst, gw: nonBlank(r.gw) });
}

function ipV10(ip: IPConfig): IPConfig {
  return compact({ interface: ip.interface, address: ip.address, gateway: nonBlank(ip.gateway) });
}

/** "4" when the address is IPv4 (IPv4-mapped included, like Go's To4), else "6". */
function ipFamilyOf(cidrOrIp: string): "4" | "6" {
  const text = cidrOrIp.includes("/") ? cidrOrIp.slice(0, cidrOrIp.indexOf("/")) : cidrOrIp;
  const ip = parseIP(text);
  if (ip) return ip.family === 4 ? "4" : "6";
  return text.includes(":") ? "6" : "4";
}

function toV1x(r: Result, version: string, shape: "1.0" | "1.1"): Result {
  const iface = shape === "1.1" ? interfaceV11 : interfaceV10;
  const route = shape === "1.1" ? routeV11 : routeV10;
  const dns = copyDNS(r.dns);
  return compact({
    cniVersion: version,
    interfaces: nonEmpty(r.interfaces?.map(iface)),
    ips: nonEmpty(r.ips?.map(ipV10)),
    routes: nonEmpty(r.routes?.map(route)),
    dns: Object.keys(dns).length > 0 ? dns : undefined,
  });
}

function toV04(r: Result, version: string): Result040 {
  return compact({
    cniVersion: version,
    interfaces: nonEmpty(r.interfaces?.map(interfaceV10)),
    ips: nonEmpty(r.ips?.map((ip) => compact({ version: ipFamilyOf(ip.address), ...ipV10(ip) }))),
    routes: nonEmpty(r.routes?.map(routeV10)),
    dns: copyDNS(r.dns),
  });
}

/** 0.4.0 -> 0.2.0 as the reference does it: the first IP of each family, routes split by family. */
function v04ToV02(r: Result040, version: string): Result020 {
  const ip4 = firstOfFamily(r.ips, "4");
  const ip6 = firstOfFamily(r.ips, "6");
  if (!ip4 && !ip6) throw internalError("cannot convert: no valid IP addresses");
  for (const route of r.routes ?? []) {
    const target = ipFamilyOf(route.dst) === "4" ? ip4 : ip6;
    if (target) (target.routes ??= []).push(routeV10(route));
  }
  return compact({ cniVersion: version, ip4, ip6, dns: copyDNS(r.dns) });
}

function firstOfFamily(ips: IPConfig040[] | undefined, family: "4" | "6"): IPConfig020 | undefined {
  const ip = ips?.find((i) => i.version === family);
  return ip ? compact({ ip: ip.address, gateway: ip.gateway, routes: undefined }) : undefined;
}

/** The current result in the shape of `version` (a supported version; throws CniError 1 otherwise). */
export function convertFromCurrent(result: Result, version: string): VersionedResult {
  const shape = requireShape(version);
  if (shape === "1.1" || shape === "1.0") return toV1x(result, version, shape);
  if (shape === "0.4") return toV04(result, version);
  return v04ToV02(toV04(result, "0.4.0"), version);
}

/**
 * The result as the reference plugin prints it for `version`: json.MarshalIndent with 4 spaces. For
 * 1.x the Go Result marshals through a map (keys sorted at every depth) and omits an empty dns; the
 * 0.x types marshal their structs in declaration order and always print "dns".
 */
export function formatResult(result: Result, version: string): string {
  const converted = convertFromCurrent(result, version);
  const shape = requireShape(version);
  return goIndent(shape === "1.0" || shape === "1.1" ? sortKeysDeep(converted) : converted);
}

// ---------------------------------------------------------------------------------------------
// Up-conversion: any version (untrusted JSON) -> current

/** Thrown for a malformed result; `where` names the offending field. */
function badResult(where: string, what: string): CniError {
  return invalidConfig(`could not parse result: ${where}: ${what}`);
}

function optString(o: JsonObject, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw badResult(`${where}.${key}`, "must be a string");
  return v === "" ? undefined : v;
}

function optInt(o: JsonObject, key: string, where: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isSafeInteger(v)) throw badResult(`${where}.${key}`, "must be an integer");
  return v;
}

function optStrings(o: JsonObject, key: string, where: string): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) {
    throw badResult(`${where}.${key}`, "must be an array of strings");
  }
  return v.length > 0 ? v.slice() : undefined;
}

function optArray(o: JsonObject, key: string, where: string): JsonObject[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every(isObject)) throw badResult(`${where}.${key}`, "must be an array of objects");
  return v;
}

function optObject(o: JsonObject, key: string, where: string): JsonObject | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw badResult(`${where}.${key}`, "must be an object");
  return v;
}

/** A CIDR, re-printed the way Go's IPNet.String() does. */
function reqCidr(o: JsonObject, key: string, where: string): string {
  const v = o[key];
  const cidr = typeof v === "string" ? parseCIDR(v) : undefined;
  if (!cidr) throw badResult(`${where}.${key}`, `invalid CIDR address ${JSON.stringify(v ?? "")}`);
  return formatCIDR(cidr);
}

function optIp(o: JsonObject, key: string, where: string): string | undefined {
  const text = optString(o, key, where);
  if (text === undefined) return undefined;
  const ip = parseIP(text);
  if (!ip) throw badResult(`${where}.${key}`, `invalid IP address ${JSON.stringify(text)}`);
  return formatIP(ip);
}

/** DNS: used by prevResult parsing and by config.ts for the `dns` key. */
export function parseDNS(v: unknown, where = "dns"): DNS {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw badResult(where, "must be an object");
  return compact({
    nameservers: optStrings(v, "nameservers", where),
    domain: optString(v, "domain", where),
    search: optStrings(v, "search", where),
    options: optStrings(v, "options", where),
  });
}

/** A parsed result carries dns only when it says something. */
function nonEmptyDNS(d: DNS): DNS | undefined {
  return Object.keys(d).length > 0 ? d : undefined;
}

/** Any version's route (the Go types share one Route type, so every field is read). */
function parseRoute(o: JsonObject, where: string): Route {
  return compact({
    dst: reqCidr(o, "dst", where),
    gw: optIp(o, "gw", where),
    mtu: nonZero(optInt(o, "mtu", where)),
    advmss: nonZero(optInt(o, "advmss", where)),
    priority: nonZero(optInt(o, "priority", where)),
    table: optInt(o, "table", where),
    scope: optInt(o, "scope", where),
  });
}

function parseInterface(o: JsonObject, where: string, shape: ResultShape): Interface {
  const name = optString(o, "name", where) ?? "";
  const base = { name, mac: optString(o, "mac", where) };
  // The 0.x Go Interface type has no 1.1 fields; 1.0.0 and 1.1.0 share one type that has them.
  if (shape === "0.4") return compact({ ...base, sandbox: optString(o, "sandbox", where) });
  return compact({
    ...base,
    mtu: nonZero(optInt(o, "mtu", where)),
    sandbox: optString(o, "sandbox", where),
    socketPath: optString(o, "socketPath", where),
    pciID: optString(o, "pciID", where),
  });
}

function parseIpConfig(o: JsonObject, where: string): IPConfig {
  return compact({
    interface: optInt(o, "interface", where),
    address: reqCidr(o, "address", where),
    gateway: optIp(o, "gateway", where),
  });
}

/** 0.3.x, 0.4.0, 1.0.0 and 1.1.0 (0.x ips carry a `version` that the current shape drops). */
function parseListShape(o: JsonObject, shape: ResultShape): Omit<Result, "cniVersion"> {
  const each = <T>(key: string, fn: (e: JsonObject, where: string) => T): T[] | undefined =>
    nonEmpty(optArray(o, key, "result").map((e, i) => fn(e, `${key}[${i}]`)));
  return compact({
    interfaces: each("interfaces", (e, w) => parseInterface(e, w, shape)),
    ips: each("ips", parseIpConfig),
    routes: each("routes", parseRoute),
    dns: nonEmptyDNS(parseDNS(o.dns, "dns")),
  });
}

/** 0.1.0/0.2.0: ip4 then ip6, each with its routes appended in that order (reference convertFrom02x). */
function parseV02Shape(o: JsonObject): Omit<Result, "cniVersion"> {
  const ips: IPConfig[] = [];
  const routes: Route[] = [];
  for (const key of ["ip4", "ip6"]) {
    const ipc = optObject(o, key, "result");
    if (!ipc) continue;
    ips.push(compact({ interface: undefined, address: reqCidr(ipc, "ip", key), gateway: optIp(ipc, "gateway", key) }));
    optArray(ipc, "routes", key).forEach((r, i) => routes.push(parseRoute(r, `${key}.routes[${i}]`)));
  }
  return compact({ ips: nonEmpty(ips), routes: nonEmpty(routes), dns: nonEmptyDNS(parseDNS(o.dns, "dns")) });
}

/** Reads the result's own cniVersion, or `fallbackVersion` when it has none (as libcni does). */
function resultVersion(raw: JsonObject, fallbackVersion: string): string {
  const v = raw.cniVersion;
  if (v === undefined || v === null || v === "") return fallbackVersion;
  if (typeof v !== "string") throw badResult("cniVersion", "must be a string");
  return v;
}

/**
 * Parses a result printed in any supported version (a delegated plugin's stdout) and converts it to
 * the current version. A missing cniVersion means `fallbackVersion` (the config's).
 */
export function parseResult(raw: unknown, fallbackVersion: string): Result {
  if (!isObject(raw)) throw badResult("result", "must be an object");
  const version = resultVersion(raw, fallbackVersion);
  const shape = shapeOf(version);
  if (!shape) throw badResult("cniVersion", `unsupported result version "${version}"`);
  const body = shape === "0.2" ? parseV02Shape(raw) : parseListShape(raw, shape);
  return { cniVersion: CURRENT_VERSION, ...body };
}

/**
 * The reference's version.ParsePrevResult: a prevResult without cniVersion takes the config's; its
 * shape is the config version's and its own version must belong to that shape. Returns the
 * current-version result.
 */
export function parsePrevResult(raw: unknown, confVersion: string): Result {
  if (!isObject(raw)) throw invalidConfig("could not parse prevResult: must be an object");
  const version = resultVersion(raw, confVersion);
  const confShape = shapeOf(confVersion);
  if (confShape === undefined || !sameFamily(shapeOf(version), confShape)) {
    throw invalidConfig(
      `could not parse prevResult: result version "${version}" does not match config version "${confVersion}"`,
    );
  }
  return parseResult(raw, confVersion);
}

/** 1.0.0 and 1.1.0 share one Go type, as do 0.3.0..0.4.0 and 0.1.0..0.2.0. */
function sameFamily(a: ResultShape | undefined, b: ResultShape): boolean {
  const family = (s: ResultShape) => (s === "1.1" ? "1.0" : s);
  return a !== undefined && family(a) === family(b);
}
