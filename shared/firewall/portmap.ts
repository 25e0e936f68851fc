// portmap operations over an injected NftRunner. Layout and reasoning: portmap-rules.ts.
// ADD fast path: one batch of element adds, no listing, no base-chain re-declaration. Only when that
// batch fails (first use, a held port, or an old layout) does it list the table and decide.
import { tableExists } from "./masquerade.ts";
import { deleteRulesText, listedNames, listedElements, listedRules, type ListedRule } from "./nft-text.ts";
import {
  addElementsText, deleteElementsText, entryRuleComment, FAMILIES, MAP_ANY, MAP_HOSTIP, networkTag, OWN_RULE_COMMENT,
  ownerComment, ownerOf, parseElements, planPortForward, portmapSkeletonText, PORTMAP_TABLE, REFERENCE_RULE_CHAINS,
  SET_HAIRPIN, SET_LOCALHOST, SET_MASQ_ALL, type DnatEntry, type Family, type FamilyPlan, type HeldKeys, type ListedElement,
} from "./portmap-rules.ts";
import { validateContainerId, validateNetworkName } from "./validate.ts";
import { FirewallCheckError, FirewallError, PortConflictError, type NftRunner, type PortConflict, type PortForwardSetup } from "./types.ts";

const ELEMENT_HOLDERS = [
  ["map", MAP_ANY], ["map", MAP_HOSTIP], ["set", SET_HAIRPIN], ["set", SET_LOCALHOST], ["set", SET_MASQ_ALL],
] as const;

/** What one family's table holds right now. */
interface FamilyState {
  readonly exists: boolean;
  readonly chains: Set<string>;
  readonly ourMaps: boolean;
  readonly rules: readonly ListedRule[];
  readonly elements: ReadonlyMap<string, readonly ListedElement[]>;
}

function readFamilyState(nft: NftRunner, family: Family): FamilyState {
  const res = nft.listJson(`table ${family} ${PORTMAP_TABLE}`);
  if (!res.ok) {
    if (tableExists(nft, family, PORTMAP_TABLE)) throw new FirewallError(`list table ${family} ${PORTMAP_TABLE}`, res.error);
    return { exists: false, chains: new Set(), ourMaps: false, rules: [], elements: new Map() };
  }
  const maps = listedNames(res.items, "map");
  const elements = new Map<string, ListedElement[]>();
  for (const [kind, name] of ELEMENT_HOLDERS) elements.set(name, parseElements(listedElements(res.items, kind, name)));
  return {
    exists: true,
    chains: listedNames(res.items, "chain"),
    ourMaps: maps.has(MAP_ANY) && maps.has(MAP_HOSTIP),
    rules: listedRules(res.items),
    elements,
  };
}

/** True when prerouting and output each hold exactly our entry rule for these conditions. */
function entryRulesCurrent(state: FamilyState, conditions: readonly string[]): boolean {
  if (!state.chains.has("hostports_all")) return false;
  const want = entryRuleComment(conditions);
  return ["prerouting", "output"].every((chain) => {
    const rules = state.rules.filter((r) => r.chain === chain);
    return rules.length === 1 && rules[0]?.comment === want;
  });
}

function heldElement(state: FamilyState, set: string, key: string): ListedElement | undefined {
  return state.elements.get(set)?.find((x) => x.key === key);
}

/** Who an element belongs to, seen from `owner` (its comment) and its bare container ID. */
interface Owner {
  readonly containerId: string;
  readonly comment: string;
}

function makeOwner(containerId: string, network: string | undefined): Owner {
  validateContainerId(containerId);
  if (network !== undefined) validateNetworkName(network);
  return { containerId, comment: ownerComment(containerId, network) };
}

/** Held by this owner: its exact comment, or the bare container ID an untagged (older) ADD wrote. */
function ownedBy(held: ListedElement | undefined, owner: Owner): boolean {
  return held?.comment === owner.comment || held?.comment === owner.containerId;
}

function conflictsOf(plan: FamilyPlan, state: FamilyState, owner: Owner): { held: HeldKeys; conflicts: PortConflict[] } {
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
  const fast = plans.every((p) => p.conditions.length === 0);
  if (fast) {
    const text = plans.map((p) => addElementsText(p, owner.comment)).filter(Boolean).join("\n");
    if (!text || nft.run(text).ok) return;
  }
  const parts: string[] = [];
  const conflicts: PortConflict[] = [];
  for (const plan of plans) {
    const state = readFamilyState(nft, plan.family);
    if (!state.ourMaps || !entryRulesCurrent(state, plan.conditions)) {
      parts.push(portmapSkeletonText(plan.family, plan.conditions, !state.ourMaps));
    }
    const found = conflictsOf(plan, state, owner);
    conflicts.push(...found.conflicts);
    parts.push(addElementsText(plan, owner.comment, found.held));
  }
  if (conflicts.length > 0) throw new PortConflictError(conflicts);
  const res = nft.run(parts.filter(Boolean).join("\n"));
  if (!res.ok) throw new FirewallError(`set up port forwarding for ${setup.containerId}`, res.error);
}

