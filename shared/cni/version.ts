// CNI spec versions: the supported list, comparison, and Result conversion between the current
// (1.1.0) shape and every older one, in both directions. Pure.
//
// Shapes (containernetworking/cni pkg/types):
//   1.1.0        interfaces[{name,mac,mtu,sandbox,socketPath,pciID}], ips[{interface,address,gateway}],
//                routes[{dst,gw,mtu,advmss,priority,table,scope}], dns
//   1.0.0        as 1.1.0 without interface mtu/socketPath/pciID and route mtu/advmss/priority/table/scope
//   0.3.x/0.4.0  as 1.0.0 plus ips[].version "4"|"6"
//   0.1.0/0.2.0  {ip4:{ip,gateway,routes[{dst,gw}]}, ip6:{...}, dns}: one IP per family (via 0.4.0)
import { type CniError, incompatibleVersion, internalError, invalidConfig } from "./errors.ts";
import { goIndent, sortKeysDeep } from "./json.ts";
import { ConfigReader } from "./reader.ts";
import { CURRENT_VERSION, type DNS, type IPConfig, type Interface, type Result, type Route } from "./types.ts";
import { formatCIDR, formatIP, parseCIDR, parseIP } from "../ip/index.ts";

export { LATEST_VERSION, SUPPORTED_VERSIONS, compareVersions, parseVersion, versionAtLeast } from "./spec-versions.ts";
import { compareVersions, versionAtLeast } from "./spec-versions.ts";

/** Which result shape a version uses. */
type ResultShape = "0.2" | "0.4" | "1.0" | "1.1";

