// The firewall meta plugin's rules in an iptables filter table (iptables-nft or legacy), over an
// injected IptablesRunner: one `-save -t filter` read, then one `-restore --noflush` commit holding
// only what is missing (chains are created with `-N`, never declared: a `:CHAIN` line would flush it).
// A commit that races another writer fails as a whole and is retried on a fresh read.
import { splitRuleLine } from "./iptables-legacy.ts";
import {
  adminJump, CNI_FORWARD, containerRules, forwardJump, iptablesLine, iptablesSpec, isolationBridgeRules, isolationSharedRules,
  ownerIn, parseContainerTag, parseIngressTag, referenceIpRules, STAGE1, STAGE2, containerTag, networkTagOf, type Family, type FwRule,
} from "./forward-rules.ts";
import { nftQuote } from "./nft-text.ts";
import { FirewallCheckError, FirewallError, type ForwardSetup, type ForwardTeardown, type IngressPolicySetup, type IptablesFlavor, type IptablesRunner } from "./types.ts";

/** One filter table as `-save` printed it: chain names and each chain's rule specs in order. */
interface Listing {
  readonly chains: Set<string>;
  readonly rules: Map<string, string[][]>;
}

export function parseSave(text: string): Listing {
  const chains = new Set<string>();
  const rules = new Map<string, string[][]>();
  let inFilter = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("*")) inFilter = line === "*filter";
    if (!inFilter) continue;
    if (line.startsWith(":")) chains.add(line.slice(1).split(" ")[0]!);
    else if (line.startsWith("-A ")) {
      const args = splitRuleLine(line);
      const chain = args[1]!;
      rules.set(chain, [...(rules.get(chain) ?? []), args.slice(2)]);
    }
  }
  return { chains, rules };
}

const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The value of `--comment` in a listed spec. */
export function commentOf(spec: readonly string[]): string | undefined {
  const i = spec.indexOf("--comment");
  return i >= 0 ? spec[i + 1] : undefined;
}

/** The edits of one commit, decided against one listing (updated as edits are queued). */
class Edit {
  readonly lines: string[] = [];
  constructor(private readonly listing: Listing) {}

  has(r: FwRule): boolean {
    const spec = iptablesSpec(r);
    return (this.listing.rules.get(r.chain) ?? []).some((s) => same(s, spec));
  }
  chain(name: string): void {
    if (this.listing.chains.has(name)) return;
    this.listing.chains.add(name);
    this.lines.push(`-N ${name}`);
  }
  private remember(r: FwRule, first: boolean): void {
    const list = this.listing.rules.get(r.chain) ?? [];
    this.listing.rules.set(r.chain, first ? [iptablesSpec(r), ...list] : [...list, iptablesSpec(r)]);
  }
  insertUnique(r: FwRule): void {
    if (this.has(r)) return;
    this.lines.push(iptablesLine("-I", r, 1));
    this.remember(r, true);
  }
  appendUnique(r: FwRule): void {
    if (this.has(r)) return;
    this.lines.push(iptablesLine("-A", r));
    this.remember(r, false);
  }
  /** Deletes every listed rule of `chain` that `pick` selects (by its spec, never by position). */
  deleteWhere(chain: string, pick: (spec: readonly string[]) => boolean): void {
    const kept: string[][] = [];
    for (const spec of this.listing.rules.get(chain) ?? []) {
      if (!pick(spec) || spec.some((a) => a.includes('"') || a.includes("\\"))) kept.push(spec);
      else this.lines.push(["-D", chain, ...spec.map((a) => (/\s/.test(a) ? nftQuote(a) : a))].join(" "));
    }
    this.listing.rules.set(chain, kept);
  }
  rules(chain: string): readonly string[][] {
    return this.listing.rules.get(chain) ?? [];
  }
  text(): string | undefined {
    return this.lines.length ? `*filter\n${this.lines.join("\n")}\nCOMMIT\n` : undefined;
  }
}

