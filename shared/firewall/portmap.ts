// portmap operations over an injected NftRunner. Layout and reasoning: portmap-rules.ts.
// ADD fast path: one batch of element adds, no read, no base-chain re-declaration. Only when that
// batch fails (first use, a held port, or an old layout) does it read (targeted nfnetlink requests,
// never a whole-ruleset listing) and decide.
import { parseNftKey } from "../netlink/nf/codec/keys.ts";
import { reachesChain } from "./nft-expr.ts";
import { deleteRulesText } from "./nft-text.ts";
import {
  addElementsText, deleteElementsText, entryRuleComment, FAMILIES, MAP_ANY, MAP_HOSTIP, networkTag, OWN_RULE_COMMENT,
  commentId, commentIdPrefix, elementTypes, lookupRulesText, listedElementsOf, ownerComment, ownerOf, planPortForward, portmapSkeletonText, PORTMAP_TABLE, REFERENCE_RULE_CHAINS, referenceRuleComment,
  SET_HAIRPIN, SET_LOCALHOST, SET_MASQ_ALL, type DnatEntry, type Family, type FamilyPlan, type HeldKeys, type ListedElement,
} from "./portmap-rules.ts";
import { validateContainerId, validateNetworkName } from "./validate.ts";
import { FirewallCheckError, FirewallError, PortConflictError, type NftRuleInfo, type NftRunner, type PortConflict, type PortForwardSetup } from "./types.ts";

const ELEMENT_HOLDERS = [MAP_ANY, MAP_HOSTIP, SET_HAIRPIN, SET_LOCALHOST, SET_MASQ_ALL] as const;

/** The sets and maps tscni declares in a family (no localhost set in ip6). */
function holdersOf(family: Family): readonly string[] {
  return family === "ip" ? ELEMENT_HOLDERS : ELEMENT_HOLDERS.filter((h) => h !== SET_LOCALHOST);
}

/**
 * What one family's table holds, read lazily with targeted requests (one chain's rules, one set's
 * elements) and remembered for the operation; nothing is read once the table is known to be absent.
 */
class FamilyView {
  private table: boolean | undefined;
  private readonly sets = new Map<string, ReadonlyMap<string, ListedElement> | undefined>();
  private readonly chainRules = new Map<string, readonly NftRuleInfo[]>();
  private readonly chains = new Map<string, boolean>();
  private readonly held = new Map<string, ListedElement | undefined>();
  private maps: boolean | undefined;

  constructor(private readonly nft: NftRunner, readonly family: Family) {}

  get exists(): boolean {
    this.table ??= this.nft.tableExists(this.family, PORTMAP_TABLE);
    return this.table;
  }

  /**
   * Elements of one set/map by key text; undefined when the set does not exist. With `commentPrefix`,
   * only the elements whose comment starts with it (the others are not even decoded).
   */
  elements(set: string, commentPrefix?: string): ReadonlyMap<string, ListedElement> | undefined {
    const k = `${set}|${commentPrefix ?? ""}`;
    if (!this.sets.has(k)) {
      const raw = this.exists ? this.nft.elements(this.family, PORTMAP_TABLE, set, { commentPrefix }) : undefined;
      this.sets.set(k, raw && new Map(listedElementsOf(this.family, set, raw).map((e) => [e.key, e])));
    }
    return this.sets.get(k);
  }

  rules(chain: string, exprs = false, commentPrefix?: string): readonly NftRuleInfo[] {
    const k = `${chain}|${exprs}|${commentPrefix ?? ""}`;
    let r = this.chainRules.get(k);
    if (!r) {
      r = this.exists ? this.nft.rules(this.family, PORTMAP_TABLE, chain, { exprs, commentPrefix }) : [];
      this.chainRules.set(k, r);
    }
    return r;
  }

  hasChain(chain: string): boolean {
    let c = this.chains.get(chain);
    if (c === undefined) {
      c = this.exists && this.nft.chainExists(this.family, PORTMAP_TABLE, chain);
      this.chains.set(chain, c);
    }
    return c;
  }

  /** One element by key text (a kernel lookup, whatever the size of the set); undefined when absent. */
  element(set: string, key: string): ListedElement | undefined {
    const k = `${set}|${key}`;
    if (!this.held.has(k)) {
      const types = elementTypes(this.family, set);
      const bytes = types && parseNftKey(key, types.key);
      const raw = bytes && this.exists ? this.nft.element(this.family, PORTMAP_TABLE, set, bytes) : undefined;
      this.held.set(k, raw && listedElementsOf(this.family, set, [raw])[0]);
    }
    return this.held.get(k);
  }