/** The result shape of a known version; undefined for a version this suite does not know. */
function shapeOf(version: string): ResultShape | undefined {
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

interface IPConfig040 {
  version: "4" | "6";
  interface?: number;
  address: string;
  gateway?: string;
}

interface Result040 {
  cniVersion: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: IPConfig040[];
  routes?: Route[];
  dns: DNS;
}

interface IPConfig020 {
  ip: string;
  gateway?: string;
  routes?: { dst: string; gw?: string }[];
}

interface Result020 {
  cniVersion: string;
  ip4?: IPConfig020;
  ip6?: IPConfig020;
  dns: DNS;
}

/** A result in any version's shape, field order as the Go types declare them. */
type VersionedResult = Result | Result040 | Result020;

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

/** "4" when the address is IPv4 (IPv4-mapped included, like Go's To4), else "6" (results hold parsed text). */
function ipFamilyOf(cidrOrIp: string): "4" | "6" {
  const ip = parseCIDR(cidrOrIp)?.ip ?? parseIP(cidrOrIp);
  return ip?.family === 6 ? "6" : "4";
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

const resultError = (msg: string): CniError => invalidConfig(`could not parse result: ${msg}`);

/** A string field; "" reads as absent (Go's omitempty on the way back out). */
function optString(r: ConfigReader, key: string): string | undefined {
  return r.optStr(key) || undefined;
}

function optStrings(r: ConfigReader, key: string): string[] | undefined {
  const v = r.strings(key);
  return v && v.length > 0 ? v : undefined;
}

function objects(r: ConfigReader, key: string): ConfigReader[] {
  return (r.arr(key) ?? []).map((v) => v.obj());
}

/** A CIDR, re-printed the way Go's IPNet.String() does. */
function reqCidr(r: ConfigReader, key: string): string {
  const text = r.str(key);
  const cidr = parseCIDR(text);
  if (!cidr) r.fail(key, `invalid CIDR address ${JSON.stringify(text)}`);
  return formatCIDR(cidr);
}

function optIp(r: ConfigReader, key: string): string | undefined {
  const text = optString(r, key);
  if (text === undefined) return undefined;
  const ip = parseIP(text);
  if (!ip) r.fail(key, `invalid IP address ${JSON.stringify(text)}`);
  return formatIP(ip);
}

/** The dns object of a result or of the network config (its reader decides the error code). */
export function parseDNS(r: ConfigReader | undefined): DNS {
  if (!r) return {};
  return compact({
    nameservers: optStrings(r, "nameservers"),
    domain: optString(r, "domain"),
    search: optStrings(r, "search"),
    options: optStrings(r, "options"),
  });
}

/** A parsed result carries dns only when it says something. */
function nonEmptyDNS(d: DNS): DNS | undefined {
  return Object.keys(d).length > 0 ? d : undefined;
}

/** Any version's route (the Go types share one Route type, so every field is read). */
function parseRoute(r: ConfigReader): Route {
  return compact({
    dst: reqCidr(r, "dst"),
    gw: optIp(r, "gw"),
    mtu: nonZero(r.optInt("mtu")),
    advmss: nonZero(r.optInt("advmss")),
    priority: nonZero(r.optInt("priority")),
    table: r.optInt("table"),
    scope: r.optInt("scope"),
  });
}

function parseInterface(r: ConfigReader, shape: ResultShape): Interface {
  const base = { name: r.str("name"), mac: optString(r, "mac") };
  // The 0.x Go Interface type has no 1.1 fields; 1.0.0 and 1.1.0 share one type that has them.
  if (shape === "0.4") return compact({ ...base, sandbox: optString(r, "sandbox") });
  return compact({
    ...base,
    mtu: nonZero(r.optInt("mtu")),
    sandbox: optString(r, "sandbox"),
    socketPath: optString(r, "socketPath"),
    pciID: optString(r, "pciID"),
  });
}

function parseIpConfig(r: ConfigReader): IPConfig {
  return compact({ interface: r.optInt("interface"), address: reqCidr(r, "address"), gateway: optIp(r, "gateway") });
}

/** 0.3.x, 0.4.0, 1.0.0 and 1.1.0 (0.x ips carry a `version` that the current shape drops). */
function parseListShape(r: ConfigReader, shape: ResultShape): Omit<Result, "cniVersion"> {
  return compact({
    interfaces: nonEmpty(objects(r, "interfaces").map((e) => parseInterface(e, shape))),
    ips: nonEmpty(objects(r, "ips").map(parseIpConfig)),
    routes: nonEmpty(objects(r, "routes").map(parseRoute)),
    dns: nonEmptyDNS(parseDNS(r.child("dns"))),
  });
}

/** 0.1.0/0.2.0: ip4 then ip6, each with its routes appended in that order (reference convertFrom02x). */
function parseV02Shape(r: ConfigReader): Omit<Result, "cniVersion"> {
  const ips: IPConfig[] = [];
  const routes: Route[] = [];
  for (const key of ["ip4", "ip6"]) {
    const ipc = r.child(key);
    if (!ipc) continue;
    ips.push(compact({ interface: undefined, address: reqCidr(ipc, "ip"), gateway: optIp(ipc, "gateway") }));
    for (const route of objects(ipc, "routes")) routes.push(parseRoute(route));
  }
  return compact({ ips: nonEmpty(ips), routes: nonEmpty(routes), dns: nonEmptyDNS(parseDNS(r.child("dns"))) });
}

/** Reads the result's own cniVersion, or `fallbackVersion` when it has none (as libcni does). */
function resultVersion(r: ConfigReader, fallbackVersion: string): string {
  return r.str("cniVersion") || fallbackVersion;
}

/**
 * Parses a result printed in any supported version (a delegated plugin's stdout) and converts it to
 * the current version. A missing cniVersion means `fallbackVersion` (the config's).
 */
export function parseResult(raw: unknown, fallbackVersion: string, path = ""): Result {
  const r: ConfigReader = ConfigReader.of(raw, { error: resultError, path });
  const version = resultVersion(r, fallbackVersion);
  const shape = shapeOf(version);
  if (!shape) r.fail("cniVersion", `unsupported result version "${version}"`);
  const body = shape === "0.2" ? parseV02Shape(r) : parseListShape(r, shape);
  return { cniVersion: CURRENT_VERSION, ...body };
}

/**
 * The reference's version.ParsePrevResult: a prevResult without cniVersion takes the config's; its
 * shape is the config version's and its own version must belong to that shape. Returns the
 * current-version result.
 */
export function parsePrevResult(raw: unknown, confVersion: string): Result {
  const r: ConfigReader = ConfigReader.of(raw, { error: resultError, path: "prevResult" });
  const version = resultVersion(r, confVersion);
  const confShape = shapeOf(confVersion);
  if (confShape === undefined || !sameFamily(shapeOf(version), confShape)) {
    throw invalidConfig(
      `could not parse prevResult: result version "${version}" does not match config version "${confVersion}"`,
    );
  }
  return parseResult(raw, confVersion, "prevResult");
}

/** 1.0.0 and 1.1.0 share one Go type, as do 0.3.0..0.4.0 and 0.1.0..0.2.0. */
function sameFamily(a: ResultShape | undefined, b: ResultShape): boolean {
  const family = (s: ResultShape) => (s === "1.1" ? "1.0" : s);
  return a !== undefined && family(a) === family(b);
}
