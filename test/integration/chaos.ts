// What the chaos tests (crash at every step, races, hostile input, tampering) share: a runtime's view
// of a network list (ADD in order feeding prevResult, DEL in reverse, GC with the valid attachments),
// each plugin exec'd with a per-run timeout, a bounded pool, private node namespaces and seeded chance.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { BIN_DIR } from "./harness.ts";
import { execAsync, type ExecOutcome } from "./snapshot.ts";

/** Exec'ing concurrency of the chaos tests: enough to race, not enough to drown a loaded 2-core machine. */
export const POOL = Number(process.env.TSCNI_CHAOS_POOL ?? 8);
/** A plugin exec that takes longer is killed and reported as a hang (generous: 100 chains at once on a loaded 2-core machine). */
export const EXEC_TIMEOUT_MS = 600_000;
/** Long mode (full products, 200-way races, long fuzzing): TSCNI_CHAOS_LONG=1. */
export const LONG = process.env.TSCNI_CHAOS_LONG === "1";

/** Runs task(item) for every item with at most `limit` running at once; results in input order. */
export async function pool<T, R>(items: readonly T[], limit: number, task: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A private namespace (tscni-<tag>-<hex>), created and deleted without blocking the event loop. */
export interface ChaosNetns {
  name: string;
  path: string;
  delete(): Promise<void>;
}

/** Namespaces created by this process and not deleted yet. */
const live = new Set<string>();

export async function newNetns(tag: string): Promise<ChaosNetns> {
  const name = `tscni-${tag}-${randomBytes(4).toString("hex")}`;
  const r = await execAsync("ip", ["netns", "add", name]);
  if (r.code !== 0) throw new Error(`ip netns add ${name}: ${r.stderr}`);
  live.add(name);
  const path = `/run/netns/${name}`;
  await inNetns(path, "ip", ["link", "set", "lo", "up"]);
  return {
    name,
    path,
    delete: async () => {
      if (!live.delete(name)) return;
      await execAsync("ip", ["netns", "del", name]);
    },
  };
}

/** A command inside a namespace; throws on failure unless allowFail. */
export async function inNetns(path: string, cmd: string, args: readonly string[], allowFail = false): Promise<ExecOutcome> {
  const r = await execAsync("nsenter", [`--net=${path}`, "--", cmd, ...args]);
  if (r.code !== 0 && !allowFail) throw new Error(`${cmd} ${args.join(" ")} in ${path} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r;
}

/**
 * Safety net for afterAll: the namespaces this process created and has not deleted (a test that threw
 * half-way). Only our own: other runs on the same machine use the same name prefixes.
 */
export function deleteOwnNetns(): void {
  for (const name of live) spawnSync("ip", ["netns", "del", name]);
  live.clear();
}

export interface PluginRun {
  plugin: string;
  command: "ADD" | "DEL" | "CHECK" | "GC" | "STATUS" | "VERSION";
  /** the stdin object (or raw stdin) */
  stdin: unknown;
  raw?: string | Buffer;
  containerId?: string;
  netns?: string;
  ifname?: string;
  cniArgs?: string;
  /** CNI_PATH (default: the build) */
  cniPath?: string;
  /** the node namespace the plugin runs in */
  node: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** the binary dir (default the build) */
  binDir?: string;
  /** run with the test's own dirs in place of the host's default state dirs (see StateDirs) */
  stateDirs?: StateDirs;
}

/**
 * The host's default state dirs replaced, for one exec, by the test's own: in a private mount namespace
 * (unshare -m, propagation private: the host never sees these mounts) `runCni` is bind-mounted over
 * /run/cni and `varLibCni` over /var/lib/cni before the node netns is entered. A (fuzzed) config without
 * dataDir then writes host-local's store, tuning's backups or looks for the dhcp socket in the test's
 * dirs, never the host's. Both mount points must exist on the host (ensureStateMountPoints).
 */
export interface StateDirs {
  runCni: string;
  varLibCni: string;
}

const STATE_MOUNT_POINTS = ["/run/cni", "/var/lib/cni"] as const;

/** Creates the missing mount points (empty dirs); returns an undo that removes those it made, if still empty. */
export function ensureStateMountPoints(): () => void {
  const made = STATE_MOUNT_POINTS.filter((d) => !existsSync(d));
  for (const d of made) mkdirSync(d, { recursive: true });
  return () => {
    for (const d of made.reverse()) spawnSync("rmdir", [d]);
  };
}

/** argv that runs `bin` in the node netns, in a private mount namespace when stateDirs is given. */
function launchArgv(run: PluginRun, bin: string): [string, string[]] {
  if (!run.stateDirs) return ["nsenter", [`--net=${run.node}`, "--", bin]];
  // paths passed as positional parameters: nothing is interpolated into the script
  const script = 'mount --bind "$1" /run/cni && mount --bind "$2" /var/lib/cni && exec nsenter --net="$3" -- "$4"';
  return ["unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", run.stateDirs.runCni, run.stateDirs.varLibCni, run.node, bin]];
}

export interface PluginExit extends ExecOutcome {
  json: any;
}

/** "exit 1: {...}", "killed by SIGKILL", "hung (killed after N s)": how an exec ended, for messages. */
export function exitText(r: PluginExit): string {
  if (r.timedOut) return "hung (killed by the test's timeout)";
  if (r.signal) return `killed by ${r.signal}`;
  return `exit ${r.code}: ${r.stdout.trim()}${r.stderr.trim() ? ` (stderr: ${r.stderr.trim().slice(0, 300)})` : ""}`;
}

/** Execs one plugin in the node namespace exactly as a runtime does (env + stdin, result on stdout). */
export async function execPlugin(run: PluginRun): Promise<PluginExit> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    CNI_COMMAND: run.command,
    CNI_CONTAINERID: run.containerId ?? "chaos",
    CNI_NETNS: run.netns ?? "",
    CNI_IFNAME: run.ifname ?? "eth0",
    CNI_ARGS: run.cniArgs ?? "",
    CNI_PATH: run.cniPath ?? BIN_DIR,
    ...run.env,
  };
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  const input = run.raw ?? JSON.stringify(run.stdin);
  const bin = join(run.binDir ?? BIN_DIR, run.plugin);
  const [cmd, args] = launchArgv(run, bin);
  const r = await execAsync(cmd, args, { input, env: clean, timeoutMs: run.timeoutMs ?? EXEC_TIMEOUT_MS });
  let json: any;
  try {
    json = r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { ...r, json };
}

/** A network list as a runtime holds it: plugin confs (runtimeConfig already filled in where declared). */
export interface NetList {
  cniVersion: string;
  name: string;
  plugins: Record<string, unknown>[];
}

/** One plugin's stdin: its conf with the list's name and version, and prevResult when there is one. */
export function pluginStdin(list: NetList, conf: Record<string, unknown>, prevResult?: unknown): Record<string, unknown> {
  return { ...conf, cniVersion: list.cniVersion, name: list.name, ...(prevResult ? { prevResult } : {}) };
}

export interface Attach {
  node: string;
  containerId: string;
  netns: string;
  ifname?: string;
  cniPath?: string;
  env?: Record<string, string | undefined>;
}

export interface ChainAdd {
  /** the result of the last plugin that succeeded (undefined if none did) */
  result: unknown;
  /** how many plugins succeeded */
  done: number;
  /** the failing plugin's exit, if any */
  failure?: PluginExit & { plugin: string };
}

/** ADD through the list in order, each plugin getting the previous result; stops at the first failure. */
export async function chainAdd(list: NetList, a: Attach): Promise<ChainAdd> {
  let result: unknown;
  for (const [i, conf] of list.plugins.entries()) {
    const type = String(conf.type);
    const r = await execPlugin({ plugin: type, command: "ADD", stdin: pluginStdin(list, conf, result), ...a });
    if (r.code !== 0) return { result, done: i, failure: { ...r, plugin: type } };
    result = r.json;
  }
  return { result, done: list.plugins.length };
}

/** DEL through the list in reverse, every plugin even after a failure (reported), as libcni's teardown. */
export async function chainDel(list: NetList, a: Attach, prevResult?: unknown): Promise<string[]> {
  const failures: string[] = [];
  for (const conf of [...list.plugins].reverse()) {
    const type = String(conf.type);
    const r = await execPlugin({ plugin: type, command: "DEL", stdin: pluginStdin(list, conf, prevResult), ...a });
    if (r.code !== 0) failures.push(`${type} DEL ${exitText(r)}`);
  }
  return failures;
}

/** GC of every plugin of the list with the given valid attachments (spec 1.1). */
export async function chainGc(list: NetList, node: string, valid: { containerID: string; ifname: string }[], cniPath?: string): Promise<string[]> {
  const failures: string[] = [];
  for (const conf of list.plugins) {
    const type = String(conf.type);
    const stdin = { ...pluginStdin(list, conf), cniVersion: "1.1.0", "cni.dev/valid-attachments": valid };
    const r = await execPlugin({ plugin: type, command: "GC", stdin, node, cniPath, containerId: undefined, env: { CNI_CONTAINERID: undefined, CNI_IFNAME: undefined, CNI_NETNS: undefined } });
    if (r.code !== 0) failures.push(`${type} GC ${exitText(r)}`);
  }
  return failures;
}
