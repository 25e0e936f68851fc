// The firewall layer's contract (STYLE.md §9): one FirewallDriver interface, implemented by
// nft.ts (nftables through libnftables) and none.ts. Backend handles go in constructors, never here.
// NftRunner is the nft driver's backend: system-nft.ts in production, a fake in unit tests.

import type { NfFamily } from "../netlink/nf/codec/nfgen.ts";
import type { NftExpr } from "../netlink/nf/codec/rule.ts";

export type { NfFamily, NftExpr };

interface NftReadOptions {
  readonly exprs?: boolean;
  readonly commentPrefix?: string;
}

/** A rule as read back from the kernel: enough to find it (comment) and delete it (handle). */
export interface NftRuleInfo {
  readonly handle: number;
  readonly comment: string | undefined;
  /** Only when asked for ({ exprs: true }). */
  readonly exprs?: readonly NftExpr[];
}

/** A rule of a table-wide read: which chain holds it. */
interface NftTableRuleInfo extends NftRuleInfo {
  readonly chain: string;
}

/** A set or map element as read back from the kernel: key and value bytes, comment. */
export interface NftElementInfo {
  readonly key: Uint8Array;
  /** Map value bytes (absent for a plain set). */
  readonly data?: Uint8Array;
  readonly comment: string | undefined;
}

/**
 * The nftables backend: WRITES are nft command text applied as one transaction (libnftables);
 * READS are targeted nfnetlink requests (shared/netlink/nf), never a full-ruleset listing, whose
 * cost grows with every pod on the node. shared/firewall/system-nft.ts in production, a fake in
 * tests. Reads act on the calling thread's netns; an absent table/chain/set is an answer, not an
 * error; any other failure throws FirewallError.
 */
export interface NftRunner {
  run(text: string): { readonly ok: boolean; readonly output: string; readonly error: string };
  /**
   * The rules of one chain, in order; empty when the chain or its table does not exist. `exprs`: with
   * their expressions; `commentPrefix`: only rules whose comment starts with it (a pre-filter).
   */
  rules(family: NfFamily, table: string, chain: string, opts?: NftReadOptions): readonly NftRuleInfo[];
  /** Every rule of one table (all chains, each chain's in order); empty when the table does not exist. */
  tableRules(family: NfFamily, table: string, opts?: NftReadOptions): readonly NftTableRuleInfo[];
  /** The elements of one set or map; undefined when the set or its table does not exist. */
  elements(family: NfFamily, table: string, set: string, opts?: Pick<NftReadOptions, "commentPrefix">): readonly NftElementInfo[] | undefined;
  /** One element by its key bytes (a lookup, not a dump); undefined when it, its set or table is absent. */
  element(family: NfFamily, table: string, set: string, key: Uint8Array): NftElementInfo | undefined;
  tableExists(family: NfFamily, table: string): boolean;
  chainExists(family: NfFamily, table: string, chain: string): boolean;
  setExists(family: NfFamily, table: string, set: string): boolean;
  /** Whether `run` can apply anything here (libnftables or the nft binary is installed). */
  available(): boolean;
  /**
   * Runs `fn` holding the node's firewall lock: an exclusive flock on this network namespace's nsfs
   * file, so plugin processes of one netns that read, then build or repair shared structure (an nft
   * `add rule` is not idempotent) do so one at a time. Reentrant within a process. Only slow paths
   * (first use, repair, a repeated ADD) take it; the lock goes with the process if it dies.
   */
  exclusive<T>(fn: () => T): T;
}

/** One attachment of a container to a network (the GC / DEL identity of ipMasq rules). */
export interface MasqAttachment {
  readonly network: string;
  readonly ifname: string;
  readonly containerId: string;
}

/** ipMasq for bridge/ptp: masquerade traffic from each address to anything outside its subnet. */
export interface MasqSetup extends MasqAttachment {
  /** Container addresses in CIDR form ("10.88.0.5/24", "fd00::5/64"), as in a CNI result. */
  readonly ips: readonly { readonly address: string }[];
}

/** A GC "valid attachment" (cni.dev/valid-attachments entry). */
export interface ValidAttachment {
  readonly containerId: string;
  readonly ifname: string;
}

export type PortProtocol = "tcp" | "udp" | "sctp";

/** One runtimeConfig.portMappings entry, already validated and lower-cased. */
export interface PortMapping {
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: PortProtocol;
  /** Absent or "" or an unspecified address (0.0.0.0, ::) = every local address. */
  readonly hostIP?: string;
}

