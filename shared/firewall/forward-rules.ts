// The firewall meta plugin's rules, one model rendered two ways: iptables arguments (filter table, the
// reference's chains, for nodes whose iptables filter FORWARD chain exists) and nft text (tscni's own
// table `inet cni_firewall`, same chain names, otherwise). Layout (reference plugins/meta/firewall):
//
//   FORWARD                (iptables built-in; in nft a base chain `forward`, hook forward, priority filter)
//     -j CNI-ISOLATION-STAGE-1     (only once an ingressPolicy network exists; always present in nft)
//     -j CNI-FORWARD               "CNI firewall plugin rules"
//   CNI-FORWARD
//     -j CNI-ADMIN                 "CNI firewall plugin admin overrides" (first: the operator's rules win)
//     per container IP:  -d IP ctstate RELATED,ESTABLISHED ACCEPT ; -s IP ACCEPT ; -d IP ctstate DNAT ACCEPT
//   CNI-ISOLATION-STAGE-1  per bridge: -i BR ! -o BR -j STAGE-2 (isolated also: -i BR -o BR DROP) ; RETURN
//   CNI-ISOLATION-STAGE-2  per bridge: -o BR DROP ; RETURN
//
// The third per-IP rule goes past the reference: with the forward policy at DROP, a connection DNAT'ed
// to the container (a published host port, from another host) is accepted too. tscni's per-container
// rules carry the comment "tscni-fw <owner> net:<hash16(network)>" (DEL and GC find them by it); the
// reference's per-IP rules carry none and are found by address. Pure: text in, text out.
import { formatIP, parseIP } from "../ip/index.ts";
import { formatHashWithPrefix } from "./hash.ts";
import { FirewallInputError, ipFamilyOf, nftIdent, nftQuote } from "./nft-text.ts";
import { validateContainerId, validateNetworkName } from "./validate.ts";

export const NFT_FW_TABLE = "cni_firewall";
export const NFT_FW_BASE = "forward";
export const FORWARD = "FORWARD";
export const CNI_FORWARD = "CNI-FORWARD";
export const STAGE1 = "CNI-ISOLATION-STAGE-1";
export const STAGE2 = "CNI-ISOLATION-STAGE-2";
const JUMP_COMMENT = "CNI firewall plugin rules";
export const ADMIN_COMMENT = "CNI firewall plugin admin overrides";
export const TAG_PREFIX = "tscni-fw ";

export type Family = "ip" | "ip6";
export const FAMILIES: readonly Family[] = ["ip", "ip6"];

interface FwMatch {
  readonly saddr?: string;
  readonly daddr?: string;
  readonly iif?: string;
  readonly oif?: string;
  /** `! -o BR` */
  readonly oifNot?: string;
  readonly ct?: "related-established" | "dnat";
}

type FwVerdict = "ACCEPT" | "DROP" | "RETURN" | { readonly jump: string };

export interface FwRule {
  readonly chain: string;
  readonly match: FwMatch;
  readonly verdict: FwVerdict;
  readonly comment?: string;
}

/** An iptables chain name the reference accepts (also used as the nft chain name). */
export function validateChainName(name: string): string {
  if (name.length > 28) throw new FirewallInputError(`chain name "${name}" is longer than 28 characters`);
  return nftIdent(name);
}

/** Bridge names go into `-i`/`iifname`: a kernel interface name, nothing else. */
export function validateBridgeName(name: string): string {
  if (!/^[A-Za-z0-9_.\-]{1,15}$/.test(name)) throw new FirewallInputError(`invalid bridge name "${name}"`);
  return name;
}

const networkHash = (network: string): string => formatHashWithPrefix(16, "", network);

/** The owner part of a tag: the container ID, or its hash when a long ID would overflow a comment. */
function ownerKey(containerId: string): string {
  return containerId.length <= 80 ? containerId : `sha:${formatHashWithPrefix(32, "", containerId)}`;
}

/** The comment on a container's rules: "tscni-fw <owner> net:<hash16(network)>". */
export function containerTag(network: string, containerId: string): string {
  validateNetworkName(network);
  validateContainerId(containerId);
  return `${TAG_PREFIX}${ownerKey(containerId)} net:${networkHash(network)}`;
}

