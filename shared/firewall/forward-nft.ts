// The firewall meta plugin's rules in tscni's own table `inet cni_firewall` (layout: forward-rules.ts),
// over an injected NftRunner, for nodes without an iptables filter FORWARD chain. ADD's fast path is
// one `add rule` batch; the table, chains and jumps are declared only when a targeted read finds them
// missing. Rules are found again by their comment tag (DEL, GC) with targeted nfnetlink reads.
import {
  ADMIN_COMMENT, adminJump, CNI_FORWARD, containerRules, containerTag, hostAddress, isolationBridgeRules, NFT_FW_BASE, NFT_FW_TABLE,
  nftRuleText, nftSkeletonText, ownerIn, parseContainerTag, parseIngressTag, STAGE1, STAGE2, TAG_PREFIX, networkTagOf, ingressTag,
} from "./forward-rules.ts";
import { masqMatchOf, reachesChain } from "./nft-expr.ts";
import { deleteRulesText } from "./nft-text.ts";
import { FirewallCheckError, FirewallError, type ForwardSetup, type ForwardTeardown, type IngressPolicySetup, type NftRuleInfo, type NftRunner } from "./types.ts";

const T = `inet ${NFT_FW_TABLE}`;

function run(nft: NftRunner, op: string, text: string): void {
  const res = nft.run(text);
  if (!res.ok) throw new FirewallError(op, res.error);
}

/** The base chain jumps to both of tscni's chains (gone after `nft flush table` or with the table). */
function baseIntact(nft: NftRunner): boolean {
  const base = nft.rules("inet", NFT_FW_TABLE, NFT_FW_BASE, { exprs: true });
  return [STAGE1, CNI_FORWARD].every((c) => base.some((r) => reachesChain(r.exprs, c, "jump")));
}

/** CNI-FORWARD jumps to the admin chain (read with a comment pre-filter: the chain holds every pod's rules). */
function adminJumpPresent(nft: NftRunner, adminChain: string): boolean {
  return nft.rules("inet", NFT_FW_TABLE, CNI_FORWARD, { exprs: true, commentPrefix: ADMIN_COMMENT }).some((r) => reachesChain(r.exprs, adminChain, "jump"));
}

/** What the container's rules need that targeted reads say is missing: skeleton (base jumps), admin chain + jump. */
function missingStructure(nft: NftRunner, adminChain: string): string[] {
  const parts: string[] = [];
  if (!baseIntact(nft)) parts.push(nftSkeletonText());
  if (!adminJumpPresent(nft, adminChain)) parts.push(`add chain ${T} ${adminChain}`, nftRuleText(adminJump(adminChain), "insert"));
  return parts;
}

/**
 * The container's rules in place of any it already has (a repeated ADD, e.g. a runtime retry or a
 * network reload, must not add a second copy): its tagged rules are read (comment pre-filter) and
 * deleted by handle in the same transaction that adds the new ones.
 */
function replaceText(nft: NftRunner, tag: string, rules: string): string {
  const held = nft.rules("inet", NFT_FW_TABLE, CNI_FORWARD, { commentPrefix: tag }).filter((r) => r.comment === tag).map((r) => r.handle);
  return [held.length ? deleteRulesText("inet", NFT_FW_TABLE, CNI_FORWARD, held) : "", rules].filter(Boolean).join("\n");
}

export function setupForwardNft(nft: NftRunner, s: ForwardSetup, ips: readonly string[]): void {
  const tag = containerTag(s.network, s.containerId);
  const rules = ips.flatMap((ip) => containerRules(s.network, s.containerId, ip)).map((r) => nftRuleText(r)).join("\n");
  // the structure is verified with two small reads (an operator's `nft flush table` leaves the chains
  // empty: rules in an unreachable CNI-FORWARD would accept nothing)
  if (baseIntact(nft) && adminJumpPresent(nft, s.adminChain)) {
    const text = replaceText(nft, tag, rules);
    if (!text || nft.run(text).ok) return;
  }
  // Structure missing (first use, a flush) or the transaction raced a concurrent DEL: read and apply again
  // under the node's firewall lock, so two first ADDs do not both insert the admin jump.
  nft.exclusive(() => {
    const text = [...missingStructure(nft, s.adminChain), replaceText(nft, tag, rules)].filter(Boolean).join("\n");
    if (text) run(nft, `set up forward rules for ${s.containerId}`, text);
  });
}