/** Read, decide, commit; retried on a fresh read when the commit fails (another writer raced us). */
function apply(ipt: IptablesRunner, family: Family, flavor: IptablesFlavor, op: string, build: (e: Edit) => void): void {
  let last = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const saved = ipt.save(family, flavor);
    if (saved === undefined) throw new FirewallError(op, `cannot read the ${flavor} ${family === "ip" ? "iptables" : "ip6tables"} filter table`);
    const edit = new Edit(parseSave(saved));
    build(edit);
    const text = edit.text();
    if (!text) return;
    const res = ipt.restore(family, flavor, text);
    if (res.ok) return;
    last = res.error;
  }
  throw new FirewallError(op, last);
}

/** Chains, the FORWARD and admin jumps (first in their chains, as the reference), the container's rules. */
export function setupForwardIptables(ipt: IptablesRunner, family: Family, flavor: IptablesFlavor, s: ForwardSetup, ips: readonly string[]): void {
  apply(ipt, family, flavor, `set up forward rules for ${s.containerId}`, (e) => {
    e.chain(CNI_FORWARD);
    e.chain(s.adminChain);
    e.insertUnique(forwardJump());
    e.insertUnique(adminJump(s.adminChain));
    for (const ip of ips) for (const r of containerRules(s.network, s.containerId, ip)) e.appendUnique(r);
  });
}

/** Removes the container's tagged rules and the reference's untagged rules for its addresses. */
export function teardownForwardIptables(ipt: IptablesRunner, family: Family, flavor: IptablesFlavor, t: ForwardTeardown, ips: readonly string[]): void {
  const tag = containerTag(t.network, t.containerId);
  const reference = ips.flatMap(referenceIpRules).map(iptablesSpec);
  apply(ipt, family, flavor, `tear down forward rules for ${t.containerId}`, (e) => {
    e.deleteWhere(CNI_FORWARD, (spec) => commentOf(spec) === tag || reference.some((r) => same(r, spec)));
  });
}

export function checkForwardIptables(ipt: IptablesRunner, family: Family, flavor: IptablesFlavor, s: ForwardSetup, ips: readonly string[]): void {
  const saved = ipt.save(family, flavor);
  if (saved === undefined) throw new FirewallCheckError(`cannot read the ${flavor} ${family} filter table`);
  const e = new Edit(parseSave(saved));
  const expected = [forwardJump(), adminJump(s.adminChain), ...ips.flatMap((ip) => containerRules(s.network, s.containerId, ip))];
  const missing = expected.find((r) => !e.has(r));
  if (missing) throw new FirewallCheckError(`expected ${flavor} ${family} rule "${iptablesLine("-A", missing)}" not found`);
}

/** The reference's isolation chains and jumps, plus this bridge's rules (prepended, before the RETURNs). */
export function setupIngressIptables(ipt: IptablesRunner, family: Family, flavor: IptablesFlavor, p: IngressPolicySetup): void {
  apply(ipt, family, flavor, `set up ingress policy ${p.policy} for bridge ${p.bridge}`, (e) => {
    e.chain(STAGE1);
    e.chain(STAGE2);
    const [jump, ret1, ret2] = isolationSharedRules(p.policy) as [FwRule, FwRule, FwRule];
    for (const r of isolationBridgeRules(p.network, p.bridge, p.policy).reverse()) e.insertUnique(r);
    e.appendUnique(ret1);
    e.appendUnique(ret2);
    e.insertUnique(jump);
  });
}

/** GC: stale containers' rules of this network; its bridges' isolation rules once none of its containers remains. */
export function gcIptables(ipt: IptablesRunner, family: Family, flavor: IptablesFlavor, network: string, valid: ReadonlySet<string>): void {
  const net = networkTagOf(network);
  apply(ipt, family, flavor, `garbage-collect forward rules of network ${network}`, (e) => {
    e.deleteWhere(CNI_FORWARD, (spec) => {
      const t = parseContainerTag(commentOf(spec));
      return t !== undefined && t.net === net && !ownerIn(t.owner, valid);
    });
    const left = e.rules(CNI_FORWARD).some((spec) => parseContainerTag(commentOf(spec))?.net === net);
    if (valid.size > 0 || left) return;
    for (const chain of [STAGE1, STAGE2]) e.deleteWhere(chain, (spec) => parseIngressTag(commentOf(spec))?.net === net);
  });
}
