// ipMasq operations over an injected NftRunner (so this logic runs under vitest with a fake).
// Cost rule (DESIGN.md): setup first tries the rules alone; only when that fails (table or chain
// missing) does it declare the table and chains, because re-declaring an existing base chain on
// every call makes closing the nft context wait for an RCU grace period (~10 ms).
import { masqComment, masqInstanceHash, masqNetworkHash, staleTagJudge } from "./hash.ts";
import { MASQ_BASE_CHAIN, MASQ_CHAIN, MASQ_TABLE, masqRulesText, masqSkeletonText, masqTarget } from "./masquerade-rules.ts";
import { masqMatchOf, reachesChain } from "./nft-expr.ts";
import { deleteRulesText } from "./nft-text.ts";
import { validateAttachment } from "./validate.ts";
import { FirewallCheckError, FirewallError, type MasqAttachment, type MasqSetup, type NftRuleInfo, type NftRunner, type ValidAttachment } from "./types.ts";

/**
 * Adds one rule per address, in one transaction. The base chain the rules depend on is verified first
 * with one targeted read (its three rules): an operator's `nft flush table`/`flush ruleset` or a firewall
 * reload may have emptied or removed it, and rules in an unreachable masq_checks would silently
 * masquerade nothing. Only then (or when the rules alone fail) is the skeleton declared again.
 */
export function setupIPMasq(nft: NftRunner, setup: MasqSetup): void {
  validateAttachment(setup);
  const rules = masqRulesText(setup.network, setup.ifname, setup.containerId, setup.ips.map((i) => i.address));
  if (!rules) return;
  if (masqBaseIntact(nft) && nft.run(rules).ok) return;
  const res = nft.run(`${masqSkeletonText()}\n${rules}`);
  if (!res.ok) throw new FirewallError(`set up masquerading for ${setup.containerId}`, res.error);
}

/** postrouting holds exactly the skeleton's rules: two multicast returns, then the goto to masq_checks. */
function masqBaseIntact(nft: NftRunner): boolean {
  const base = nft.rules("inet", MASQ_TABLE, MASQ_BASE_CHAIN, { exprs: true });
  return base.length === 3 && reachesChain(base[2]!.exprs, MASQ_CHAIN, "goto");
}

/** Deletes every rule of this attachment (found by comment hash), in one transaction. */
export function teardownIPMasq(nft: NftRunner, a: MasqAttachment): void {
  validateAttachment(a);
  const prefix = masqInstanceHash(a.network, a.ifname, a.containerId);
  deleteMatching(nft, `tear down masquerading for ${a.containerId}`, prefix, (r) => r.comment?.startsWith(prefix) === true);
}

/** Removes this network's rules whose (containerId, ifname) is not listed as valid. */
export function gcIPMasq(nft: NftRunner, network: string, valid: readonly ValidAttachment[]): void {
  validateAttachment({ network, ifname: "x", containerId: "x" });
  // by instance hash, not the whole comment: the reference writes the readable part byte for byte
  const stale = staleTagJudge(network, valid);
  deleteMatching(nft, `gc masquerading for ${network}`, masqNetworkHash(network), (r) => stale(r.comment));
}

/** Throws FirewallCheckError unless every address has its rule, with this attachment's comment. */
export function checkIPMasq(nft: NftRunner, setup: MasqSetup): void {
  validateAttachment(setup);
  const base = nft.rules("inet", MASQ_TABLE, MASQ_BASE_CHAIN, { exprs: true });
  if (!base.some((r) => reachesChain(r.exprs, MASQ_CHAIN, "goto"))) {
    throw new FirewallCheckError(`masquerading: chain ${MASQ_BASE_CHAIN} of table inet ${MASQ_TABLE} is missing or does not reach ${MASQ_CHAIN}`);
  }
  const comment = masqComment(setup.network, setup.ifname, setup.containerId);
  const mine = nft.rules("inet", MASQ_TABLE, MASQ_CHAIN, { exprs: true, commentPrefix: comment })
    .filter((r) => r.comment === comment).map((r) => masqMatchOf(r.exprs));
  for (const { address } of setup.ips) {
    const t = masqTarget(address);
    if (!mine.some((m) => m.saddr === t.ip && m.daddrNot === t.subnet && m.masquerade)) {
      throw new FirewallCheckError(`masquerading rule for ${t.ip} (not to ${t.subnet}) of container ${setup.containerId} is missing`);
    }
  }
}

/**
 * Read masq_checks (one targeted dump; rules without `commentPrefix` are dropped while decoding), pick,
 * delete by handle in one batch; a vanished rule gets one fresh retry.
 */
function deleteMatching(nft: NftRunner, op: string, commentPrefix: string, pick: (r: NftRuleInfo) => boolean): void {
  let last = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    const handles = nft.rules("inet", MASQ_TABLE, MASQ_CHAIN, { commentPrefix }).filter(pick).map((r) => r.handle);
    if (handles.length === 0) return;
    const res = nft.run(deleteRulesText("inet", MASQ_TABLE, MASQ_CHAIN, handles));
    if (res.ok) return;
    last = res.error;
  }
  throw new FirewallError(op, last);
}
