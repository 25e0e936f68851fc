// What `tscni audit` finds, from the node's records (result cache, host-local stores) and its links.
// Pure: the reads and the fixes live in main.ts.
import type { Allocation } from "../../plugins/ipam/host-local/store.ts";
import { ifbDeviceName } from "../../plugins/meta/bandwidth/config.ts";
import { formatIP } from "../../shared/ip/index.ts";
import type { NodeRecords } from "../endpoints/collect.ts";
import type { CachedAttachment } from "../run/cache.ts";

type FindingKind = "netns-gone" | "allocation-orphan" | "ifb-orphan" | "veth-orphan" | "nft-orphan" | "rules-missing";

export interface Finding {
  readonly kind: FindingKind;
  readonly network: string;
  /** "" when the object names no container */
  readonly containerId: string;
  readonly ifName: string;
  /** the thing found: a netns path, an allocation file, a link name, an nft command */
  readonly object: string;
  readonly detail: string;
  /** set by --fix */
  readonly fixed?: boolean;
  readonly error?: string;
}

/** A node link as audit needs it. */
export interface LinkInfo {
  readonly name: string;
  readonly ifindex: number;
  readonly kind?: string;
  readonly master?: number;
}

/** Cached attachments whose netns is gone: the runtime never ran DEL (a crash, a lost event). */
export function netnsGone(cached: readonly CachedAttachment[], exists: (path: string) => boolean): Finding[] {
  return cached
    .filter((c) => c.netns !== "" && !exists(c.netns))
    .map((c) => ({ kind: "netns-gone", network: c.networkName, containerId: c.containerId, ifName: c.ifName, object: c.netns,
      detail: "the attachment's netns no longer exists; DEL never ran" }));
}

const holds = (c: CachedAttachment, network: string, a: Allocation): boolean =>
  c.networkName === network && c.containerId === a.containerId && (a.ifname === undefined || a.ifname === c.ifName);

/** host-local allocations no cached attachment holds (and empty files a crash left). */
export function allocationOrphans(records: NodeRecords): Finding[] {
  return records.stores.flatMap(({ network, allocations }) =>
    allocations
      .filter((a) => a.containerId === "" || !records.cached.some((c) => holds(c, network, a)))
      .map((a) => ({ kind: "allocation-orphan", network, containerId: a.containerId, ifName: a.ifname ?? "", object: a.file,
        detail: a.containerId === "" ? `empty allocation file for ${formatIP(a.ip)}` : `${formatIP(a.ip)} is held by an attachment no runtime record names` })),
  );
}

const IFB_NAME = /^bwp[0-9a-f]{12}$/;

/** bandwidth ifbs and bridge-port veths that no cached attachment accounts for. */
export function linkOrphans(records: NodeRecords, links: readonly LinkInfo[]): Finding[] {
  const ifbs = new Set(records.cached.map((c) => ifbDeviceName(c.networkName, c.containerId)));
  const hostIfs = new Set(records.endpoints.map((e) => e.hostInterface).filter(Boolean));
  const bridges = new Map<number, string>();
  const bridgeNet = new Map<string, string>(records.endpoints.filter((e) => e.bridge).map((e) => [e.bridge, e.network]));
  for (const l of links) if (l.kind === "bridge" && bridgeNet.has(l.name)) bridges.set(l.ifindex, l.name);
  const out: Finding[] = [];
  for (const l of links) {
    if (l.kind === "ifb" && IFB_NAME.test(l.name) && !ifbs.has(l.name)) {
      out.push({ kind: "ifb-orphan", network: "", containerId: "", ifName: "", object: l.name, detail: "bandwidth ifb of no cached attachment" });
    }
    const bridge = l.master !== undefined ? bridges.get(l.master) : undefined;
    if (l.kind === "veth" && bridge && !hostIfs.has(l.name)) {
      out.push({ kind: "veth-orphan", network: bridgeNet.get(bridge)!, containerId: "", ifName: "", object: l.name,
        detail: `veth on ${bridge} that no cached attachment names` });
    }
  }
  return out;
}

/** The nft commands a dry-run GC recorded, one finding per deletion. */
export function nftOrphans(network: string, recorded: readonly string[]): Finding[] {
  return recorded
    .flatMap((text) => text.split("\n"))
    .map((l) => l.trim())
    .filter((l) => l.startsWith("delete "))
    .map((l) => ({ kind: "nft-orphan", network, containerId: "", ifName: "", object: l, detail: "firewall state of no cached attachment" }));
}