  /** Both DNAT maps exist (maps and their lookup rules are always created together). */
  get ourMaps(): boolean {
    this.maps ??= this.exists && this.nft.setExists(this.family, PORTMAP_TABLE, MAP_ANY) && this.nft.setExists(this.family, PORTMAP_TABLE, MAP_HOSTIP);
    return this.maps;
  }
}

/** Rules of tscni's own in each chain of the skeleton (chains holding only unlabeled jumps count all rules). */
function ownRuleCounts(family: Family): Record<string, number> {
  return { hostports: 2, masquerading: family === "ip" ? 5 : 4, hostports_all: 2 };
}

/**
 * One read of the whole table (its rule count does not grow with pods): the entry jumps carry the
 * comment for these conditions, hostports_all holds its two jumps, hostports and masquerading hold
 * tscni's lookup rules. False when anything is missing (or the table is gone).
 */
function structureIntact(nft: NftRunner, family: Family, conditions: readonly string[]): boolean {
  const byChain = new Map<string, NftRuleInfo[]>();
  for (const r of nft.tableRules(family, PORTMAP_TABLE)) byChain.set(r.chain, [...(byChain.get(r.chain) ?? []), r]);
  const entry = entryRuleComment(conditions);
  const entryOk = ["prerouting", "output"].every((c) => byChain.get(c)?.length === 1 && byChain.get(c)![0]!.comment === entry);
  const want = ownRuleCounts(family);
  const own = (c: string) => (byChain.get(c) ?? []).filter((r) => c === "hostports_all" || r.comment === OWN_RULE_COMMENT).length;
  // at least: nodes set up before the lock may hold duplicates (harmless: the first copy matches)
  return entryOk && Object.entries(want).every(([c, n]) => own(c) >= n);
}

/**
 * What to apply so the family's structure is whole again, rebuilding only what is missing: everything
 * when the maps are gone; the entry chains when their jumps are; tscni's lookup rules (deleted by handle
 * and added again) when some are missing. The reference's per-container rules are never touched.
 */
function structureRepairText(state: FamilyView, conditions: readonly string[]): string {
  const family = state.family;
  if (!state.ourMaps) return portmapSkeletonText(family, conditions, true);
  const parts: string[] = [];
  if (!entryRulesCurrent(state, conditions) || state.rules("hostports_all").length !== 2) {
    parts.push(portmapSkeletonText(family, conditions, false));
  }
  const own = ["hostports", "masquerading"].map((c) => ({ c, rules: state.rules(c).filter((r) => r.comment === OWN_RULE_COMMENT) }));
  // Only chains emptied from outside (`nft flush table`/`flush chain`) get tscni's lookup rules again; a
  // partial set is left as it is (CHECK and `tscni audit` report it): deleting rules by handle here made
  // concurrent ADDs fail each other's transactions (ENOENT) on a busy node.
  if (own.every(({ rules }) => rules.length === 0)) parts.push(lookupRulesText(family));
  return parts.join("\n");
}

/** True when prerouting and output each hold exactly our entry rule for these conditions. */
function entryRulesCurrent(state: FamilyView, conditions: readonly string[]): boolean {
  if (!state.hasChain("hostports_all")) return false;
  const want = entryRuleComment(conditions);
  return ["prerouting", "output"].every((chain) => {
    const rules = state.rules(chain);
    return rules.length === 1 && rules[0]?.comment === want;
  });
}

function heldElement(state: FamilyView, set: string, key: string): ListedElement | undefined {
  return state.element(set, key);
}

/** Who an element belongs to, seen from `owner` (its comment) and its bare container ID (`id`, as comments carry it). */
interface Owner {
  readonly containerId: string;
  readonly id: string;
  readonly comment: string;
}

function makeOwner(containerId: string, network: string | undefined): Owner {
  validateContainerId(containerId);
  if (network !== undefined) validateNetworkName(network);
  return { containerId, id: commentId(containerId), comment: ownerComment(containerId, network) };
}

/** Held by this owner: its exact comment, or the bare container ID an untagged (older) ADD wrote. */
function ownedBy(held: ListedElement | undefined, owner: Owner): boolean {
  return held?.comment === owner.comment || held?.comment === owner.id;
}