/** The mappings of `setup` that OTHER owners already hold (empty when all are free). */
export function findPortConflicts(nft: NftRunner, setup: PortForwardSetup, network?: string): PortConflict[] {
  const owner = makeOwner(setup.containerId, network);
  return planPortForward(setup).flatMap((plan) => conflictsOf(plan, readFamilyState(nft, plan.family), owner).conflicts);
}

/** Which element comments a teardown removes. */
type CommentMatch = (comment: string | undefined) => boolean;

function teardownText(state: FamilyState, family: Family, elementMatch: CommentMatch, ruleMatch: CommentMatch): string {
  const lines: string[] = [];
  for (const [, name] of ELEMENT_HOLDERS) {
    const keys = (state.elements.get(name) ?? []).filter((e) => elementMatch(e.comment)).map((e) => e.key);
    if (keys.length) lines.push(deleteElementsText(family, name, keys));
  }
  for (const chain of REFERENCE_RULE_CHAINS) {
    const handles = state.rules.filter((r) => r.chain === chain && ruleMatch(r.comment)).map((r) => r.handle);
    if (handles.length) lines.push(deleteRulesText(family, PORTMAP_TABLE, chain, handles));
  }
  return lines.join("\n");
}

/** Lists both families, deletes what matches in one batch; a batch that races a concurrent DEL is retried once. */
function deleteMatching(nft: NftRunner, op: string, elementMatch: CommentMatch, ruleMatch: CommentMatch): void {
  let last = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    const text = FAMILIES.map((f) => teardownText(readFamilyState(nft, f), f, elementMatch, ruleMatch)).filter(Boolean).join("\n");
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
      ? (c) => c !== undefined && ownerOf(c).containerId === containerId
      : (c) => c === owner.comment || c === containerId;
  deleteMatching(nft, `tear down port forwarding for ${containerId}`, elementMatch, (c) => c === containerId);
}

/**
 * GC: removes the elements tagged with `network` whose container is not in `validContainerIds`.
 * Untagged elements and the reference's rules carry no network, so they are left alone.
 */
export function gcPortForward(nft: NftRunner, network: string, validContainerIds: ReadonlySet<string>): void {
  validateNetworkName(network);
  const tag = networkTag(network);
  const stale: CommentMatch = (c) => {
    if (c === undefined) return false;
    const o = ownerOf(c);
    return o.networkTag === tag && !validContainerIds.has(o.containerId);
  };
  deleteMatching(nft, `garbage-collect port forwarding of network ${network}`, stale, () => false);
}

/** Throws FirewallCheckError unless the skeleton and every expected element are present and owned. */
export function checkPortForward(nft: NftRunner, setup: PortForwardSetup, network?: string): void {
  const owner = makeOwner(setup.containerId, network);
  for (const plan of planPortForward(setup)) {
    const state = readFamilyState(nft, plan.family);
    checkSkeleton(state, plan.family);
    for (const e of plan.dnat) {
      const held = state.elements.get(e.map)?.find((x) => x.key === e.key);
      if (!held || !ownedBy(held, owner) || held.value !== e.value) {
        throw new FirewallCheckError(`port forward ${e.key} -> ${e.value} of container ${setup.containerId} is missing or differs`);
      }
    }
    for (const m of plan.masq) {
      const held = state.elements.get(m.set)?.find((x) => x.key === m.key);
      if (!ownedBy(held, owner)) {
        throw new FirewallCheckError(`masquerade entry ${m.key} in ${m.set} of container ${setup.containerId} is missing`);
      }
    }
  }
}

function checkSkeleton(state: FamilyState, family: Family): void {
  const where = `table ${family} ${PORTMAP_TABLE}`;
  if (!state.ourMaps) throw new FirewallCheckError(`${where}: port-forward maps are missing`);
  const own = (chain: string) => state.rules.filter((r) => r.chain === chain && r.comment === OWN_RULE_COMMENT).length;
  if (own("hostports") < 2) throw new FirewallCheckError(`${where}: map lookup rules in chain hostports are missing`);
  for (const chain of ["prerouting", "output"]) {
    const reaches = state.rules.some((r) => r.chain === chain && JSON.stringify(r.expr).includes('"jump":{"target":"hostports_all"}'));
    if (!reaches) throw new FirewallCheckError(`${where}: chain ${chain} does not jump to hostports_all`);
  }
  const all = state.rules.filter((r) => r.chain === "hostports_all").map((r) => JSON.stringify(r.expr));
  if (!all.some((x) => x.includes('"target":"hostports"'))) throw new FirewallCheckError(`${where}: chain hostports_all does not reach hostports`);
}