/** portmap ADD/CHECK input. */
export interface PortForwardSetup {
  readonly containerId: string;
  /** Plain container addresses (no prefix); one DNAT target per family, first of each family used. */
  readonly containerIPs: readonly string[];
  readonly mappings: readonly PortMapping[];
  /** Masquerade hairpin and localhost traffic (portmap `snat`, default true). */
  readonly snat: boolean;
  /** Masquerade port-forwarded traffic from any source (portmap `masqAll`). */
  readonly masqAll: boolean;
  /** nft-syntax conditions put before the jump in prerouting/output (portmap conditionsV4/V6). */
  readonly conditionsV4?: readonly string[];
  readonly conditionsV6?: readonly string[];
}

/** Who already holds a host port that a new mapping wants. */
export interface PortConflict {
  readonly family: "ip" | "ip6";
  readonly protocol: PortProtocol;
  readonly hostPort: number;
  /** undefined = the wildcard mapping (all local addresses). */
  readonly hostIP: string | undefined;
  readonly ownerContainerId: string;
}

/** One bridge port whose frames must carry the pod's MAC (bridge `macspoofchk`), and its attachment. */
export interface SpoofCheck extends MasqAttachment {
  /** The pod's host-side veth (the bridge port). */
  readonly hostIface: string;
  readonly mac: string;
}

/** A macspoofchk entry of the earlier naming (no network in it) as found on the node, for GC to judge. */
export interface SpoofCheckEntry {
  readonly uniqueId: string;
  /** The port its jump matches; undefined when the jump is gone (an orphaned chain). */
  readonly hostIface: string | undefined;
}

/** ipMasq (bridge, ptp): masquerade traffic from each address to anything outside its subnet. */
interface MasqueradeOps {
  setupIPMasq(setup: MasqSetup): void;
  /** Removes every masquerade rule of this attachment; needs no IPs; missing = done. */
  teardownIPMasq(attachment: MasqAttachment): void;
  /** Throws FirewallCheckError when a rule for one of the addresses is missing. */
  checkIPMasq(setup: MasqSetup): void;
  /** Removes this network's rules whose attachment is not in `valid`. */
  gcIPMasq(network: string, valid: readonly ValidAttachment[]): void;
}

/** Port forwards (portmap). Entries are tagged with `network`: DEL and GC of one network never touch another's. */
interface PortForwardOps {
  /** Throws PortConflictError (naming the owner) when another container holds a host port. */
  setupPortForward(setup: PortForwardSetup, network: string): void;
  /** Removes this network's entries of the container (and untagged ones), v4 and v6; missing = done. */
  teardownPortForward(containerId: string, network: string): void;
  /** Throws FirewallCheckError when an expected mapping or masquerade entry is missing or differs. */
  checkPortForward(setup: PortForwardSetup, network: string): void;
  /** Mappings of `setup` already held by OTHER containers. */
  findPortConflicts(setup: PortForwardSetup, network: string): PortConflict[];
  /** Removes this network's entries whose container is not in `validContainerIds`. */
  gcPortForward(network: string, validContainerIds: ReadonlySet<string>): void;
}

/** Where forward rules live: the iptables filter table of one flavour, or tscni's own nft table. */
export type IptablesFlavor = "nft" | "legacy";

/**
 * The firewall meta plugin's per-container forward acceptance: traffic from the container, replies to
 * it and DNAT'ed (published-port) connections to it are accepted, after the operator's admin chain.
 */
export interface ForwardSetup {
  readonly network: string;
  readonly containerId: string;
  /** Plain container addresses (no prefix), IPv4 and IPv6. */
  readonly ips: readonly string[];
  /** The operator's override chain, jumped to first (`iptablesAdminChainName`, default CNI-ADMIN). */
  readonly adminChain: string;
}

/** DEL: tscni's entries are found by their tag; `ips` (from prevResult) finds the reference's untagged rules. */
export interface ForwardTeardown {
  readonly network: string;
  readonly containerId: string;
  readonly ips: readonly string[];
}

/** firewall `ingressPolicy` other than open: per-bridge isolation rules (never removed by one pod's DEL). */
export interface IngressPolicySetup {
  readonly network: string;
  /** The bridge (prevResult.interfaces[0].name, as the reference). */
  readonly bridge: string;
  readonly policy: "same-bridge" | "isolated";
  readonly families: readonly ("ip" | "ip6")[];
}