/** Splits a tag into owner and network hash; undefined for anything that is not a container tag. */
export function parseContainerTag(comment: string | undefined): { owner: string; net: string } | undefined {
  const m = comment?.match(/^tscni-fw (\S+) net:([0-9a-f]{16})$/);
  return m ? { owner: m[1]!, net: m[2]! } : undefined;
}

/** GC's view: is this owner among the valid container IDs? */
export function ownerIn(owner: string, validContainerIds: ReadonlySet<string>): boolean {
  for (const id of validContainerIds) if (ownerKey(id) === owner) return true;
  return false;
}

export function networkTagOf(network: string): string {
  return networkHash(network);
}

/** The comment on a bridge's isolation rules. */
export function ingressTag(network: string, policy: string, bridge: string): string {
  validateNetworkName(network);
  return `${TAG_PREFIX}ingressPolicy: ${policy} net:${networkHash(network)} br:${validateBridgeName(bridge)}`;
}

export function parseIngressTag(comment: string | undefined): { net: string } | undefined {
  const m = comment?.match(/^tscni-fw ingressPolicy: \S+ net:([0-9a-f]{16}) br:\S+$/);
  return m ? { net: m[1]! } : undefined;
}

/** "10.88.0.5" -> its canonical text and family; throws FirewallInputError otherwise. */
export function hostAddress(ip: string): { ip: string; family: Family } {
  const parsed = parseIP(ip);
  if (!parsed) throw new FirewallInputError(`"${ip}" is not an IP address`);
  return { ip: formatIP(parsed), family: ipFamilyOf(ip) };
}

/** The jump from FORWARD to CNI-FORWARD and from CNI-FORWARD to the admin chain, exactly as the reference's. */
export function forwardJump(): FwRule {
  return { chain: FORWARD, match: {}, verdict: { jump: CNI_FORWARD }, comment: JUMP_COMMENT };
}

export function adminJump(adminChain: string): FwRule {
  return { chain: CNI_FORWARD, match: {}, verdict: { jump: validateChainName(adminChain) }, comment: ADMIN_COMMENT };
}

/** The reference's two per-IP rules, untagged (what its DEL removes; what our DEL removes after an upgrade). */
export function referenceIpRules(ip: string): FwRule[] {
  const a = hostAddress(ip).ip;
  return [
    { chain: CNI_FORWARD, match: { daddr: a, ct: "related-established" }, verdict: "ACCEPT" },
    { chain: CNI_FORWARD, match: { saddr: a }, verdict: "ACCEPT" },
  ];
}

/** tscni's three per-IP rules, tagged with the container and network. */
export function containerRules(network: string, containerId: string, ip: string): FwRule[] {
  const comment = containerTag(network, containerId);
  const a = hostAddress(ip).ip;
  return [
    ...referenceIpRules(a).map((r) => ({ ...r, comment })),
    { chain: CNI_FORWARD, match: { daddr: a, ct: "dnat" }, verdict: "ACCEPT", comment },
  ];
}

/** The shared (never removed) isolation rules the reference writes in iptables: jump and RETURNs. */
export function isolationSharedRules(policy: string): FwRule[] {
  const comment = `${JUMP_COMMENT} (ingressPolicy: ${policy})`;
  return [
    { chain: FORWARD, match: {}, verdict: { jump: STAGE1 }, comment },
    { chain: STAGE1, match: {}, verdict: "RETURN", comment },
    { chain: STAGE2, match: {}, verdict: "RETURN", comment },
  ];
}

/** One bridge's isolation rules (tagged with the network, collected by GC). */
export function isolationBridgeRules(network: string, bridge: string, policy: "same-bridge" | "isolated"): FwRule[] {
  const br = validateBridgeName(bridge);
  const comment = ingressTag(network, policy, br);
  const rules: FwRule[] = [{ chain: STAGE1, match: { iif: br, oifNot: br }, verdict: { jump: STAGE2 }, comment }];
  if (policy === "isolated") rules.push({ chain: STAGE1, match: { iif: br, oif: br }, verdict: "DROP", comment });
  rules.push({ chain: STAGE2, match: { oif: br }, verdict: "DROP", comment });
  return rules;
}

