// portmap nft layout and text. Same tables and chain skeleton as the reference
// (plugins/meta/portmap/portmap_nftables.go, after pl#1210 and pl#1235), so a node can run either
// suite; but the per-container state lives in maps and sets instead of one rule per mapping:
//
//   table ip cni_hostport   (and ip6 cni_hostport, same shape)
//     chain prerouting  (nat, prerouting, dstnat): [conds] fib daddr type local jump hostports_all
//     chain output      (nat, output, -100):       [conds] fib daddr type local jump hostports_all
//     chain hostports_all:    jump hostip_hostports ; jump hostports
//     chain hostip_hostports: (legacy, left empty; the reference may still hold rules there)
//     chain hostports:
//       dnat ip addr . port to ip daddr . meta l4proto . th dport map @tscni_hostip_hostports
//       dnat ip addr . port to meta l4proto . th dport map @tscni_hostports
//     chain masquerading (nat, postrouting, srcnat):
//       ip saddr . ip daddr @tscni_hairpin masquerade           (container -> itself via a host port)
//       ip saddr 127.0.0.1 ip daddr @tscni_localhost masquerade (v4 only: localhost -> host port)
//       ct status dnat ip daddr @tscni_masq_all masquerade       (masqAll)
//
// Why maps: the reference adds one rule per mapping, so a new connection walks every pod's rules and
// each ADD/CHECK/DEL lists them all. Here a packet does two hash lookups whatever the pod count, and
// an ADD is one `create element` batch. Attribution: every element carries comment "<containerID>";
// DEL lists the maps and deletes exactly the keys whose comment is that ID. A key can only be held by
// one container, so `create element` fails atomically (EEXIST) when a host port is taken; the slow
// path then names the owner. Hairpin/localhost/masqAll set entries are keyed by the container IP,
// which IPAM gives to one live container at a time: ADD takes over an entry left by a previous owner
// of the IP (delete + create with its own comment) so a stale DEL of that owner cannot remove it.
// The masqAll rule adds `ct status dnat`: only port-forwarded traffic is masqueraded, as with the
// iptables backend's mark, rather than everything sent to the container.
import { formatIP, parseIP } from "../ip/index.ts";
import { formatHashWithPrefix } from "./hash.ts";
import { assertPort, FirewallInputError, ipFamilyOf, nftQuote } from "./nft-text.ts";
import { formatNftKey, type NftKeyType } from "../netlink/nf/codec/keys.ts";
import type { NftElementInfo, PortForwardSetup, PortMapping, PortProtocol } from "./types.ts";

export const PORTMAP_TABLE = "cni_hostport";
export const MAP_ANY = "tscni_hostports";
export const MAP_HOSTIP = "tscni_hostip_hostports";
export const SET_HAIRPIN = "tscni_hairpin";
export const SET_LOCALHOST = "tscni_localhost";
export const SET_MASQ_ALL = "tscni_masq_all";
/** Comment on tscni's own rules; never a container ID (those cannot contain a space). */
export const OWN_RULE_COMMENT = "tscni portmap";
/** Chains where the reference keeps per-container rules commented with the container ID. */
export const REFERENCE_RULE_CHAINS = ["hostports", "hostip_hostports", "masquerading"] as const;

/**
 * Element comments name the owner: "<containerID>" alone (no network known: the original layout, still
 * read), or "<containerID> net:<hash16(network)>" so DEL and GC of one network never touch another
 * network's entries for the same container. Container IDs cannot contain a space, so the split is exact.
 * nft caps comments at 128 bytes: an owner that would not fit falls back to the bare container ID.
 */
const OWNER_COMMENT_MAX = 128;
const NET_TAG = " net:";

export function networkTag(network: string): string {
  return formatHashWithPrefix(16, "", network);
}

/** The reference's portmap comments: the container ID, cut at 128 bytes (knftables.CommentLengthMax). */
export function referenceRuleComment(containerId: string): string {
  return containerId.slice(0, OWNER_COMMENT_MAX);
}

const LONG_ID_KEEP = OWNER_COMMENT_MAX - 17;

/**
 * The container ID as element comments carry it: the ID itself up to 128 characters; a longer (legal)
 * ID is cut to 111 characters followed by "~" and hash16 of the whole ID, so it fits nft's 128 bytes
 * and two long IDs sharing a prefix stay apart ("~" never occurs in an ID: no collision with a short one).
 */
