// bridge `macspoofchk` over an injected NftRunner: frames entering the bridge from a pod's host veth
// must carry the pod's MAC. The reference's table and base chain (pkg/link/spoofcheck.go): table
// `bridge nat`, base chain PREROUTING (filter, prerouting, priority -300) with a per-attachment jump to
// a chain that returns for the pod's MAC and drops everything else. One nft transaction per
// setup/teardown/gc; reads are targeted nfnetlink requests, never a listing of the whole ruleset.
//
// Naming: the chain is `cni-br-iface-<hash16>-<hash16>` (the attachment's instance hash, as the
// masquerade comments), the jump's comment `macspoofchk-<attachment tag>` (hash, then network, ifname
// and container ID, cut to 128 bytes): any legal container ID, network name and interface name fits,
// and GC tells its own network's entries apart. Entries of the earlier naming (tscni before, and the
// reference: `cni-br-iface-<containerID>-<ifname>`, comment `macspoofchk-<containerID>-<ifname>`,
// plus the reference's `-mac` chain) are still removed by DEL, accepted by CHECK and judged by the
// caller on GC (they carry no network).
import { masqInstanceHash, prefixedTag, staleTagJudge, tagInstanceHash } from "./hash.ts";
import { iifnameOf } from "./nft-expr.ts";
import { nftIdent, nftMac, nftQuote } from "./nft-text.ts";
import {
  FirewallCheckError, FirewallError, type MasqAttachment, type NftRuleInfo, type NftRunner, type SpoofCheck, type SpoofCheckEntry, type ValidAttachment,
} from "./types.ts";

const TABLE = "bridge nat";
const TABLE_NAME = "nat";
const BASE = "PREROUTING";
const COMMENT_PREFIX = "macspoofchk-";
const CHAIN_PREFIX = "cni-br-iface-";
/** The reference's second per-attachment chain (`<iface chain>-mac`), removed with the first. */
const LEGACY_MAC_SUFFIX = "-mac";

/** The jump's comment: "macspoofchk-" + the attachment's tag (at most 128 bytes). */
export const spoofComment = (a: MasqAttachment): string => prefixedTag(COMMENT_PREFIX, a.network, a.ifname, a.containerId);
/** The per-attachment chain: "cni-br-iface-" + the attachment's instance hash (46 ASCII characters). */
export const spoofChainName = (a: MasqAttachment): string => `${CHAIN_PREFIX}${masqInstanceHash(a.network, a.ifname, a.containerId)}`;
/** The earlier naming's id: containerID-ifname (the reference's uniqueID). */
const legacySpoofId = (a: MasqAttachment): string => `${a.containerId}-${a.ifname}`;

export function spoofSetupText(s: SpoofCheck): string {
  const chain = spoofChainName(s);
  return [
    `add table ${TABLE}`,
    `add chain ${TABLE} ${BASE} { type filter hook prerouting priority -300; policy accept; }`,
    `add chain ${TABLE} ${chain}`,
    `flush chain ${TABLE} ${chain}`,
    `add rule ${TABLE} ${chain} ether saddr ${nftMac(s.mac)} return`,
    `add rule ${TABLE} ${chain} drop`,
    `add rule ${TABLE} ${BASE} iifname ${nftQuote(s.hostIface)} jump ${chain} comment ${nftQuote(spoofComment(s))}`,
  ].join("\n");
}

export function setupSpoofCheck(nft: NftRunner, s: SpoofCheck): void {
  const r = nft.run(spoofSetupText(s));
  if (!r.ok) throw new FirewallError("set up macspoofchk", r.error);
}

/** Every macspoofchk jump in the base chain (one targeted read). */
function allJumps(nft: NftRunner, exprs = false): readonly NftRuleInfo[] {
  return nft.rules("bridge", TABLE_NAME, BASE, { commentPrefix: COMMENT_PREFIX, exprs });
}

/** The instance hash of a jump written with the current naming; undefined for the earlier one. */
const hashOf = (comment: string | undefined): string | undefined =>
  comment?.startsWith(COMMENT_PREFIX) ? tagInstanceHash(comment.slice(COMMENT_PREFIX.length)) : undefined;

