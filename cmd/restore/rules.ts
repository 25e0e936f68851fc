// Puts back the per-pod firewall state of attachments that still exist, after an operator's
// `nft flush table`/`flush ruleset` or a firewall reload removed it (ADD repairs only the base structure
// it depends on, and only for the pod it adds). Source of truth: libcni's result cache (the conflist,
// the capability args and the result of every attachment the runtime made). For each cached attachment:
// bridge/ptp `ipMasq` rules, bridge `macspoofchk`, portmap's forwards and the firewall meta plugin's
// forward rules are verified with the driver's CHECK and rebuilt through its own setup when missing. Called by `tscni run gc` for the valid
// attachments and, later, by `tscni audit --fix`; acts on the calling thread's netns (the node's).
import { buildNetConf } from "../../shared/cni/config.ts";
import type { NetConf } from "../../shared/cni/plugin.ts";
import type { Result } from "../../shared/cni/types.ts";
import { parseResult } from "../../shared/cni/version.ts";
import type { FirewallDriver, MasqAttachment } from "../../shared/firewall/types.ts";
import { parseBridgeConfig } from "../../plugins/main/bridge/config.ts";
import { parsePtpConfig } from "../../plugins/main/ptp/config.ts";
import { parseConfig as parseFirewallConfig, resultFamilies, resultIPs } from "../../plugins/meta/firewall/config.ts";
import { containerAddresses, parseConfig as parsePortmapConfig } from "../../plugins/meta/portmap/config.ts";
import { buildSetup } from "../../plugins/meta/portmap/setup.ts";
import { listCached, type CachedAttachment } from "../run/cache.ts";
import { parseConfList, pluginStdin, typeOf } from "../run/conflist.ts";

/** One piece of per-pod state: what was found and what was done. */
export interface RestoredRule {
  readonly network: string;
  readonly containerId: string;
  readonly ifname: string;
  /** "masquerade", "macspoofchk", "portmap" or "firewall" */
  readonly kind: string;
  /** present: CHECK passed, nothing written; restored: rebuilt; failed: see error */
  readonly outcome: "present" | "restored" | "failed";
  readonly error?: string;
}

export interface RestoreOptions {
  /** libcni's cache root (results in <cacheDir>/results) */
  readonly cacheDir: string;
  /** only this network's attachments */
  readonly network?: string;
  /** only attachments this accepts (GC: the valid ones) */
  readonly include?: (a: { containerId: string; ifname: string }) => boolean;
  /** false: report what is missing without writing (audit without --fix) */
  readonly fix?: boolean;
}

/** One restorable piece: its CHECK (throws when missing) and its setup. */
interface Piece {
  readonly kind: string;
  check(): void;
  setup(): void;
}

/** Verifies and, with `fix` (default), rebuilds the per-pod firewall state of every cached attachment chosen. */
export function restorePodRules(fw: FirewallDriver, opts: RestoreOptions): RestoredRule[] {
  const out: RestoredRule[] = [];
  for (const entry of listCached(opts.cacheDir)) {
    if (opts.network !== undefined && entry.networkName !== opts.network) continue;
    if (opts.include && !opts.include({ containerId: entry.containerId, ifname: entry.ifName })) continue;
    const id = { network: entry.networkName, containerId: entry.containerId, ifname: entry.ifName };
    let pieces: Piece[];
    try {
      pieces = piecesOf(fw, entry);
    } catch (e) {
      out.push({ ...id, kind: "config", outcome: "failed", error: message(e) });
      continue;
    }
    for (const p of pieces) out.push({ ...id, kind: p.kind, ...restorePiece(p, opts.fix ?? true) });
  }
  return out;
}