export function commentId(containerId: string): string {
  if (containerId.length <= OWNER_COMMENT_MAX) return containerId;
  return `${containerId.slice(0, LONG_ID_KEEP)}~${formatHashWithPrefix(16, "", containerId)}`;
}

/** What every comment of the container starts with (its element comments and the reference's rules). */
export function commentIdPrefix(containerId: string): string {
  return containerId.length <= OWNER_COMMENT_MAX ? containerId : containerId.slice(0, LONG_ID_KEEP);
}

export function ownerComment(containerId: string, network?: string): string {
  const id = commentId(containerId);
  if (network === undefined) return id;
  const tagged = `${id}${NET_TAG}${networkTag(network)}`;
  return tagged.length <= OWNER_COMMENT_MAX ? tagged : id;
}

/** Splits an element comment into its container ID and network tag (undefined = untagged). */
export function ownerOf(comment: string): { containerId: string; networkTag: string | undefined } {
  const i = comment.indexOf(NET_TAG);
  if (i < 0) return { containerId: comment, networkTag: undefined };
  return { containerId: comment.slice(0, i), networkTag: comment.slice(i + NET_TAG.length) };
}

export type Family = "ip" | "ip6";
export const FAMILIES: readonly Family[] = ["ip", "ip6"];

/** One DNAT map element: key text -> value text, owned by a container. */
export interface DnatEntry {
  readonly map: typeof MAP_ANY | typeof MAP_HOSTIP;
  readonly protocol: PortProtocol;
  readonly hostPort: number;
  readonly hostIP: string | undefined;
  readonly key: string;
  readonly value: string;
}

/** One masquerade set element keyed by the container IP. */
interface MasqEntry {
  readonly set: typeof SET_HAIRPIN | typeof SET_LOCALHOST | typeof SET_MASQ_ALL;
  readonly key: string;
}

/** Everything one family of one container needs. */
export interface FamilyPlan {
  readonly family: Family;
  readonly containerIP: string;
  readonly dnat: readonly DnatEntry[];
  readonly masq: readonly MasqEntry[];
  readonly conditions: readonly string[];
}

const PROTOCOLS: readonly PortProtocol[] = ["tcp", "udp", "sctp"];

function canonicalIP(ip: string): string {
  ipFamilyOf(ip);
  if (ip.includes("%")) throw new FirewallInputError(`"${ip}" has a zone; not usable as a port-forward address`);
  const parsed = parseIP(ip);
  if (!parsed) throw new FirewallInputError(`"${ip}" is not an IP address`);
  return formatIP(parsed);
}

function isUnspecified(ip: string): boolean {
  return ip === "0.0.0.0" || ip === "::";
}

/** The host address a mapping binds in `family`: null = other family (skip), undefined = any. */
function hostIPFor(m: PortMapping, family: Family): string | undefined | null {
  if (m.hostIP === undefined || m.hostIP === "") return undefined;
  if (ipFamilyOf(m.hostIP) !== family) return null;
  const ip = canonicalIP(m.hostIP);
  return isUnspecified(ip) ? undefined : ip;
}

function dnatEntry(m: PortMapping, hostIP: string | undefined, containerIP: string): DnatEntry {
  if (!PROTOCOLS.includes(m.protocol)) throw new FirewallInputError(`unsupported protocol "${String(m.protocol)}"`);
  assertPort(m.hostPort, "host port");
  assertPort(m.containerPort, "container port");
  const value = `${containerIP} . ${m.containerPort}`;
  const portKey = `${m.protocol} . ${m.hostPort}`;
  if (hostIP === undefined) return { map: MAP_ANY, protocol: m.protocol, hostPort: m.hostPort, hostIP, key: portKey, value };
  return { map: MAP_HOSTIP, protocol: m.protocol, hostPort: m.hostPort, hostIP, key: `${hostIP} . ${portKey}`, value };
}

function masqEntries(setup: PortForwardSetup, family: Family, ip: string): MasqEntry[] {
  if (!setup.snat) return [];
  if (setup.masqAll) return [{ set: SET_MASQ_ALL, key: ip }];
  const out: MasqEntry[] = [{ set: SET_HAIRPIN, key: `${ip} . ${ip}` }];
  if (family === "ip") out.push({ set: SET_LOCALHOST, key: ip });
  return out;
}

