// bridge `macspoofchk` over an injected NftRunner: frames entering the bridge from a pod's host veth
// must carry the pod's MAC. Same layout as the reference (pkg/link/spoofcheck.go): table `bridge nat`,
// base chain PREROUTING (filter, prerouting, priority -300) with a per-attachment jump, tagged by
// comment, to a chain that returns for the pod's MAC and drops everything else. One nft transaction
// per setup/teardown/gc; reads are targeted nfnetlink requests, never a listing of the whole ruleset.
import { iifnameOf } from "./nft-expr.ts";
import { nftIdent, nftMac, nftQuote } from "./nft-text.ts";
import { FirewallCheckError, FirewallError, type NftRuleInfo, type NftRunner, type SpoofCheck, type SpoofCheckEntry } from "./types.ts";

const TABLE = "bridge nat";
const TABLE_NAME = "nat";
const BASE = "PREROUTING";
const COMMENT_PREFIX = "macspoofchk-";

function spoofChainName(uniqueId: string): string {
  return `cni-br-iface-${uniqueId}`;
}

export function spoofComment(uniqueId: string): string {
  return `${COMMENT_PREFIX}${uniqueId}`;
}

export function spoofSetupText(s: SpoofCheck): string {
  const chain = nftIdent(spoofChainName(s.uniqueId));
  return [
    `add table ${TABLE}`,
    `add chain ${TABLE} ${BASE} { type filter hook prerouting priority -300; policy accept; }`,
    `add chain ${TABLE} ${chain}`,
    `flush chain ${TABLE} ${chain}`,
    `add rule ${TABLE} ${chain} ether saddr ${nftMac(s.mac)} return`,
    `add rule ${TABLE} ${chain} drop`,
    `add rule ${TABLE} ${BASE} iifname ${nftQuote(s.hostIface)} jump ${chain} comment ${nftQuote(spoofComment(s.uniqueId))}`,
  ].join("\n");
}

export function setupSpoofCheck(nft: NftRunner, s: SpoofCheck): void {
  const r = nft.run(spoofSetupText(s));
  if (!r.ok) throw new FirewallError("set up macspoofchk", r.error);
}

function jumpsOf(nft: NftRunner, commentPrefix: string, exprs = false): readonly NftRuleInfo[] {
  return nft.rules("bridge", TABLE_NAME, BASE, { commentPrefix, exprs });
}

/** The delete commands for one attachment: its jumps (by handle) and its chain when present. */
function teardownCommands(nft: NftRunner, uniqueId: string, jumps: readonly NftRuleInfo[]): string[] {
  const cmds = jumps.map((r) => `delete rule ${TABLE} ${BASE} handle ${r.handle}`);
  const chain = nftIdent(spoofChainName(uniqueId));
  if (nft.chainExists("bridge", TABLE_NAME, chain)) cmds.push(`delete chain ${TABLE} ${chain}`);
  return cmds;
}

function runDeletes(nft: NftRunner, op: string, cmds: readonly string[]): void {
  if (!cmds.length) return;
  const r = nft.run(cmds.join("\n"));
  if (!r.ok) throw new FirewallError(op, r.error);
}

/** Removes the jump (by comment) and the per-attachment chain; missing pieces are fine. */
export function teardownSpoofCheck(nft: NftRunner, uniqueId: string): void {
  const comment = spoofComment(uniqueId);
  const jumps = jumpsOf(nft, comment).filter((r) => r.comment === comment);
  runDeletes(nft, "tear down macspoofchk", teardownCommands(nft, uniqueId, jumps));
}

/** Throws FirewallCheckError unless the jump for uniqueId is present. */
export function checkSpoofCheck(nft: NftRunner, uniqueId: string): void {
  const comment = spoofComment(uniqueId);
  if (!jumpsOf(nft, comment).some((r) => r.comment === comment)) {
    throw new FirewallCheckError(`macspoofchk rules for ${uniqueId} not found`);
  }
}

/** Removes, in one transaction, every attachment whose entry `stale` judges stale. */
export function gcSpoofCheck(nft: NftRunner, stale: (entry: SpoofCheckEntry) => boolean): void {
  const byId = new Map<string, NftRuleInfo[]>();
  for (const r of jumpsOf(nft, COMMENT_PREFIX, true)) {
    const uniqueId = r.comment?.slice(COMMENT_PREFIX.length);
    if (!uniqueId || !stale({ uniqueId, hostIface: iifnameOf(r.exprs) })) continue;
    byId.set(uniqueId, [...(byId.get(uniqueId) ?? []), r]);
  }
  const cmds = [...byId].flatMap(([uniqueId, jumps]) => teardownCommands(nft, uniqueId, jumps));
  runDeletes(nft, "garbage-collect macspoofchk", cmds);
}
