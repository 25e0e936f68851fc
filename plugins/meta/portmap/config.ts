// portmap configuration: the plugin keys (reference plugins/meta/portmap/main.go parseConfig and
// validateBackend), runtimeConfig.portMappings, and the container addresses taken from prevResult.
// Pure: no Bun APIs, no kernel access.
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { NetConf } from "../../../shared/cni/plugin.ts";
import { ConfigReader, type JsonValue } from "../../../shared/cni/reader.ts";
import type { Result } from "../../../shared/cni/types.ts";
import type { PortMapping, PortProtocol } from "../../../shared/firewall/types.ts";
import { familyOf, parseIP } from "../../../shared/ip/index.ts";

/** node:net isIP semantics (4, 6 or 0) without loading node:net (~1 ms of start-up in Bun). */
function isIP(text: string): 0 | 4 | 6 {
  return parseIP(text) ? familyOf(text)! : 0;
}

const DEFAULT_MARK_MASQ_BIT = 13;
const PROTOCOLS: readonly PortProtocol[] = ["tcp", "udp", "sctp"];

export interface PortmapConfig {
  readonly name: string;
  readonly snat: boolean;
  readonly masqAll: boolean;
  /** Validated (0..31) and otherwise unused: it only matters to the reference's iptables backend. */
  readonly markMasqBit: number;
  /** Validated and otherwise unused: our nftables rules masquerade directly, without a mark chain. */
  readonly externalSetMarkChain: string | undefined;
  readonly conditionsV4: readonly string[];
  readonly conditionsV6: readonly string[];
  /** As configured; tscni always uses nftables (see README of the plugin in index.ts). */
  readonly backend: "iptables" | "nftables" | undefined;
  readonly mappings: readonly PortMapping[];
}

function fail(msg: string): never {
  throw invalidConfig(`failed to parse config: ${msg}`);
}

/** portmap's reader: every message starts "failed to parse config: " like the reference's. */
const reader = (conf: NetConf): ConfigReader => ConfigReader.of(conf.raw, { error: (m) => invalidConfig(`failed to parse config: ${m}`) });

/** The reference's detectBackendOfConditions: iptables syntax starts with "-" (we also treat "!" so). */
function isIptablesSyntax(conditions: readonly string[]): boolean {
  const first = conditions[0];
  return first !== undefined && (first.startsWith("-") || first.startsWith("!"));
}

function readMarkBit(r: ConfigReader, externalChain: string | undefined): number {
  const v = r.optInt("markMasqBit");
  if (v === undefined) return DEFAULT_MARK_MASQ_BIT;
  if (externalChain !== undefined) fail("Cannot specify externalSetMarkChain and markMasqBit");
  if (v < 0 || v > 31) fail("MasqMarkBit must be between 0 and 31");
  return v;
}

function readBackend(r: ConfigReader): PortmapConfig["backend"] {
  const v = r.optStr("backend");
  if (v === undefined) return undefined;
  if (v !== "iptables" && v !== "nftables") fail(`unrecognized backend ${JSON.stringify(v)}`);
  return v;
}

function readConditions(r: ConfigReader, key: "conditionsV4" | "conditionsV6"): string[] {
  const list = r.strings(key) ?? [];
  if (isIptablesSyntax(list)) {
    fail(`${key} are in iptables syntax; tscni's portmap programs nftables only, so write them as nft matches (e.g. "ip saddr != 10.0.0.0/8")`);
  }
  return list;
}

/** A port number as JSON gives it: an integer in 1..65535 (absent = 0 = invalid, like the reference). */
function readPort(m: ConfigReader, key: "hostPort" | "containerPort", what: string): number {
  const v = m.int(key, 0);
  if (v <= 0 || v > 65535) m.fail(key, `Invalid ${what} port number: ${v}`);
  return v;
}