/**
 * The iptables binaries, for forward rules on a node whose iptables filter FORWARD chain exists (an
 * ACCEPT in tscni's own nft table cannot overrule its DROP). shared/firewall/iptables.ts in production.
 */
export interface IptablesRunner {
  /** The flavours whose filter table of `family` holds `chain` (e.g. FORWARD, CNI-FORWARD). */
  flavorsWith(family: "ip" | "ip6", chain: string): readonly IptablesFlavor[];
  /** `<x>tables-save -t filter`; undefined when the binary is missing or the table cannot be read. */
  save(family: "ip" | "ip6", flavor: IptablesFlavor): string | undefined;
  /** `<x>tables-restore --noflush` of `text` (one atomic commit). */
  restore(family: "ip" | "ip6", flavor: IptablesFlavor, text: string): { readonly ok: boolean; readonly error: string };
}

/** The firewall meta plugin (plugins/meta/firewall): forward acceptance and ingress policy. */
interface ForwardOps {
  setupForward(s: ForwardSetup): void;
  /** Removes the container's entries (and the reference's rules for `ips`), wherever they are; missing = done. */
  teardownForward(t: ForwardTeardown): void;
  /** Throws FirewallCheckError when a chain jump or one of the container's rules is missing. */
  checkForward(s: ForwardSetup): void;
  /** Idempotent: adds the bridge's isolation rules when absent. */
  setupIngressPolicy(p: IngressPolicySetup): void;
  /**
   * Removes this network's forward entries whose container is not in `validContainerIds`; when none of
   * the network's containers remains, also its ingress-policy rules.
   */
  gcForward(network: string, validContainerIds: ReadonlySet<string>): void;
}

/** MAC spoofing check on a bridge port (bridge `macspoofchk`). */
interface SpoofCheckOps {
  setupSpoofCheck(s: SpoofCheck): void;
  /** Removes the attachment's jump and chain (also those of the earlier containerID-ifname naming); missing pieces are fine. */
  teardownSpoofCheck(a: MasqAttachment): void;
  /** Throws FirewallCheckError when the attachment's jump (either naming) is missing. */
  checkSpoofCheck(a: MasqAttachment): void;
  /**
   * Removes this network's entries whose attachment is not valid, and the earlier naming's entries
   * (they carry no network) that `legacyStale` says are stale.
   */
  gcSpoofCheck(network: string, valid: readonly ValidAttachment[], legacyStale: (entry: SpoofCheckEntry) => boolean): void;
}

/** The reference suite's iptables chains, removed on DEL so a node upgraded in place leaks nothing. */
interface LegacyCleanupOps {
  /** ipMasq chain CNI-<hash(net+cid)> and its POSTROUTING jumps, v4 and v6; absent = no-op. */
  teardownLegacyIPMasq(network: string, containerId: string): void;
  /** portmap CNI-DN-/CNI-SN-<hash> chains and their jumps, v4 and v6; absent = no-op. */
  teardownLegacyPortForward(network: string, containerId: string): void;
}

/**
 * Everything the plugins ask of the node's firewall: built in each plugin's entry and passed in
 * (nft.ts on the system runner in production, none.ts, or a fake in tests). A new feature (e.g. the
 * firewall meta plugin's forward rules) is one more `...Ops` interface extended here and implemented by
 * each driver; the compiler then lists every driver that lacks it.
 */
export interface FirewallDriver extends MasqueradeOps, PortForwardOps, SpoofCheckOps, LegacyCleanupOps, ForwardOps {
  readonly name: "nftables" | "none";
  /** STATUS: can this driver program the firewall on this node? */
  available(): boolean;
}

/** nft rejected a transaction or a listing failed. */
export class FirewallError extends Error {
  constructor(
    readonly op: string,
    readonly nftError: string,
  ) {
    super(`${op}: ${nftError.trim().split("\n")[0] ?? ""}`);
    this.name = "FirewallError";
  }
}

/** CHECK found the kernel state different from what the configuration expects. */
export class FirewallCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FirewallCheckError";
  }
}

/** Another container already forwards one of the requested host ports. */
export class PortConflictError extends Error {
  constructor(readonly conflicts: readonly PortConflict[]) {
    const c = conflicts[0];
    const where = c ? `${c.hostIP ?? (c.family === "ip" ? "0.0.0.0" : "::")}:${c.hostPort}/${c.protocol}` : "?";
    super(`host port ${where} is already mapped by container ${c?.ownerContainerId ?? "?"}`);
    this.name = "PortConflictError";
  }
}
