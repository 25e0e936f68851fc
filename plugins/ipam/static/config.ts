// static IPAM configuration: the reference's LoadIPAMConfig (plugins/ipam/static/main.go). Pure.
// Address sources, later ones winning:
//   1. ipam.addresses [{address: CIDR (host bits kept), gateway?}]
//   2. CNI_ARGS IP=cidr[,cidr...] APPENDED to them; CNI_ARGS GATEWAY=ip[,ip...] then set as the gateway
//      of every CNI_ARGS address whose subnet holds it (not of ipam.addresses entries: the reference's
//      are still unparsed text at that point, so their subnet contains nothing; observed with 1.1.1)
//   3. args.cni.ips [CIDR...]       REPLACES the list (entries carry no gateway)
//   4. runtimeConfig.ips [CIDR...]  REPLACES the list (capability "ips")
import { loadArgs, type ArgPair } from "../../../shared/cni/args.ts";
import { internalError, invalidConfig } from "../../../shared/cni/errors.ts";
import { ConfigReader, type JsonValue } from "../../../shared/cni/reader.ts";
import type { DNS, Route } from "../../../shared/cni/types.ts";
import { contains, formatCIDR, formatIP, makeCidr, parseCIDR, parseIP, type Cidr, type IP } from "../../../shared/ip/index.ts";
import { versionAtLeast } from "../../../shared/cni/version.ts";

interface StaticAddress {
  /** host bits kept, as written ("10.1.2.3/24") */
  readonly address: Cidr;
  readonly gateway?: IP;
}

export interface StaticConfig {
  readonly addresses: readonly StaticAddress[];
  readonly routes: readonly Route[];
  readonly dns: DNS;
}

interface StaticInput {
  /** the whole decoded stdin object */
  raw: Record<string, unknown>;
  cniVersion: string;
  cniArgs: readonly ArgPair[];
  ignoreUnknownArgs: boolean;
}

/** Go's net.ParseCIDR plus the reference's canonicalizeIP (an IPv4-mapped address becomes IPv4). */
function cidrOf(text: string): Cidr | undefined {
  const c = parseCIDR(text);
  if (!c || c.bits === 32 || c.ip.family === 6) return c;
  return c.prefix >= 96 ? makeCidr(c.ip, c.prefix - 96) : undefined;
}

/** An address before the final validation: its text, and (CNI_ARGS entries only) the parsed CIDR. */
interface Pending {
  text: string;
  parsed?: Cidr;
  gateway?: IP;
}

/** An ipam.addresses entry: the gateway is checked now (JSON decoding), the address text at the end. */
function readAddress(v: JsonValue): Pending {
  const r = v.obj();
  const gwText = r.str("gateway");
  if (!gwText) return { text: r.str("address") };
  const gateway = parseIP(gwText) ?? r.fail("gateway", `invalid IP address: ${gwText}`);
  return { text: r.str("address"), gateway };
}

function finalAddress(p: Pending, i: number): StaticAddress {
  const address = cidrOf(p.text);
  if (!address) {
    throw invalidConfig(`ipam.addresses[${i}].address: the 'address' field is expected to be in CIDR notation, got: '${p.text}'`);
  }
  return p.gateway ? { address, gateway: p.gateway } : { address };
}

function readRoute(v: JsonValue): Route {
  const r = v.obj();
  const dstText = r.str("dst");
  const dst = parseCIDR(dstText) ?? r.fail("dst", `invalid CIDR address: ${dstText}`);
  const route: Route = { dst: formatCIDR(dst) };
  const gwText = r.str("gw");
  if (gwText) route.gw = formatIP(parseIP(gwText) ?? r.fail("gw", `invalid IP address: ${gwText}`));
  for (const k of ["mtu", "advmss", "priority", "table", "scope"] as const) {
    const n = r.optInt(k);
    if (n !== undefined) route[k] = n;
  }
  return route;
}

function readDns(ipam: ConfigReader): DNS {
  const d = ipam.child("dns");
  if (!d) return {};
  const dns: DNS = {};
  const nameservers = d.strings("nameservers");
  const search = d.strings("search");
  const options = d.strings("options");
  if (nameservers?.length) dns.nameservers = nameservers;
  if (d.str("domain")) dns.domain = d.str("domain");
  if (search?.length) dns.search = search;
  if (options?.length) dns.options = options;
  return dns;
}

/** Errors of the CNI_ARGS part are the reference's untyped ones (999), like every LoadArgs caller. */
const argsError = internalError;

function applyCniArgs(list: Pending[], input: StaticInput): Pending[] {
  const args = loadArgs(input.cniArgs, { IP: (v: string) => v, GATEWAY: (v: string) => v }, input.ignoreUnknownArgs);
  let out = list;
  for (const item of args.IP ? args.IP.split(",") : []) {
    const text = item.trim();
    const parsed = cidrOf(text);
    if (!parsed) throw argsError(`invalid CIDR ${text}: invalid CIDR address: ${text}`);
    out = [...out, { text, parsed }];
  }
  for (const item of args.GATEWAY ? args.GATEWAY.split(",") : []) {
    const gateway = parseIP(item.trim());
    if (!gateway) throw argsError(`invalid gateway address: ${item}`);
    out = out.map((a) => (a.parsed && contains(a.parsed, gateway) ? { ...a, gateway } : a));
  }
  return out;
}

/** args.cni.ips / runtimeConfig.ips: each a CIDR; a non-empty list replaces every address so far. */
function replacement(list: string[] | undefined, where: string): Pending[] | undefined {
  if (!list?.length) return undefined;
  return list.map((text) => {
    if (!cidrOf(text)) throw invalidConfig(`${where}: an entry in the 'ips' field is NOT in CIDR notation, got "${text}"`);
    return { text };
  });
}

function checkPerFamily(addresses: readonly StaticAddress[], cniVersion: string): void {
  const v4 = addresses.filter((a) => a.address.ip.family === 4).length;
  if ((v4 > 1 || addresses.length - v4 > 1) && !versionAtLeast(cniVersion, "0.3.0")) {
    throw invalidConfig(`CNI version ${cniVersion} does not support more than 1 address per family`);
  }
}

export function parseStaticConfig(input: StaticInput): StaticConfig {
  const r = ConfigReader.of(input.raw);
  const ipam = r.child("ipam") ?? r.fail("", "IPAM config missing 'ipam' key");
  let pending = applyCniArgs((ipam.arr("addresses") ?? []).map(readAddress), input);
  const cni = r.childOrEmpty("args").childOrEmpty("cni");
  pending = replacement(cni.strings("ips"), "args.cni.ips") ?? pending;
  pending = replacement(r.childOrEmpty("runtimeConfig").strings("ips"), "runtimeConfig.ips") ?? pending;
  const addresses = pending.map(finalAddress);
  checkPerFamily(addresses, input.cniVersion);
  return Object.freeze({
    addresses: Object.freeze(addresses),
    routes: Object.freeze((ipam.arr("routes") ?? []).map(readRoute)),
    dns: Object.freeze(readDns(ipam)),
  });
}