/** Validates a setup and splits it per family (the first container IP of each family is the target). */
export function planPortForward(setup: PortForwardSetup): FamilyPlan[] {
  const plans: FamilyPlan[] = [];
  for (const family of FAMILIES) {
    const raw = setup.containerIPs.find((ip) => ipFamilyOf(ip) === family);
    if (raw === undefined) continue;
    const ip = canonicalIP(raw);
    const byKey = new Map<string, DnatEntry>();
    for (const m of setup.mappings) {
      const hostIP = hostIPFor(m, family);
      if (hostIP === null) continue;
      const e = dnatEntry(m, hostIP, ip);
      const prev = byKey.get(`${e.map}|${e.key}`);
      if (prev && prev.value !== e.value) throw new FirewallInputError(`host port ${e.key} is mapped twice to different targets`);
      byKey.set(`${e.map}|${e.key}`, e);
    }
    const conditions = (family === "ip" ? setup.conditionsV4 : setup.conditionsV6) ?? [];
    plans.push({ family, containerIP: ip, dnat: [...byKey.values()], masq: masqEntries(setup, family, ip), conditions });
  }
  return plans;
}

/** The conditions joined into rule text; `;`, `#`, `\\` and control characters (new commands) are refused. */
export function conditionsText(conditions: readonly string[]): string {
  for (const c of conditions) {
    if (!/^[\x20-\x7e]*$/.test(c) || /[;#\\]/.test(c)) {
      throw new FirewallInputError(`portmap condition ${JSON.stringify(c)} has characters not allowed here`);
    }
  }
  return conditions.join(" ");
}

/** Comment of the prerouting/output jump: lets a later ADD see whether the conditions changed. */
export function entryRuleComment(conditions: readonly string[]): string {
  return `${OWN_RULE_COMMENT} conditions ${formatHashWithPrefix(16, "", conditionsText(conditions))}`;
}

function keyTypes(family: Family) {
  const addr = family === "ip" ? "ipv4_addr" : "ipv6_addr";
  return { addr, any: `inet_proto . inet_service : ${addr} . inet_service`, hostip: `${addr} . inet_proto . inet_service : ${addr} . inet_service` };
}

/**
 * Declares the table, chains, maps and sets (idempotent `add`s) and rewrites the three jump chains.
 * With `withLookupRules` it also adds tscni's map-lookup and masquerade rules: only when the maps did
 * not exist before, since maps and their rules are always created together in one transaction.
 */
export function portmapSkeletonText(family: Family, conditions: readonly string[], withLookupRules: boolean): string {
  const T = `${family} ${PORTMAP_TABLE}`;
  const k = keyTypes(family);
  const conds = conditionsText(conditions);
  const entry = `${conds ? `${conds} ` : ""}fib daddr type local jump hostports_all comment ${nftQuote(entryRuleComment(conditions))}`;
  const lines = [
    `add table ${T} { comment ${nftQuote("CNI portmap plugin")} ; }`,
    `add chain ${T} hostports`,
    `add chain ${T} hostip_hostports`,
    `add chain ${T} hostports_all`,
    `flush chain ${T} hostports_all`,
    `add rule ${T} hostports_all jump hostip_hostports`,
    `add rule ${T} hostports_all jump hostports`,
    `add chain ${T} prerouting { type nat hook prerouting priority dstnat ; }`,
    `flush chain ${T} prerouting`,
    `add rule ${T} prerouting ${entry}`,
    `add chain ${T} output { type nat hook output priority -100 ; }`,
    `flush chain ${T} output`,
    `add rule ${T} output ${entry}`,
    `add chain ${T} masquerading { type nat hook postrouting priority srcnat ; }`,
    `add map ${T} ${MAP_HOSTIP} { type ${k.hostip} ; comment ${nftQuote("tscni: host IP . proto . port -> container")} ; }`,
    `add map ${T} ${MAP_ANY} { type ${k.any} ; comment ${nftQuote("tscni: proto . port -> container")} ; }`,
    `add set ${T} ${SET_HAIRPIN} { type ${k.addr} . ${k.addr} ; }`,
    `add set ${T} ${SET_MASQ_ALL} { type ${k.addr} ; }`,
  ];
  if (family === "ip") lines.push(`add set ${T} ${SET_LOCALHOST} { type ${k.addr} ; }`);
  if (withLookupRules) lines.push(lookupRulesText(family));
  return lines.join("\n");
}

/** tscni's map-lookup (DNAT) and masquerade rules of a family, commented OWN_RULE_COMMENT. */
export function lookupRulesText(family: Family): string {
  return lookupRules(family).join("\n");
}

function lookupRules(family: Family): string[] {
  const T = `${family} ${PORTMAP_TABLE}`;
  const c = `comment ${nftQuote(OWN_RULE_COMMENT)}`;
  const rules = [
    `add rule ${T} hostports dnat ${family} addr . port to ${family} daddr . meta l4proto . th dport map @${MAP_HOSTIP} ${c}`,
    `add rule ${T} hostports dnat ${family} addr . port to meta l4proto . th dport map @${MAP_ANY} ${c}`,
    `add rule ${T} masquerading ${family} saddr . ${family} daddr @${SET_HAIRPIN} masquerade ${c}`,
    `add rule ${T} masquerading ct status dnat ${family} daddr @${SET_MASQ_ALL} masquerade ${c}`,
  ];
  if (family === "ip") rules.push(`add rule ${T} masquerading ip saddr 127.0.0.1 ip daddr @${SET_LOCALHOST} masquerade ${c}`);
  return rules;
}

/** What the slow path learned about keys the container wants that are already present. */
export interface HeldKeys {
  /** DNAT keys this container already holds (a repeated ADD): deleted and created again. */
  readonly ownDnat: readonly DnatEntry[];
  /** Masquerade keys held under another comment (a stale owner of a reused IP): taken over. */
  readonly staleMasq: readonly MasqEntry[];
  /** Masquerade keys this container already holds: left alone. */
  readonly ownMasq: readonly MasqEntry[];
}

const NOTHING_HELD: HeldKeys = { ownDnat: [], staleMasq: [], ownMasq: [] };

/**
 * Adds a container's elements with `create`, which fails the whole batch when a key is present:
 * the fast path never deletes (a deletion makes closing the nft context wait ~10 ms for an RCU grace
 * period) and the rare present key sends the caller to the slow path, which passes `held`.
 */
export function addElementsText(plan: FamilyPlan, containerId: string, held: HeldKeys = NOTHING_HELD): string {
  const T = `${plan.family} ${PORTMAP_TABLE}`;
  const c = `comment ${nftQuote(containerId)}`;
  const lines: string[] = [];
  for (const e of held.ownDnat) lines.push(`delete element ${T} ${e.map} { ${e.key} }`);
  for (const m of held.staleMasq) lines.push(`delete element ${T} ${m.set} { ${m.key} }`);
  for (const e of plan.dnat) lines.push(`create element ${T} ${e.map} { ${e.key} ${c} : ${e.value} }`);
  for (const m of plan.masq) {
    if (!held.ownMasq.some((o) => o.set === m.set && o.key === m.key)) lines.push(`create element ${T} ${m.set} { ${m.key} ${c} }`);
  }
  return lines.join("\n");
}

/** An element read back from the kernel: key (and map value) as nft text, plus its comment. */
export interface ListedElement {
  readonly key: string;
  readonly value: string | undefined;
  readonly comment: string | undefined;
}

/** Key (and map value) data types of tscni's sets and maps, as declared by portmapSkeletonText. */
export function elementTypes(family: Family, set: string): { key: NftKeyType[]; value?: NftKeyType[] } | undefined {
  const addr: NftKeyType = family === "ip" ? "ipv4_addr" : "ipv6_addr";
  const target: NftKeyType[] = [addr, "inet_service"];
  switch (set) {
    case MAP_ANY: return { key: ["inet_proto", "inet_service"], value: target };
    case MAP_HOSTIP: return { key: [addr, "inet_proto", "inet_service"], value: target };
    case SET_HAIRPIN: return { key: [addr, addr] };
    case SET_LOCALHOST: case SET_MASQ_ALL: return { key: [addr] };
    default: return undefined;
  }
}

/**
 * The elements of one of tscni's sets/maps as text. An element whose bytes do not fit the declared
 * types (not written by tscni) is skipped: its key could not be named in a delete anyway.
 */
export function listedElementsOf(family: Family, set: string, raw: readonly NftElementInfo[]): ListedElement[] {
  const types = elementTypes(family, set);
  if (!types) return [];
  const out: ListedElement[] = [];
  for (const e of raw) {
    const key = formatNftKey(e.key, types.key);
    if (key === undefined) continue;
    const value = types.value && e.data ? formatNftKey(e.data, types.value) : undefined;
    out.push({ key, value, comment: e.comment });
  }
  return out;
}

/** "delete element" lines for the given keys of one set or map. */
export function deleteElementsText(family: Family, set: string, keys: readonly string[]): string {
  return keys.map((k) => `delete element ${family} ${PORTMAP_TABLE} ${set} { ${k} }`).join("\n");
}