/** Required, like the reference's (its iptables and nftables rules need one; runtimes always send it). */
function readProtocol(m: ConfigReader): PortProtocol {
  const v = m.str("protocol");
  if (v === "") m.fail("protocol", "missing protocol (tcp, udp or sctp)");
  const p = v.toLowerCase();
  if (!PROTOCOLS.includes(p as PortProtocol)) m.fail("protocol", `unsupported protocol ${JSON.stringify(v)} (tcp, udp or sctp)`);
  return p as PortProtocol;
}

function readHostIP(m: ConfigReader): string | undefined {
  const v = m.str("hostIP");
  if (v === "") return undefined;
  if (isIP(v) === 0) m.fail("hostIP", `invalid hostIP ${JSON.stringify(v)}: not an IP address`);
  return v;
}

function readMapping(x: JsonValue): PortMapping {
  const m = x.obj();
  const hostIP = readHostIP(m);
  const base = { hostPort: readPort(m, "hostPort", "host"), containerPort: readPort(m, "containerPort", "container"), protocol: readProtocol(m) };
  return Object.freeze(hostIP === undefined ? base : { ...base, hostIP });
}

/**
 * Validates the plugin keys and, unless `mappings` is "count-only" (DEL: it needs no mapping content),
 * every port mapping. Throws CniError 7 on anything invalid.
 */
export function parseConfig(conf: NetConf, mappings: "validate" | "count-only" = "validate"): PortmapConfig {
  const r = reader(conf);
  const externalSetMarkChain = r.optStr("externalSetMarkChain");
  const markMasqBit = readMarkBit(r, externalSetMarkChain);
  const backend = readBackend(r);
  const conditionsV4 = readConditions(r, "conditionsV4");
  const conditionsV6 = readConditions(r, "conditionsV6");
  if (externalSetMarkChain !== undefined && (backend === "nftables" || conditionsV4.length || conditionsV6.length)) {
    fail("nftables backend was requested but configuration contains iptables-specific options [externalSetMarkChain]");
  }
  const list = r.childOrEmpty("runtimeConfig").arr("portMappings") ?? [];
  const parsed = mappings === "validate" ? list.map(readMapping) : list.map(() => PLACEHOLDER);
  return Object.freeze({
    name: conf.name,
    snat: r.bool("snat", true),
    masqAll: r.bool("masqAll", false),
    markMasqBit,
    externalSetMarkChain,
    conditionsV4,
    conditionsV6,
    backend,
    mappings: Object.freeze(parsed),
  });
}

const PLACEHOLDER: PortMapping = Object.freeze({ hostPort: 0, containerPort: 0, protocol: "tcp" });

export interface ContainerAddress {
  /** Plain address, no prefix. */
  readonly ip: string;
  readonly family: 4 | 6;
}

/**
 * The reference's container IPs: the first address of each family whose `interface` (when given and
 * in range) is `ifname` inside a sandbox. Addresses without an interface index count.
 */
export function containerAddresses(prev: Result, ifname: string): ContainerAddress[] {
  const out: ContainerAddress[] = [];
  const ifaces = prev.interfaces ?? [];
  for (const c of prev.ips ?? []) {
    const ip = c.address.split("/")[0] ?? "";
    const family = isIP(ip);
    if (family !== 4 && family !== 6) continue;
    if (out.some((a) => a.family === family)) continue;
    const idx = c.interface;
    if (idx !== undefined && idx >= 0 && idx < ifaces.length) {
      const iface = ifaces[idx];
      if (iface?.name !== ifname || !iface.sandbox) continue;
    }
    out.push({ ip, family });
  }
  return out;
}

/**
 * A mapping whose hostIP has a family the container has no address of would forward nothing (the
 * reference skips it silently); tscni refuses it so the operator learns the port is not published.
 */
export function checkHostIPFamilies(mappings: readonly PortMapping[], addrs: readonly ContainerAddress[]): void {
  if (addrs.length === 0) return;
  for (const m of mappings) {
    if (m.hostIP === undefined) continue;
    const fam = isIP(m.hostIP);
    if (!addrs.some((a) => a.family === fam)) {
      fail(`hostIP ${m.hostIP} is IPv${fam} but the container has no IPv${fam} address (host port ${m.hostPort}/${m.protocol})`);
    }
  }
}
