// A node namespace's network state, captured so that two moments can be compared: "leave the node
// exactly as before" becomes `expect(diffSnapshots(before, after)).toEqual([])`. One nsenter per
// snapshot (a fixed script, no input in it). What varies by itself is left out on purpose: kernel-made
// IPv6 link-local addresses and routes (a bridge's follow its MAC, which follows its ports), the local
// routing table (derived from the addresses; IPv6 entries wait for DAD, i.e. for carrier), operstate,
// counters, and conntrack/neighbour figures; IPAM bookkeeping files (`lock`, `last_reserved_ip.*`).
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export interface Snapshot {
  links: string[];
  addresses: string[];
  routes: string[];
  sysctls: string[];
  nft: string[];
  tc: string[];
  ipam: string[];
}

export interface ExecOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** killed by the timeout */
  timedOut: boolean;
}

/** spawn with stdin, env and a timeout (SIGKILL on expiry): never hangs the test. */
export function execAsync(
  cmd: string,
  args: readonly string[],
  opts: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ExecOutcome> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 120_000);
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    child.on("error", (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, timedOut });
    });
    child.stdin.on("error", () => {}); // the child may exit before reading all of stdin
    child.stdin.end(opts.input ?? "");
  });
}

const SEP = "@@tscni-snapshot@@";
const SCRIPT = [
  "ip -j -d link show",
  "ip -j addr show",
  "ip -4 -j route show table all",
  "ip -6 -j route show table all",
  "nft list ruleset",
  "tc -j qdisc show",
  // bandwidth's ingress redirect: a filter under each device's ingress qdisc
  "for d in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do echo \"$d $(tc -j filter show dev $d ingress 2>/dev/null)\"; done",
  "sysctl -a --pattern '^net\\.' 2>/dev/null || true",
].join(`; echo ${SEP}; `);

/** Sysctls that move on their own (counters, random, per-boot) or with conntrack traffic. */
const VOLATILE_SYSCTL = /(nf_conntrack_count|stable_secret|\.base_reachable_time|hash_rnd|random|_count =|netfilter\.nf_log\.)/;

const json = (s: string): any[] => (s.trim() ? JSON.parse(s) : []);

function links(out: string): string[] {
  return json(out).map((l) => {
    const kind = l.linkinfo?.info_kind ?? "";
    const up = (l.flags ?? []).includes("UP") ? "up" : "down";
    return `${l.ifname} kind=${kind} master=${l.master ?? ""} mtu=${l.mtu} ${up}`;
  }).sort();
}

const linkLocal = (a: string): boolean => /^fe80:/i.test(a);

function addresses(out: string): string[] {
  return json(out).flatMap((l) => (l.addr_info ?? [])
    .filter((a: any) => !linkLocal(a.local))
    .map((a: any) => `${l.ifname} ${a.local}/${a.prefixlen}`)).sort();
}

function routes(out: string): string[] {
  return json(out)
    // the local table follows the addresses (compared above) and, for IPv6, DAD: a bridge's address stays
    // tentative, without its local route, until a port brings carrier
    .filter((r) => r.table !== "local" && !linkLocal(r.dst ?? "") && !/^ff00::/.test(r.dst ?? ""))
    .map((r) => `${r.table ?? "main"} ${r.type ?? ""} ${r.dst} via=${r.gateway ?? ""} dev=${r.dev ?? ""} proto=${r.protocol ?? ""} src=${r.prefsrc ?? ""}`)
    .sort();
}

function qdiscs(qdiscOut: string, filterOut: string): string[] {
  const q = json(qdiscOut).map((d) => `qdisc ${d.kind} ${d.handle} dev=${d.dev} parent=${d.parent ?? "root"} ${JSON.stringify(d.options ?? {})}`);
  const f = filterOut.split("\n").flatMap((line) => {
    const [dev, list] = [line.slice(0, line.indexOf(" ")), line.slice(line.indexOf(" ") + 1)];
    return list.trim().startsWith("[") ? json(list).map((x) => `filter dev=${dev} ${JSON.stringify(x)}`) : [];
  });
  return [...q, ...f].sort();
}

function nftLines(out: string): string[] {
  // counters and quotas move with traffic; everything else is state
  return out.split("\n").map((l) => l.replace(/counter packets \d+ bytes \d+/g, "counter").trimEnd()).filter((l) => l.trim() !== "");
}

function sysctls(out: string): string[] {
  return out.split("\n").filter((l) => l.trim() && !VOLATILE_SYSCTL.test(l)).sort();
}

/** Every file under dir (recursively) with its content, except the store's bookkeeping files. */
export function ipamFiles(dir: string | undefined): string[] {
  if (!dir || !existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      try {
        if (statSync(p).isDirectory()) walk(p);
        // host-local's index stamp (<dataDir>/.tscni-host-local/<net>/stamp) changes with every write
        else if (name !== "lock" && !name.startsWith("last_reserved_ip.") && !(name === "stamp" && relative(dir, p).includes(".tscni-host-local"))) {
          out.push(`${relative(dir, p)} = ${JSON.stringify(readFileSync(p, "utf8"))}`);
        }
      } catch (e) {
        // read while other ADD/DELs run: a file released between readdir and read is simply not there
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
  };
  walk(dir);
  return out.sort();
}

/** Captures the node namespace at nsPath (links, addresses, routes, sysctls, nft, tc) and the IPAM dir. */
export async function snapshot(nsPath: string, ipamDir?: string): Promise<Snapshot> {
  const r = await execAsync("nsenter", [`--net=${nsPath}`, "--", "sh", "-c", SCRIPT], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`snapshot of ${nsPath} failed (${r.code}): ${r.stderr}`);
  const [link, addr, r4, r6, nft, qdisc, filter, sysctl] = r.stdout.split(SEP);
  return {
    links: links(link!),
    addresses: addresses(addr!),
    routes: [...routes(r4!), ...routes(r6!)],
    sysctls: sysctls(sysctl!),
    nft: nftLines(nft!),
    tc: qdiscs(qdisc!, filter!),
    ipam: ipamFiles(ipamDir),
  };
}

function counts(lines: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

const linkName = (line: string): string => line.slice(0, line.indexOf(" "));

/**
 * What differs, as "+ area: line" (more after) and "- area: line" (more before); [] when equal. The
 * per-interface sysctls of a link that came or went are left out (the link's own line says it).
 */
export function diffSnapshots(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  const names = (s: Snapshot) => new Set(s.links.map(linkName));
  const [b0, a0] = [names(before), names(after)];
  const changed = [...a0].filter((n) => !b0.has(n)).concat([...b0].filter((n) => !a0.has(n)));
  const ofChanged = (l: string) => changed.some((n) => l.includes(`.${n}.`));
  before = { ...before, sysctls: before.sysctls.filter((l) => !ofChanged(l)) };
  after = { ...after, sysctls: after.sysctls.filter((l) => !ofChanged(l)) };
  for (const area of Object.keys(before) as (keyof Snapshot)[]) {
    const b = counts(before[area]);
    const a = counts(after[area]);
    for (const [l, n] of a) for (let i = b.get(l) ?? 0; i < n; i++) out.push(`+ ${area}: ${l}`);
    for (const [l, n] of b) for (let i = a.get(l) ?? 0; i < n; i++) out.push(`- ${area}: ${l}`);
  }
  return out;
}