function restorePiece(p: Piece, fix: boolean): Pick<RestoredRule, "outcome" | "error"> {
  try {
    p.check();
    return { outcome: "present" };
  } catch (missing) {
    if (!fix) return { outcome: "failed", error: message(missing) };
    try {
      p.setup();
      return { outcome: "restored" };
    } catch (e) {
      return { outcome: "failed", error: message(e) };
    }
  }
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The restorable pieces of one cached attachment, from its conflist's plugins in order. */
function piecesOf(fw: FirewallDriver, entry: CachedAttachment): Piece[] {
  const list = parseConfList(entry.config);
  if (!entry.result) return [];
  const result = parseResult(entry.result, list.cniVersion);
  const pieces: Piece[] = [];
  for (const plugin of list.plugins) {
    const conf = buildNetConf(pluginStdin(list, plugin, undefined, entry.capabilityArgs), list.cniVersion);
    pieces.push(...pluginPieces(fw, typeOf(plugin), conf, entry, result));
  }
  return pieces;
}

function pluginPieces(fw: FirewallDriver, type: string, conf: NetConf, entry: CachedAttachment, result: Result): Piece[] {
  const attachment = { network: conf.name, ifname: entry.ifName, containerId: entry.containerId };
  const ips = (result.ips ?? []).map((ip) => ({ address: ip.address }));
  const masq = (): Piece => ({
    kind: "masquerade",
    check: () => fw.checkIPMasq({ ...attachment, ips }),
    setup: () => {
      fw.teardownIPMasq(attachment); // a partial set would be duplicated
      fw.setupIPMasq({ ...attachment, ips });
    },
  });
  if (type === "bridge") {
    const cfg = parseBridgeConfig(conf, entry.cniArgs, true);
    return [...(cfg.ipMasq && ips.length ? [masq()] : []), ...(cfg.macspoofchk ? spoofPieces(fw, attachment, result, cfg.bridge) : [])];
  }
  if (type === "ptp") return parsePtpConfig(conf).ipMasq && ips.length ? [masq()] : [];
  if (type === "portmap") return portmapPieces(fw, conf, entry, result);
  if (type === "firewall") return firewallPieces(fw, conf, entry, result);
  return [];
}

/**
 * firewall meta plugin: the container's forward rules (checked like its CHECK) and, with an ingress
 * policy, its bridge's isolation rules (idempotent: written only when missing) are rebuilt together.
 */
function firewallPieces(fw: FirewallDriver, conf: NetConf, entry: CachedAttachment, result: Result): Piece[] {
  const cfg = parseFirewallConfig(conf);
  const setup = { network: cfg.name, containerId: entry.containerId, ips: resultIPs(result), adminChain: cfg.adminChain };
  if (setup.ips.length === 0) return [];
  const bridge = result.interfaces?.[0]?.name;
  const policy = cfg.ingressPolicy === "open" || !bridge ? undefined : cfg.ingressPolicy;
  return [{
    kind: "firewall",
    check: () => fw.checkForward(setup),
    setup: () => {
      fw.setupForward(setup);
      if (policy) fw.setupIngressPolicy({ network: cfg.name, bridge: bridge!, policy, families: resultFamilies(result) });
    },
  }];
}

function portmapPieces(fw: FirewallDriver, conf: NetConf, entry: CachedAttachment, result: Result): Piece[] {
  const cfg = parsePortmapConfig(conf);
  const addrs = containerAddresses(result, entry.ifName);
  if (cfg.mappings.length === 0 || addrs.length === 0) return [];
  const setup = buildSetup(cfg, entry.containerId, addrs);
  return [{ kind: "portmap", check: () => fw.checkPortForward(setup, cfg.name), setup: () => fw.setupPortForward(setup, cfg.name) }];
}

/** bridge macspoofchk: the pod's host veth (no sandbox, not the bridge) and the container interface's MAC, from the result. */
function spoofPieces(fw: FirewallDriver, attachment: MasqAttachment, result: Result, bridge: string): Piece[] {
  const ifaces = result.interfaces ?? [];
  const ctr = ifaces.find((i) => i.name === attachment.ifname && i.sandbox);
  const host = ifaces.find((i) => !i.sandbox && i.name !== bridge);
  if (!ctr?.mac || !host) return [];
  return [{
    kind: "macspoofchk",
    check: () => fw.checkSpoofCheck(attachment),
    setup: () => fw.setupSpoofCheck({ ...attachment, hostIface: host.name, mac: ctr.mac! }),
  }];
}
