// `tscni audit [--network N] [--fix] [--json]`: finds what a crash or a foreign tool left or broke on
// this node (findings.ts) and, with --fix, removes the orphans: attachments whose netns is gone are
// DELeted through their cached conflist (libcni GC's way: IPs, veths, rules and the cache entry go),
// then, on a fresh read, host-local allocations no attachment holds, ifbs and bridge veths no
// attachment names, and nft rules/elements of no cached attachment (the firewall driver's own GC; the
// report comes from the same GC run with its writes recorded instead of applied). Acts on the calling
// thread's netns (the node). Exit 0 when nothing is (left) wrong, 1 otherwise. Loaded only for
// `tscni audit`.
import { existsSync, unlinkSync } from "node:fs";
import { dirname, basename } from "node:path";
import { splitPath } from "../../shared/cni/env.ts";
import { goIndent } from "../../shared/cni/json.ts";
import { systemFirewall } from "../../shared/firewall/system.ts";
import { NetlinkHandle } from "../../shared/netlink/client.ts";
import { deleteLink, getLinkByName, listLinks } from "../../shared/netlink/links.ts";
import { flock, LOCK_EX, LOCK_UN } from "../../shared/sys/libc.ts";
import { DiskStore, readAllocations } from "../../plugins/ipam/host-local/store.ts";
import { collectRecords, type NodeRecords, type RecordDirs } from "../endpoints/collect.ts";
import { splitFlags, UsageError } from "../flags.ts";
import { DEFAULT_CACHE_DIR, type CachedAttachment } from "../run/cache.ts";
import { parseConfList } from "../run/conflist.ts";
import { execPlugin } from "../run/exec.ts";
import { restorePodRules } from "../restore/rules.ts";
import { delList } from "../run/runner.ts";
import { allocationOrphans, linkOrphans, netnsGone, nftOrphans, type Finding, type LinkInfo } from "./findings.ts";
import { formatFindings } from "./table.ts";

const USAGE = `usage: tscni audit [--network NAME] [--fix] [--json] [--cache-dir DIR] [--data-dir DIRS] [--plugin-dir DIRS]
  --network NAME    only this network's records
  --fix             remove what is orphaned (DEL attachments whose netns is gone, then stale IPs, links, rules)
  --json            JSON instead of the table
  --cache-dir DIR   libcni cache root (default $TSCNI_CACHE_DIR, else /var/lib/cni)
  --data-dir DIRS   host-local data dirs, ':'-separated (default /var/lib/cni/networks + cached conflists' dataDir)
  --plugin-dir DIRS plugins for --fix's DELs, ':'-separated (default $CNI_PATH, else /opt/cni/bin)
`;

interface CommandIO {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  stdout(s: string): void;
  stderr(s: string): void;
}

interface AuditArgs {
  dirs: RecordDirs;
  network?: string;
  fix: boolean;
  json: boolean;
  pluginDirs: string[];
}

const FLAGS = { command: "audit", valued: new Set(["--network", "--cache-dir", "--data-dir", "--plugin-dir"]), boolean: new Set(["--fix", "--json"]) };

function parseArgs(argv: readonly string[], env: CommandIO["env"]): AuditArgs {
  const { positional, flags } = splitFlags(argv, FLAGS);
  if (positional.length > 0) throw new UsageError("audit", `unexpected argument ${positional[0]}`);
  const dataDirs = flags.get("--data-dir");
  return {
    dirs: { cacheDir: flags.get("--cache-dir") ?? env.TSCNI_CACHE_DIR ?? DEFAULT_CACHE_DIR, ...(dataDirs !== undefined && { dataDirs: splitPath(dataDirs) }) },
    ...(flags.has("--network") && { network: flags.get("--network")! }),
    fix: flags.has("--fix"),
    json: flags.has("--json"),
    pluginDirs: splitPath(flags.get("--plugin-dir") ?? env.CNI_PATH ?? "/opt/cni/bin"),
  };
}