// ---- iptables rendering: the argument order iptables-save prints, so a listed rule compares equal ----

function hostCidr(ip: string): string {
  return `${ip}/${hostAddress(ip).family === "ip" ? 32 : 128}`;
}

function verdictArgs(v: FwVerdict): string[] {
  return ["-j", typeof v === "string" ? v : v.jump];
}

/** The rule spec (what follows `-A <chain>`), as iptables-save prints it. */
export function iptablesSpec(r: FwRule): string[] {
  const m = r.match;
  const out: string[] = [];
  if (m.saddr !== undefined) out.push("-s", hostCidr(m.saddr));
  if (m.daddr !== undefined) out.push("-d", hostCidr(m.daddr));
  if (m.iif !== undefined) out.push("-i", m.iif);
  if (m.oifNot !== undefined) out.push("!", "-o", m.oifNot);
  if (m.oif !== undefined) out.push("-o", m.oif);
  if (m.ct === "related-established") out.push("-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED");
  if (m.ct === "dnat") out.push("-m", "conntrack", "--ctstate", "DNAT");
  if (r.comment !== undefined) out.push("-m", "comment", "--comment", r.comment);
  return [...out, ...verdictArgs(r.verdict)];
}

/** One iptables-restore line: `<op> <chain> [<pos>] <spec>`, arguments with spaces double-quoted. */
export function iptablesLine(op: "-A" | "-D" | "-I", r: FwRule, position?: number): string {
  const spec = iptablesSpec(r).map((a) => (/\s/.test(a) ? nftQuote(a) : a));
  return [op, r.chain, ...(position === undefined ? [] : [String(position)]), ...spec].join(" ");
}

// ---- nft rendering (table inet cni_firewall) ----

function nftMatch(m: FwMatch): string[] {
  const out: string[] = [];
  if (m.saddr !== undefined) out.push(`${hostAddress(m.saddr).family} saddr ${hostAddress(m.saddr).ip}`);
  if (m.daddr !== undefined) out.push(`${hostAddress(m.daddr).family} daddr ${hostAddress(m.daddr).ip}`);
  if (m.iif !== undefined) out.push(`iifname ${nftQuote(m.iif)}`);
  if (m.oifNot !== undefined) out.push(`oifname != ${nftQuote(m.oifNot)}`);
  if (m.oif !== undefined) out.push(`oifname ${nftQuote(m.oif)}`);
  if (m.ct === "related-established") out.push("ct state established,related");
  if (m.ct === "dnat") out.push("ct status dnat");
  return out;
}

function nftVerdict(v: FwVerdict): string {
  return typeof v === "string" ? v.toLowerCase() : `jump ${nftIdent(v.jump)}`;
}

/** `add rule inet cni_firewall <chain> ...` (or `insert rule` to put it first). */
export function nftRuleText(r: FwRule, op: "add" | "insert" = "add"): string {
  const comment = r.comment === undefined ? [] : [`comment ${nftQuote(r.comment)}`];
  return [`${op} rule inet ${NFT_FW_TABLE} ${nftIdent(r.chain)}`, ...nftMatch(r.match), nftVerdict(r.verdict), ...comment].join(" ");
}

/** The table, the base chain and tscni's chains; the base chain's two jumps are rewritten (flush + add). */
export function nftSkeletonText(): string {
  const T = `inet ${NFT_FW_TABLE}`;
  return [
    `add table ${T} { comment ${nftQuote("firewall meta plugin (tscni): per-container forward rules and ingress policy")} ; }`,
    `add chain ${T} ${CNI_FORWARD}`,
    `add chain ${T} ${STAGE1}`,
    `add chain ${T} ${STAGE2}`,
    `add chain ${T} ${NFT_FW_BASE} { type filter hook forward priority filter ; policy accept ; }`,
    `flush chain ${T} ${NFT_FW_BASE}`,
    `add rule ${T} ${NFT_FW_BASE} jump ${STAGE1}`,
    `add rule ${T} ${NFT_FW_BASE} jump ${CNI_FORWARD}`,
  ].join("\n");
}
