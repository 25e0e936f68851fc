// ipMasq operations over an injected NftRunner (so this logic runs under vitest with a fake).
// Cost rule (DESIGN.md): setup first tries the rules alone; only when that fails (table or chain
// missing) does it declare the table and chains, because re-declaring an existing base chain on
// every call makes closing the nft context wait for an RCU grace period (~10 ms).
import { masqComment, masqInstanceHash, masqNetworkHash } from "./hash.ts";
import { MASQ_BASE_CHAIN, MASQ_CHAIN, MASQ_TABLE, masqRulesText, masqSkeletonText, masqTarget } from "./masquerade-rules.ts";
import { deleteRulesText, listedRules, type ListedRule } from "./nft-text.ts";
import { validateAttachment } from "./validate.ts";
import { FirewallCheckError, FirewallError, type MasqAttachment, type MasqSetup, type NftRunner, type ValidAttachment } from "./types.ts";

/** Adds one rule per address, in one transaction (creating table and chains on first use). */
export function setupIPMasq(nft: NftRunner, setup: MasqSetup): void {
  validateAttachment(setup);
  const rules = masqRulesText(setup.network, setup.ifname, setup.containerId, setup.ips.map((i) => i.address));
  if (!rules) return;
  if (nft.run(rules).ok) return;
  const res = nft.run(`${masqSkeletonText()}\n${rules}`);
  if (!res.ok) throw new FirewallError(`set up masquerading for ${setup.containerId}`, res.error);
}

/** Deletes every rule of this attachment (found by comment hash), in one transaction. */
export function teardownIPMasq(nft: NftRunner, a: MasqAttachment): void {
  validateAttachment(a);
  const prefix = masqInstanceHash(a.network, a.ifname, a.containerId);
  deleteMatching(nft, `tear down masquerading for ${a.containerId}`, (r) => r.comment?.startsWith(prefix) === true);
}

/** Removes this network's rules whose (containerId, ifname) is not listed as valid. */
export function gcIPMasq(nft: NftRunner, network: string, valid: readonly ValidAttachment[]): void {
  validateAttachment({ network, ifname: "x", containerId: "x" });
  const keep = new Set(valid.map((v) => masqComment(network, v.ifname, v.containerId)));
  const prefix = masqNetworkHash(network);
  deleteMatching(nft, `gc masquerading for ${network}`, (r) => r.comment?.startsWith(prefix) === true && !keep.has(r.comment));
}

/** Throws FirewallCheckError unless every address has its rule, with this attachment's comment. */
export function checkIPMasq(nft: NftRunner, setup: MasqSetup): void {
  validateAttachment(setup);
  const rules = listMasqRules(nft) ?? [];
  const base = rules.filter((r) => r.chain === MASQ_BASE_CHAIN);
  if (!base.some((r) => JSON.stringify(r.expr).includes(`"goto":{"target":"${MASQ_CHAIN}"}`))) {
    throw new FirewallCheckError(`masquerading: chain ${MASQ_BASE_CHAIN} of table inet ${MASQ_TABLE} is missing or does not reach ${MASQ_CHAIN}`);
  }
  const comment = masqComment(setup.network, setup.ifname, setup.containerId);
  const mine = rules.filter((r) => r.chain === MASQ_CHAIN && r.comment === comment).map((r) => masqMatchOf(r.expr));
  for (const { address } of setup.ips) {
    const t = masqTarget(address);
    if (!mine.some((m) => m.saddr === t.ip && m.daddrNot === t.subnet && m.masquerade)) {
      throw new FirewallCheckError(`masquerading rule for ${t.ip} (not to ${t.subnet}) of container ${setup.containerId} is missing`);
    }
  }
}

/** All rules of the masquerade table, or undefined when the table does not exist. */
function listMasqRules(nft: NftRunner): ListedRule[] | undefined {
  const res = nft.listJson(`table inet ${MASQ_TABLE}`);
  if (res.ok) return listedRules(res.items);
  if (!tableExists(nft, "inet", MASQ_TABLE)) return undefined;
  throw new FirewallError(`list table inet ${MASQ_TABLE}`, res.error);
}

export function tableExists(nft: NftRunner, family: string, table: string): boolean {
  const res = nft.listJson("tables");
  if (!res.ok) throw new FirewallError("list tables", res.error);
  return res.items.some((x) => {
    const t = (x as { table?: { family?: unknown; name?: unknown } }).table;
    return t?.family === family && t.name === table;
  });
}

/** List, pick, delete by handle in one batch; a rule vanishing in between gets one fresh retry. */
function deleteMatching(nft: NftRunner, op: string, pick: (r: ListedRule) => boolean): void {
  let last = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    const handles = (listMasqRules(nft) ?? []).filter((r) => r.chain === MASQ_CHAIN && pick(r)).map((r) => r.handle);
    if (handles.length === 0) return;
    const res = nft.run(deleteRulesText("inet", MASQ_TABLE, MASQ_CHAIN, handles));
    if (res.ok) return;
    last = res.error;
  }
  throw new FirewallError(op, last);
}

interface MasqMatch {
  saddr?: string;
  daddrNot?: string;
  masquerade: boolean;
}

/** Reads `<f> saddr X <f> daddr != S masquerade` back out of a rule's JSON expression list. */
export function masqMatchOf(expr: unknown): MasqMatch {
  const out: MasqMatch = { masquerade: false };
  if (!Array.isArray(expr)) return out;
  for (const e of expr as Record<string, unknown>[]) {
    if (e && "masquerade" in e) out.masquerade = true;
    const m = e?.match as { op?: unknown; left?: { payload?: { field?: unknown } }; right?: unknown } | undefined;
    const field = m?.left?.payload?.field;
    if (field === "saddr" && m?.op === "==" && typeof m.right === "string") out.saddr = m.right;
    if (field === "daddr" && m?.op === "!=") out.daddrNot = prefixText(m.right);
  }
  return out;
}

function prefixText(x: unknown): string | undefined {
  const p = (x as { prefix?: { addr?: unknown; len?: unknown } } | undefined)?.prefix;
  if (p && typeof p.addr === "string" && typeof p.len === "number") return `${p.addr}/${p.len}`;
  return typeof x === "string" ? x : undefined;
}