function conflictsOf(plan: FamilyPlan, state: FamilyView, owner: Owner): { held: HeldKeys; conflicts: PortConflict[] } {
  const ownDnat: DnatEntry[] = [];
  const conflicts: PortConflict[] = [];
  for (const e of plan.dnat) {
    const held = heldElement(state, e.map, e.key);
    if (!held) continue;
    if (ownedBy(held, owner)) ownDnat.push(e);
    else {
      const ownerContainerId = held.comment === undefined ? "unknown" : ownerOf(held.comment).containerId;
      conflicts.push({ family: plan.family, protocol: e.protocol, hostPort: e.hostPort, hostIP: e.hostIP, ownerContainerId });
    }
  }
  const present = plan.masq.filter((m) => heldElement(state, m.set, m.key));
  const ownMasq = present.filter((m) => heldElement(state, m.set, m.key)?.comment === owner.comment);
  const staleMasq = present.filter((m) => !ownMasq.includes(m));
  return { held: { ownDnat, ownMasq, staleMasq }, conflicts };
}

/**
 * Forwards the host ports to the container. Throws PortConflictError naming the holder of a port.
 * `network` tags the elements (DEL/GC of one network never touch another's); omitted = untagged.
 */
export function setupPortForward(nft: NftRunner, setup: PortForwardSetup, network?: string): void {
  const owner = makeOwner(setup.containerId, network);
  const plans = planPortForward(setup);
  // The fast path trusts the structure only after one table-wide read per family (a constant number of
  // rules): an external flush leaves the maps but empties the chains, and the elements then forward nothing.
  const fast = plans.every((p) => p.conditions.length === 0 && structureIntact(nft, p.family, p.conditions));
  if (fast) {
    const text = plans.map((p) => addElementsText(p, owner.comment)).filter(Boolean).join("\n");
    if (!text || nft.run(text).ok) return;
  }
  // Read, plan, apply as one transaction, under the node's firewall lock: racing first ADDs on a fresh
  // node each saw the structure missing and each added the lookup rules (`add rule` is not idempotent).
  // The one that waited reads the structure the other built. A transaction that still fails (a concurrent
  // DEL, which takes no lock, removed an element) is read and planned again, a bounded number of times.
  nft.exclusive(() => slowSetup(nft, plans, owner, setup.containerId));
}

function slowSetup(nft: NftRunner, plans: readonly FamilyPlan[], owner: Owner, containerId: string): void {
  for (let attempt = 1; ; attempt++) {
    const parts: string[] = [];
    const conflicts: PortConflict[] = [];
    for (const plan of plans) {
      const state = new FamilyView(nft, plan.family);
      parts.push(structureRepairText(state, plan.conditions));
      const found = conflictsOf(plan, state, owner);
      conflicts.push(...found.conflicts);
      parts.push(addElementsText(plan, owner.comment, found.held));
    }
    if (conflicts.length > 0) throw new PortConflictError(conflicts);
    const res = nft.run(parts.filter(Boolean).join("\n"));
    if (res.ok) return;
    if (attempt >= SETUP_ATTEMPTS) throw new FirewallError(`set up port forwarding for ${containerId}`, res.error);
  }
}

/** How many times setupPortForward reads and applies before it reports the transaction's error. */
const SETUP_ATTEMPTS = 4;

/** The mappings of `setup` that OTHER owners already hold (empty when all are free). */
export function findPortConflicts(nft: NftRunner, setup: PortForwardSetup, network?: string): PortConflict[] {
  const owner = makeOwner(setup.containerId, network);
  return planPortForward(setup).flatMap((plan) => conflictsOf(plan, new FamilyView(nft, plan.family), owner).conflicts);
}

/** Which element comments a teardown removes. */
type CommentMatch = (comment: string | undefined) => boolean;

/** What a teardown removes: element and rule comments matching, read with an optional pre-filter prefix. */
interface TeardownMatch {
  readonly elements: CommentMatch;
  readonly rules: CommentMatch;
  readonly commentPrefix?: string;
}

