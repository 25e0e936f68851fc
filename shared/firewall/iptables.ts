// Runs iptables/ip6tables (argv arrays only) to remove the reference's legacy chains. A missing
// binary, table or chain means there is nothing to clean: never an error.
import { existsSync, readFileSync } from "node:fs";
import { jumpsTo, legacyMasqChains, legacyPortmapChains, type LegacyChain } from "./iptables-legacy.ts";
import type { IptablesFlavor, IptablesRunner, NftRunner } from "./types.ts";
import { validateContainerId, validateNetworkName } from "./validate.ts";

const SEARCH = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];
const WAIT = ["-w", "5"];

class IptablesError extends Error {
  constructor(readonly argv: readonly string[], readonly stderr: string) {
    super(`${argv.join(" ")}: ${stderr.trim().split("\n")[0] ?? ""}`);
    this.name = "IptablesError";
  }
}

function findBinary(name: string): string | undefined {
  return SEARCH.map((d) => `${d}/${name}`).find((p) => existsSync(p));
}

interface Ran {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

function ipt(binary: string, args: readonly string[]): Ran {
  const p = Bun.spawnSync([binary, ...WAIT, "-t", "nat", ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  return { ok: p.exitCode === 0, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

/** True when `iptables -S <chain>` fails because the chain (or the nat table) does not exist. */
function chainExists(binary: string, chain: string): Ran | undefined {
  const res = ipt(binary, ["-S", chain]);
  return res.ok ? res : undefined;
}

function removeChain(binary: string, c: LegacyChain, errors: Error[]): void {
  for (const entry of c.entryChains) {
    const listing = chainExists(binary, entry);
    if (!listing) continue;
    for (const spec of jumpsTo(listing.stdout, entry, c.chain)) {
      const res = ipt(binary, ["-D", entry, ...spec]);
      if (!res.ok && chainExists(binary, c.chain)) errors.push(new IptablesError([binary, "-D", entry, ...spec], res.stderr));
    }
  }
  if (!chainExists(binary, c.chain)) return;
  for (const args of [["-F", c.chain], ["-X", c.chain]]) {
    const res = ipt(binary, args);
    if (!res.ok && chainExists(binary, c.chain)) errors.push(new IptablesError([binary, ...args], res.stderr));
  }
}

const FAMILIES = [
  { binary: "iptables", nft: "ip", legacyTables: "/proc/net/ip_tables_names" },
  { binary: "ip6tables", nft: "ip6", legacyTables: "/proc/net/ip6_tables_names" },
] as const;

function legacyNatLoaded(path: string): boolean {
  try {
    return readFileSync(path, "utf8").split("\n").includes("nat");
  } catch {
    return false;
  }
}

/**
 * Forking iptables costs ~5-10 ms per call, so first ask cheaply whether the chain can exist at all:
 * iptables-nft keeps it in nft table `<family> nat` (one targeted NFT_MSG_GETCHAIN, whatever the size
 * of the ruleset); legacy iptables only if its nat table is loaded. Without a runner, always ask iptables.
 */
function mayHold(f: (typeof FAMILIES)[number], chain: string, nft: NftRunner | undefined): boolean {
  if (!nft || legacyNatLoaded(f.legacyTables)) return true;
  return nft.chainExists(f.nft, "nat", chain);
}

function removeAll(chains: LegacyChain[], nft: NftRunner | undefined): void {
  const errors: Error[] = [];
  for (const f of FAMILIES) {
    const binary = findBinary(f.binary);
    if (!binary) continue;
    for (const c of chains) if (mayHold(f, c.chain, nft)) removeChain(binary, c, errors);
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join("; "));
}

/** Removes the reference's ipMasq chain CNI-<hash(net+cid)> and its POSTROUTING jumps (v4 and v6). */
export function teardownLegacyIptablesMasq(network: string, containerId: string, nft?: NftRunner): void {
  validateNetworkName(network);
  validateContainerId(containerId);
  removeAll(legacyMasqChains(network, containerId), nft);
}

/** Removes the reference's portmap CNI-DN-<hash> (and old CNI-SN-<hash>) chains and their jumps (v4 and v6). */
export function teardownLegacyIptablesPortmap(network: string, containerId: string, nft?: NftRunner): void {
  validateNetworkName(network);
  validateContainerId(containerId);
  removeAll(legacyPortmapChains(network, containerId), nft);
}

// ---- the firewall meta plugin's runner: iptables-save / iptables-restore of the filter table ----

const FLAVOR_BINARIES = {
  ip: { legacy: "iptables-legacy", nft: "iptables-nft", any: "iptables", tables: "/proc/net/ip_tables_names" },
  ip6: { legacy: "ip6tables-legacy", nft: "ip6tables-nft", any: "ip6tables", tables: "/proc/net/ip6_tables_names" },
} as const;

/** `<flavour binary>-<suffix>`, else the unflavoured one (a node with only one iptables installed). */
function flavorBinary(family: "ip" | "ip6", flavor: IptablesFlavor, suffix: "save" | "restore"): string | undefined {
  const b = FLAVOR_BINARIES[family];
  return findBinary(`${b[flavor]}-${suffix}`) ?? findBinary(`${b.any}-${suffix}`);
}

function legacyFilterLoaded(family: "ip" | "ip6"): boolean {
  try {
    return readFileSync(FLAVOR_BINARIES[family].tables, "utf8").split("\n").includes("filter");
  } catch {
    return false;
  }
}

/**
 * Production IptablesRunner. Which flavours hold a chain is asked cheaply, without forking: iptables-nft
 * keeps the filter table as nft table `<family> filter` (one targeted NFT_MSG_GETCHAIN); legacy iptables
 * only if its filter table is loaded in this netns (then FORWARD exists; other chains may, so say yes).
 */
export function systemIptables(nft: NftRunner): IptablesRunner {
  return {
    flavorsWith(family, chain) {
      const out: IptablesFlavor[] = [];
      if (legacyFilterLoaded(family) && findBinary(FLAVOR_BINARIES[family].legacy) !== undefined) out.push("legacy");
      if (nft.available() && nft.chainExists(family, "filter", chain)) out.push("nft");
      return out;
    },
    save(family, flavor) {
      const bin = flavorBinary(family, flavor, "save");
      if (!bin) return undefined;
      const p = Bun.spawnSync([bin, "-t", "filter"], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
      return p.exitCode === 0 ? p.stdout.toString() : undefined;
    },
    restore(family, flavor, text) {
      const bin = flavorBinary(family, flavor, "restore");
      if (!bin) return { ok: false, error: `${FLAVOR_BINARIES[family].any}-restore not found` };
      const p = Bun.spawnSync([bin, ...WAIT, "--noflush"], { stdin: new TextEncoder().encode(text), stdout: "pipe", stderr: "pipe" });
      return { ok: p.exitCode === 0, error: p.stderr.toString() || p.stdout.toString() };
    },
  };
}