/** Deletes the rules of `chain` that `pick` selects, read with a comment pre-filter; one retry on a race. */
function deleteWhere(nft: NftRunner, op: string, chain: string, commentPrefix: string, pick: (r: NftRuleInfo) => boolean): void {
  let last = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    const handles = nft.rules("inet", NFT_FW_TABLE, chain, { commentPrefix }).filter(pick).map((r) => r.handle);
    if (handles.length === 0) return;
    const res = nft.run(deleteRulesText("inet", NFT_FW_TABLE, chain, handles));
    if (res.ok) return;
    last = res.error;
  }
  throw new FirewallError(op, last);
}

export function teardownForwardNft(nft: NftRunner, t: ForwardTeardown): void {
  if (!nft.tableExists("inet", NFT_FW_TABLE)) return;
  const tag = containerTag(t.network, t.containerId);
  deleteWhere(nft, `tear down forward rules for ${t.containerId}`, CNI_FORWARD, tag, (r) => r.comment === tag);
}

export function checkForwardNft(nft: NftRunner, s: ForwardSetup, ips: readonly string[]): void {
  const where = `table ${T}`;
  const base = nft.rules("inet", NFT_FW_TABLE, NFT_FW_BASE, { exprs: true });
  if (!base.some((r) => reachesChain(r.exprs, CNI_FORWARD, "jump"))) throw new FirewallCheckError(`${where}: chain ${NFT_FW_BASE} does not jump to ${CNI_FORWARD}`);
  const fwd = nft.rules("inet", NFT_FW_TABLE, CNI_FORWARD, { exprs: true });
  if (!fwd.some((r) => reachesChain(r.exprs, s.adminChain, "jump"))) throw new FirewallCheckError(`${where}: chain ${CNI_FORWARD} does not jump to ${s.adminChain}`);
  const tag = containerTag(s.network, s.containerId);
  const mine = fwd.filter((r) => r.comment === tag).map((r) => masqMatchOf(r.exprs));
  for (const ip of ips.map((i) => hostAddress(i).ip)) {
    const from = mine.filter((m) => m.saddr === ip).length;
    const to = mine.filter((m) => m.daddr === ip).length;
    if (from < 1 || to < 2) throw new FirewallCheckError(`${where}: forward rules for ${ip} of container ${s.containerId} are missing`);
  }
}

export function setupIngressNft(nft: NftRunner, p: IngressPolicySetup): void {
  const tag = ingressTag(p.network, p.policy, p.bridge);
  // the bridge's rules are written in one transaction: its stage-2 rule stands for all of them
  const present = () => nft.rules("inet", NFT_FW_TABLE, STAGE2, { commentPrefix: tag }).some((r) => r.comment === tag);
  if (present()) return;
  // checked again under the node's firewall lock: the first pods of a bridge, ADDed at once, wrote them twice
  nft.exclusive(() => {
    if (present()) return;
    const base = nft.chainExists("inet", NFT_FW_TABLE, NFT_FW_BASE) ? [] : [nftSkeletonText()];
    const rules = isolationBridgeRules(p.network, p.bridge, p.policy).map((r) => nftRuleText(r));
    run(nft, `set up ingress policy ${p.policy} for bridge ${p.bridge}`, [...base, ...rules].join("\n"));
  });
}

export function gcForwardNft(nft: NftRunner, network: string, valid: ReadonlySet<string>): void {
  if (!nft.tableExists("inet", NFT_FW_TABLE)) return;
  const net = networkTagOf(network);
  const op = `garbage-collect forward rules of network ${network}`;
  deleteWhere(nft, op, CNI_FORWARD, TAG_PREFIX, (r) => {
    const t = parseContainerTag(r.comment);
    return t !== undefined && t.net === net && !ownerIn(t.owner, valid);
  });
  const left = nft.rules("inet", NFT_FW_TABLE, CNI_FORWARD, { commentPrefix: TAG_PREFIX }).some((r) => parseContainerTag(r.comment)?.net === net);
  if (valid.size > 0 || left) return;
  for (const chain of [STAGE1, STAGE2]) deleteWhere(nft, op, chain, TAG_PREFIX, (r) => parseIngressTag(r.comment)?.net === net);
}