function teardownText(state: FamilyView, m: TeardownMatch): string {
  if (!state.exists) return "";
  const lines: string[] = [];
  for (const name of holdersOf(state.family)) {
    const keys = [...(state.elements(name, m.commentPrefix)?.values() ?? [])].filter((e) => m.elements(e.comment)).map((e) => e.key);
    if (keys.length) lines.push(deleteElementsText(state.family, name, keys));
  }
  for (const chain of REFERENCE_RULE_CHAINS) {
    const handles = state.rules(chain, false, m.commentPrefix).filter((r) => m.rules(r.comment)).map((r) => r.handle);
    if (handles.length) lines.push(deleteRulesText(state.family, PORTMAP_TABLE, chain, handles));
  }
  return lines.join("\n");
}

/** Reads both families (targeted), deletes what matches in one batch; a batch that races a concurrent DEL is retried once. */
function deleteMatching(nft: NftRunner, op: string, match: TeardownMatch): void {
  let last = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    const text = FAMILIES.map((f) => teardownText(new FamilyView(nft, f), match)).filter(Boolean).join("\n");
    if (!text) return;
    const res = nft.run(text);
    if (res.ok) return;
    last = res.error;
  }
  throw new FirewallError(op, last);
}

/**
 * Removes the container's elements and (reference-made) rules, v4 and v6, in one batch. With `network`:
 * only that network's tagged elements plus untagged ones; without: every element of the container.
 */
export function teardownPortForward(nft: NftRunner, containerId: string, network?: string): void {
  const owner = makeOwner(containerId, network);
  const elementMatch: CommentMatch =
    network === undefined
      ? (c) => c !== undefined && ownerOf(c).containerId === owner.id
      : (c) => c === owner.comment || c === owner.id;
  // every comment a teardown removes starts with (the start of) the container ID: the reads drop all others early
  const ruleComment = referenceRuleComment(containerId);
  const match = { elements: elementMatch, rules: (c: string | undefined) => c === ruleComment, commentPrefix: commentIdPrefix(containerId) };
  deleteMatching(nft, `tear down port forwarding for ${containerId}`, match);
}

/**
 * GC: removes the elements tagged with `network` whose container is not in `validContainerIds`.
 * Untagged elements and the reference's rules carry no network, so they are left alone.
 */
export function gcPortForward(nft: NftRunner, network: string, validContainerIds: ReadonlySet<string>): void {
  validateNetworkName(network);
  const tag = networkTag(network);
  const valid = new Set([...validContainerIds].map(commentId));
  const stale: CommentMatch = (c) => {
    if (c === undefined) return false;
    const o = ownerOf(c);
    return o.networkTag === tag && !valid.has(o.containerId);
  };
  deleteMatching(nft, `garbage-collect port forwarding of network ${network}`, { elements: stale, rules: () => false });
}

/** Throws FirewallCheckError unless the skeleton and every expected element are present and owned. */
export function checkPortForward(nft: NftRunner, setup: PortForwardSetup, network?: string): void {
  const owner = makeOwner(setup.containerId, network);
  for (const plan of planPortForward(setup)) {
    const state = new FamilyView(nft, plan.family);
    checkSkeleton(state, plan.family);
    for (const e of plan.dnat) {
      const held = heldElement(state, e.map, e.key);
      if (!held || !ownedBy(held, owner) || held.value !== e.value) {
        throw new FirewallCheckError(`port forward ${e.key} -> ${e.value} of container ${setup.containerId} is missing or differs`);
      }
    }
    for (const m of plan.masq) {
      const held = heldElement(state, m.set, m.key);
      if (!ownedBy(held, owner)) {
        throw new FirewallCheckError(`masquerade entry ${m.key} in ${m.set} of container ${setup.containerId} is missing`);
      }
    }
  }
}

function checkSkeleton(state: FamilyView, family: Family): void {
  const where = `table ${family} ${PORTMAP_TABLE}`;
  if (!state.ourMaps) throw new FirewallCheckError(`${where}: port-forward maps are missing`);
  const own = state.rules("hostports").filter((r) => r.comment === OWN_RULE_COMMENT).length;
  if (own < 2) throw new FirewallCheckError(`${where}: map lookup rules in chain hostports are missing`);
  for (const chain of ["prerouting", "output"]) {
    const reaches = state.rules(chain, true).some((r) => reachesChain(r.exprs, "hostports_all", "jump"));
    if (!reaches) throw new FirewallCheckError(`${where}: chain ${chain} does not jump to hostports_all`);
  }
  if (!state.rules("hostports_all", true).some((r) => reachesChain(r.exprs, "hostports"))) {
    throw new FirewallCheckError(`${where}: chain hostports_all does not reach hostports`);
  }
}
