// `tscni endpoints`' view of one attachment, built from what the node keeps on disk: libcni's result
// cache entry (network, container, ifname, netns, the conflist, capability args, the final result)
// and the host-local allocations holding it. Pure: the readers in collect.ts hand it data.
import { isObject, type JsonObject } from "../../shared/cni/json.ts";
import { ConfigReader } from "../../shared/cni/reader.ts";
import type { Interface } from "../../shared/cni/types.ts";
import { parseResult } from "../../shared/cni/version.ts";
import { formatIP } from "../../shared/ip/index.ts";
import type { Allocation } from "../../plugins/ipam/host-local/store.ts";
import { ifbDeviceName } from "../../plugins/meta/bandwidth/config.ts";
import type { CachedAttachment } from "../run/cache.ts";
import { capabilitiesOf, parseConfList, typeOf, type ConfList } from "../run/conflist.ts";

export interface PortMappingView {
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: string;
  readonly hostIP?: string;
}

/** bits/s and bits, as the bandwidth plugin and the runtimes' capability args give them */
export interface ShapingView {
  readonly ingressRate?: number;
  readonly ingressBurst?: number;
  readonly egressRate?: number;
  readonly egressBurst?: number;
}

type Source = "cache" | "host-local";

export interface Endpoint {
  readonly network: string;
  readonly containerId: string;
  /** "" when only a legacy (container ID only) allocation file names it */
  readonly ifName: string;
  /** the netns the runtime gave (cache); "" unknown or none */
  readonly netns: string;
  /** the result's addresses (CIDR) */
  readonly ips: readonly string[];
  /** host-local allocation files held by the attachment (IP text) */
  readonly allocations: readonly string[];
  /** the allocation files themselves */
  readonly allocationFiles: readonly string[];
  /** the host end of the pod's veth per the result; "" none or unknown */
  readonly hostInterface: string;
  /** the bridge the result names; "" none */
  readonly bridge: string;
  /** the bandwidth ifb the result names; "" none */
  readonly ifb: string;
  /** the result's interfaces, as cached */
  readonly interfaces: readonly Interface[];
  readonly portMappings: readonly PortMappingView[];
  readonly bandwidth?: ShapingView;
  /** plugin types in chain order */
  readonly plugins: readonly string[];
  /** the first plugin's IPAM type; "" none or unknown */
  readonly ipam: string;
  readonly sources: readonly Source[];
}

/** Reads a value and falls back when a foreign or broken entry holds something unexpected. */
function safe<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

function confListOf(entry: CachedAttachment): ConfList | undefined {
  return safe(() => parseConfList(entry.config), undefined);
}

const pluginsOfType = (list: ConfList | undefined, type: string): JsonObject[] => (list?.plugins ?? []).filter((p) => typeOf(p) === type);

/** A capability arg as a runtime passed it, when some plugin of the list declares the capability. */
function capabilityArg(entry: CachedAttachment, list: ConfList | undefined, cap: string): unknown {
  const declared = list ? list.plugins.some((p) => safe(() => capabilitiesOf(p), []).includes(cap)) : true;
  return declared ? entry.capabilityArgs[cap] : undefined;
}

function portMappingsOf(v: unknown): PortMappingView[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((m) =>
    safe(() => {
      const r = ConfigReader.of(m);
      const hostIP = r.str("hostIP");
      return [{ hostPort: r.int("hostPort", 0), containerPort: r.int("containerPort", 0), protocol: r.str("protocol", "tcp").toLowerCase(), ...(hostIP && { hostIP }) }];
    }, []),
  );
}

const SHAPING_KEYS = ["ingressRate", "ingressBurst", "egressRate", "egressBurst"] as const;

