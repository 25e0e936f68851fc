// portmap configuration: the plugin keys (reference plugins/meta/portmap/main.go parseConfig and
// validateBackend), runtimeConfig.portMappings, and the container addresses taken from prevResult.
// Pure: no Bun APIs, no kernel access.
import { isV6Notation, parseIP } from "../../../shared/ip/index.ts";

/** node:net isIP semantics (4, 6 or 0) without loading node:net (~1 ms of start-up in Bun). */
function isIP(text: string): 0 | 4 | 6 {
  if (text.includes("%") || !parseIP(text)) return 0;
  return isV6Notation(text) ? 6 : 4;
}
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { NetConf } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import type { PortMapping, PortProtocol } from "../../../shared/firewall/types.ts";

export const DEFAULT_MARK_MASQ_BIT = 13;
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

type Obj = Record<string, unknown>;

/** Go encoding/json field lookup: an exact key wins, else the last case-insensitive match. */
export function lookup(obj: Obj, key: string): unknown {
  if (Object.hasOwn(obj, key)) return obj[key];
  const lower = key.toLowerCase();
  let out: unknown;
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) out = obj[k];
  return out;
}

function fail(msg: string): never {
  throw invalidConfig(`failed to parse config: ${msg}`);
}

function optBool(obj: Obj, key: string, dflt: boolean): boolean {
  const v = lookup(obj, key);
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "boolean") fail(`${key}: expected a boolean, got ${JSON.stringify(v)}`);
  return v;
}

function optStringList(obj: Obj, key: string): string[] {
  const v = lookup(obj, key);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) fail(`${key}: expected an array of strings`);
  return v as string[];
}

/** The reference's detectBackendOfConditions: iptables syntax starts with "-" (we also treat "!" so). */
function isIptablesSyntax(conditions: readonly string[]): boolean {
  const first = conditions[0];
  return first !== undefined && (first.startsWith("-") || first.startsWith("!"));
}

function readMarkBit(raw: Obj, externalChain: string | undefined): number {
  const v = lookup(raw, "markMasqBit");
  if (v === undefined || v === null) return DEFAULT_MARK_MASQ_BIT;
  if (externalChain !== undefined) fail("Cannot specify externalSetMarkChain and markMasqBit");
  if (typeof v !== "number" || !Number.isInteger(v)) fail(`markMasqBit: expected an integer, got ${JSON.stringify(v)}`);
  if (v < 0 || v > 31) fail("MasqMarkBit must be between 0 and 31");
  return v;
}

function readBackend(raw: Obj): PortmapConfig["backend"] {
  const v = lookup(raw, "backend");
  if (v === undefined || v === null) return undefined;
  if (v !== "iptables" && v !== "nftables") fail(`unrecognized backend ${JSON.stringify(v)}`);
  return v;
}

function readConditions(raw: Obj, key: "conditionsV4" | "conditionsV6"): string[] {
  const list = optStringList(raw, key);
  if (isIptablesSyntax(list)) {
    fail(`${key} are in iptables syntax; tscni's portmap programs nftables only, so write them as nft matches (e.g. "ip saddr != 10.0.0.0/8")`);
  }
  return list;
}

/** A port number as JSON gives it: an integer in 1..65535. */
function readPort(m: Obj, key: "hostPort" | "containerPort", what: string): number {
  const v = lookup(m, key);
  if (typeof v !== "number" || !Number.isInteger(v)) fail(`Invalid ${what} port number: ${JSON.stringify(v ?? null)}`);
  if (v <= 0 || v > 65535) fail(`Invalid ${what} port number: ${v}`);
  return v;
}

function readProtocol(m: Obj): PortProtocol {
  const v = lookup(m, "protocol");
  if (v === undefined || v === null || v === "") return "tcp";
  const p = typeof v === "string" ? v.toLowerCase() : v;
  if (!PROTOCOLS.includes(p as PortProtocol)) fail(`unsupported protocol ${JSON.stringify(v)} (tcp, udp or sctp)`);
  return p as PortProtocol;
}

function readHostIP(m: Obj): string | undefined {
  const v = lookup(m, "hostIP");
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string" || isIP(v) === 0) fail(`invalid hostIP ${JSON.stringify(v)}: not an IP address`);
  return v;
}

function readMapping(x: unknown, i: number): PortMapping {
  if (typeof x !== "object" || x === null || Array.isArray(x)) fail(`runtimeConfig.portMappings[${i}]: expected an object`);
  const m = x as Obj;
  const hostIP = readHostIP(m);
  const base = { hostPort: readPort(m, "hostPort", "host"), containerPort: readPort(m, "containerPort", "container"), protocol: readProtocol(m) };
  return Object.freeze(hostIP === undefined ? base : { ...base, hostIP });
}

/** runtimeConfig.portMappings, raw: undefined when absent, else the array (non-array = error 7). */
function rawMappings(conf: NetConf): unknown[] {
  const v = lookup(conf.runtimeConfig, "portMappings");
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail("runtimeConfig.portMappings: expected an array");
  return v;
}

/**
 * Validates the plugin keys and, unless `mappings` is "count-only" (DEL: it needs no mapping content),
 * every port mapping. Throws CniError 7 on anything invalid.
 */
export function parseConfig(conf: NetConf, mappings: "validate" | "count-only" = "validate"): PortmapConfig {
  const raw = conf.raw;
  const extRaw = lookup(raw, "externalSetMarkChain");
  if (extRaw !== undefined && extRaw !== null && typeof extRaw !== "string") fail("externalSetMarkChain: expected a string");
  const externalSetMarkChain = typeof extRaw === "string" ? extRaw : undefined;
  const markMasqBit = readMarkBit(raw, externalSetMarkChain);
  const backend = readBackend(raw);
  const conditionsV4 = readConditions(raw, "conditionsV4");
  const conditionsV6 = readConditions(raw, "conditionsV6");
  if (externalSetMarkChain !== undefined && (backend === "nftables" || conditionsV4.length || conditionsV6.length)) {
    fail("nftables backend was requested but configuration contains iptables-specific options [externalSetMarkChain]");
  }
  const list = rawMappings(conf);
  const parsed = mappings === "validate" ? list.map(readMapping) : list.map(() => PLACEHOLDER);
  return Object.freeze({
    name: conf.name,
    snat: optBool(raw, "snat", true),
    masqAll: optBool(raw, "masqAll", false),
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