/** An identifier when `name` can be one (an earlier entry whose id holds other characters never had a chain). */
function identOrUndefined(name: string): string | undefined {
  try {
    return nftIdent(name);
  } catch {
    return undefined;
  }
}

/** Delete commands for jumps (by handle) and for those of `chains` that exist. */
function deleteCommands(nft: NftRunner, jumps: readonly NftRuleInfo[], chains: readonly (string | undefined)[]): string[] {
  const cmds = jumps.map((r) => `delete rule ${TABLE} ${BASE} handle ${r.handle}`);
  for (const c of chains) if (c !== undefined && nft.chainExists("bridge", TABLE_NAME, c)) cmds.push(`delete chain ${TABLE} ${c}`);
  return cmds;
}

/** The earlier naming's chains of id: its chain and the reference's -mac chain, where nameable. */
function legacyChains(id: string): (string | undefined)[] {
  const chain = identOrUndefined(`${CHAIN_PREFIX}${id}`);
  return chain ? [chain, identOrUndefined(`${chain}${LEGACY_MAC_SUFFIX}`)] : [];
}

function runDeletes(nft: NftRunner, op: string, cmds: readonly string[]): void {
  if (!cmds.length) return;
  const r = nft.run(cmds.join("\n"));
  if (!r.ok) throw new FirewallError(op, r.error);
}

/** Removes the attachment's jumps and chains, of the current and the earlier naming; missing pieces are fine. */
export function teardownSpoofCheck(nft: NftRunner, a: MasqAttachment): void {
  const hash = masqInstanceHash(a.network, a.ifname, a.containerId);
  const legacy = `${COMMENT_PREFIX}${legacySpoofId(a)}`;
  const jumps = allJumps(nft).filter((r) => hashOf(r.comment) === hash || r.comment === legacy);
  const chains = [spoofChainName(a), ...legacyChains(legacySpoofId(a))];
  runDeletes(nft, "tear down macspoofchk", deleteCommands(nft, jumps, chains));
}

/** Throws FirewallCheckError unless the attachment's jump (either naming) is present. */
export function checkSpoofCheck(nft: NftRunner, a: MasqAttachment): void {
  const hash = masqInstanceHash(a.network, a.ifname, a.containerId);
  const legacy = `${COMMENT_PREFIX}${legacySpoofId(a)}`;
  if (!allJumps(nft).some((r) => hashOf(r.comment) === hash || r.comment === legacy)) {
    throw new FirewallCheckError(`macspoofchk rules for ${legacySpoofId(a)} not found`);
  }
}

/**
 * Removes, in one transaction, this network's entries whose attachment is not valid, and the earlier
 * naming's entries `legacyStale` judges stale (they carry no network: the caller decides).
 */
export function gcSpoofCheck(nft: NftRunner, network: string, valid: readonly ValidAttachment[], legacyStale: (e: SpoofCheckEntry) => boolean): void {
  const stale = staleTagJudge(network, valid);
  const byChain = new Map<string, { jumps: NftRuleInfo[]; chains: (string | undefined)[] }>();
  for (const r of allJumps(nft, true)) {
    const hash = hashOf(r.comment);
    let key: string | undefined;
    let chains: (string | undefined)[] = [];
    if (hash !== undefined) {
      if (stale(r.comment!.slice(COMMENT_PREFIX.length))) [key, chains] = [hash, [`${CHAIN_PREFIX}${hash}`]];
    } else {
      const uniqueId = r.comment!.slice(COMMENT_PREFIX.length);
      if (uniqueId && legacyStale({ uniqueId, hostIface: iifnameOf(r.exprs) })) [key, chains] = [`legacy ${uniqueId}`, legacyChains(uniqueId)];
    }
    if (key === undefined) continue;
    const e = byChain.get(key) ?? byChain.set(key, { jumps: [], chains }).get(key)!;
    e.jumps.push(r);
  }
  const cmds = [...byChain.values()].flatMap((e) => deleteCommands(nft, e.jumps, e.chains));
  runDeletes(nft, "garbage-collect macspoofchk", cmds);
}