/** Runs a fix and records its outcome on the finding. */
function applyFix(f: Finding, fix: () => void): Finding {
  try {
    fix();
    return { ...f, fixed: true };
  } catch (e) {
    return { ...f, fixed: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** DEL of a cached attachment as libcni's GC does it, without the netns (it is gone). */
function delAttachment(a: AuditArgs, c: CachedAttachment): void {
  const list = parseConfList(c.config);
  const rt = { containerId: c.containerId, netns: "", ifName: c.ifName, cniArgs: c.cniArgs, capabilityArgs: c.capabilityArgs };
  delList(list, rt, { cacheDir: a.dirs.cacheDir, invoke: (inv) => execPlugin(inv, a.pluginDirs) });
}

const libcFlock = (fd: number, op: "lock" | "unlock"): void => void flock(fd, op === "lock" ? LOCK_EX : LOCK_UN);

/** Removes an orphaned allocation file under its store's lock, only if it is still the same orphan. */
function removeAllocation(f: Finding): void {
  const dir = dirname(f.object);
  const store = DiskStore.open(dirname(dir), basename(dir), libcFlock);
  try {
    store.withLock(() => {
      const now = readAllocations(dir).find((x) => x.file === f.object);
      if (now && now.containerId === f.containerId && (now.ifname ?? "") === f.ifName) unlinkSync(f.object);
    });
  } finally {
    store.close();
  }
}

function nodeLinks(): LinkInfo[] {
  const h = NetlinkHandle.open();
  try {
    return listLinks(h).map((l) => ({ name: l.name, ifindex: l.ifindex, ...(l.kind && { kind: l.kind }), ...(l.master !== undefined && { master: l.master }) }));
  } finally {
    h.close();
  }
}

function removeLink(name: string): void {
  const h = NetlinkHandle.open();
  try {
    const link = getLinkByName(h, name);
    if (link) deleteLink(h, link); // gone meanwhile: nothing to do
  } finally {
    h.close();
  }
}

/** Networks whose firewall state is checked: the records' and the one asked for. */
function networksOf(r: NodeRecords, network?: string): string[] {
  return [...new Set([...r.cached.map((c) => c.networkName), ...r.stores.map((s) => s.network), ...(network ? [network] : [])])].sort();
}

/** The firewall driver's GC per network: recorded (a report) or applied (--fix). */
function firewallGc(r: NodeRecords, networks: readonly string[], record?: (text: string) => void): void {
  const fw = systemFirewall("nftables", record ? { dryRun: record } : {});
  for (const net of networks) {
    const valid = r.cached.filter((c) => c.networkName === net);
    fw.gcIPMasq(net, valid.map((c) => ({ containerId: c.containerId, ifname: c.ifName })));
    fw.gcPortForward(net, new Set(valid.map((c) => c.containerId)));
  }
}

function nftFindings(r: NodeRecords, network: string | undefined): Finding[] {
  const out: Finding[] = [];
  const fw = systemFirewall("nftables");
  if (!fw.available()) return out;
  for (const net of networksOf(r, network)) {
    const recorded: string[] = [];
    firewallGc(r, [net], (t) => recorded.push(t));
    out.push(...nftOrphans(net, recorded));
  }
  return out;
}

/**
 * Per-pod firewall state of the live attachments (netns present, or none recorded), checked with the
 * driver's CHECK and, with --fix, rebuilt by restorePodRules (masquerade, macspoofchk, port forwards,
 * firewall forward rules; their setup re-declares missing base chains): what an `nft flush ruleset` or a firewall reload broke.
 */
function ruleFindings(a: AuditArgs, r: NodeRecords): Finding[] {
  const fw = systemFirewall("nftables");
  if (!fw.available()) return [];
  const key = (id: string, ifname: string) => `${id}\u0000${ifname}`;
  const live = new Set(r.cached.filter((c) => c.netns === "" || existsSync(c.netns)).map((c) => key(c.containerId, c.ifName)));
  const opts = { cacheDir: a.dirs.cacheDir, ...(a.network !== undefined && { network: a.network }), include: (x: { containerId: string; ifname: string }) => live.has(key(x.containerId, x.ifname)), fix: a.fix };
  return restorePodRules(fw, opts)
    .filter((x) => x.outcome !== "present")
    .map((x) => {
      const base = { kind: "rules-missing" as const, network: x.network, containerId: x.containerId, ifName: x.ifname, object: x.kind };
      if (!a.fix) return { ...base, detail: x.error ?? "missing" };
      return x.outcome === "restored" ? { ...base, detail: "was missing", fixed: true } : { ...base, detail: "missing", fixed: false, error: x.error ?? "" };
    });
}

/** Phase 1: attachments whose netns is gone (their DEL removes most of what follows). */
function phaseNetns(a: AuditArgs): Finding[] {
  const r = collectRecords(a.dirs, a.network);
  const found = netnsGone(r.cached, existsSync);
  if (!a.fix) return found;
  return found.map((f) => applyFix(f, () => delAttachment(a, r.cached.find((c) => c.netns === f.object && c.containerId === f.containerId && c.ifName === f.ifName)!)));
}

/** Phase 2, on a fresh read: allocations, links and firewall state no attachment accounts for. */
function phaseOrphans(a: AuditArgs): Finding[] {
  const r = collectRecords(a.dirs, a.network);
  // without --fix the gone-netns attachments are still cached: their state is reported under netns-gone
  const found = [...allocationOrphans(r), ...linkOrphans(r, nodeLinks()), ...nftFindings(r, a.network)];
  if (!a.fix) return [...found, ...ruleFindings(a, r)];
  const fixed = found.map((f) => {
    if (f.kind === "allocation-orphan") return applyFix(f, () => removeAllocation(f));
    if (f.kind === "ifb-orphan" || f.kind === "veth-orphan") return applyFix(f, () => removeLink(f.object));
    return f;
  });
  const nft = fixed.filter((f) => f.kind === "nft-orphan");
  if (nft.length === 0) return [...fixed, ...ruleFindings(a, r)];
  let error: string | undefined;
  try {
    firewallGc(r, networksOf(r, a.network));
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const gced = fixed.map((f) => (f.kind !== "nft-orphan" ? f : error ? { ...f, fixed: false, error } : { ...f, fixed: true }));
  return [...gced, ...ruleFindings(a, r)];
}

export function auditMain(io: CommandIO): number {
  if (io.argv[0] === "--help" || io.argv[0] === "-h") {
    io.stdout(USAGE);
    return 0;
  }
  let a: AuditArgs;
  try {
    a = parseArgs(io.argv, io.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`${e.message}\n${USAGE}`);
    return 2;
  }
  const findings = [...phaseNetns(a), ...phaseOrphans(a)];
  io.stdout(a.json ? goIndent(findings) + "\n" : formatFindings(findings, a.fix));
  return findings.every((f) => f.fixed === true) ? 0 : 1;
}