function shapingOf(obj: unknown): ShapingView | undefined {
  if (!isObject(obj)) return undefined;
  const r = safe(() => ConfigReader.of(obj), undefined);
  const out: Record<string, number> = {};
  for (const k of SHAPING_KEYS) {
    const v = r && safe(() => r.optNum(k), undefined);
    if (v) out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The bandwidth plugin's own keys win over the runtime's, as in the plugin (top level, else runtimeConfig). */
function bandwidthOf(entry: CachedAttachment, list: ConfList | undefined): ShapingView | undefined {
  for (const p of pluginsOfType(list, "bandwidth")) {
    const own = shapingOf(p);
    if (own) return own;
  }
  return shapingOf(capabilityArg(entry, list, "bandwidth"));
}

function ipamTypeOf(list: ConfList | undefined): string {
  for (const p of list?.plugins ?? []) {
    const t = safe(() => ConfigReader.of(p).child("ipam")?.str("type") ?? "", "");
    if (t) return t;
  }
  return "";
}

/** The host-local dataDirs a cached attachment's conflist names (the default one is the caller's). */
export function cachedDataDirs(entry: CachedAttachment): string[] {
  return (confListOf(entry)?.plugins ?? []).flatMap((p) =>
    safe(() => {
      const ipam = ConfigReader.of(p).child("ipam");
      const dir = ipam?.str("type") === "host-local" ? ipam.str("dataDir") : "";
      return dir ? [dir] : [];
    }, []),
  );
}

function bridgeNameOf(list: ConfList | undefined): string | undefined {
  const p = pluginsOfType(list, "bridge")[0];
  return p && safe(() => ConfigReader.of(p).str("bridge", "cni0"), "cni0");
}

interface HostSide {
  hostInterface: string;
  bridge: string;
  ifb: string;
}

/** Sorts the result's sandbox-less interfaces into the bridge, the bandwidth ifb and the pod's host veth. */
function hostSideOf(entry: CachedAttachment, list: ConfList | undefined, interfaces: readonly Interface[]): HostSide {
  const bridgeName = bridgeNameOf(list);
  const ifbName = ifbDeviceName(entry.networkName, entry.containerId);
  const out: HostSide = { hostInterface: "", bridge: "", ifb: "" };
  for (const i of interfaces) {
    if (i.sandbox) continue;
    if (i.name === bridgeName) out.bridge = i.name;
    else if (i.name === ifbName) out.ifb = i.name;
    else if (!out.hostInterface) out.hostInterface = i.name;
  }
  return out;
}

/** One cached attachment as an endpoint (no allocations yet: see withAllocations). */
export function endpointFromCache(entry: CachedAttachment): Endpoint {
  const list = confListOf(entry);
  const result = entry.result ? safe(() => parseResult(entry.result, list?.cniVersion || "1.1.0"), undefined) : undefined;
  const interfaces = result?.interfaces ?? [];
  return {
    network: entry.networkName,
    containerId: entry.containerId,
    ifName: entry.ifName,
    netns: entry.netns,
    ips: (result?.ips ?? []).map((ip) => ip.address),
    allocations: [],
    allocationFiles: [],
    ...hostSideOf(entry, list, interfaces),
    interfaces,
    portMappings: portMappingsOf(capabilityArg(entry, list, "portMappings")),
    ...(bandwidthOf(entry, list) && { bandwidth: bandwidthOf(entry, list) }),
    plugins: list ? list.plugins.map(typeOf) : [],
    ipam: ipamTypeOf(list),
    sources: ["cache"],
  };
}

/** The host-local allocations of one network, as found in one data dir. */
export interface NetworkAllocations {
  readonly network: string;
  readonly dataDir: string;
  readonly allocations: readonly Allocation[];
}

function ipamOnly(network: string, a: Allocation): Endpoint {
  return {
    network, containerId: a.containerId, ifName: a.ifname ?? "", netns: "", ips: [], allocations: [], allocationFiles: [],
    hostInterface: "", bridge: "", ifb: "", interfaces: [], portMappings: [], plugins: [], ipam: "host-local", sources: [],
  };
}

const key = (network: string, id: string, ifName: string): string => `${network}\u0000${id}\u0000${ifName}`;

/**
 * Adds each allocation to the endpoint holding it (legacy cid-only files: any attachment of that
 * container on the network), creating an IPAM-only endpoint when no cache entry names the holder.
 * Empty files (no holder) are left out: `tscni audit` reports them.
 */
export function withAllocations(endpoints: readonly Endpoint[], stores: readonly NetworkAllocations[]): Endpoint[] {
  const byKey = new Map<string, Endpoint>(endpoints.map((e) => [key(e.network, e.containerId, e.ifName), e]));
  const find = (network: string, a: Allocation): string | undefined => {
    if (a.ifname !== undefined) return key(network, a.containerId, a.ifname);
    for (const [k, e] of byKey) if (e.network === network && e.containerId === a.containerId) return k;
    return key(network, a.containerId, "");
  };
  for (const { network, allocations } of stores) {
    for (const a of allocations) {
      if (a.containerId === "") continue;
      const k = find(network, a)!;
      const e = byKey.get(k) ?? ipamOnly(network, a);
      const ip = formatIP(a.ip);
      if (e.allocations.includes(ip)) continue;
      byKey.set(k, {
        ...e,
        allocations: [...e.allocations, ip],
        allocationFiles: [...e.allocationFiles, a.file],
        sources: e.sources.includes("host-local") ? e.sources : [...e.sources, "host-local"],
      });
    }
  }
  return [...byKey.values()].sort(compareEndpoints);
}

function compareEndpoints(a: Endpoint, b: Endpoint): number {
  return a.network.localeCompare(b.network) || a.containerId.localeCompare(b.containerId) || a.ifName.localeCompare(b.ifName);
}
