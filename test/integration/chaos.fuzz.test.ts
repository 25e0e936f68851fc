// Hostile input to every plugin of plugins/registry.ts: seeded mutations of a valid call (stdin JSON,
// raw stdin, env, CNI_ARGS, prevResult, runtimeConfig), each exec'd with a timeout. The rules: exit 0
// with a valid result (nothing, for DEL/CHECK/GC/STATUS), or non-zero with a CNI error object on stdout
// (a spec code, a message); no stack trace on stdout or stderr; no hang; an ADD that succeeded is DELed
// with the same input and that DEL succeeds; at the end each plugin's node equals its baseline.
// CI: TSCNI_CHAOS_FUZZ_CASES (20) per plugin, seed TSCNI_CHAOS_SEED (random, printed);
// TSCNI_CHAOS_LONG=1: 400 per plugin. See docs/testing.md.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PLUGIN_LOADERS, PLUGIN_NAMES } from "../../plugins/registry.ts";
import { rng } from "../unit/rng.ts";
import { tempDir } from "./harness.ts";
import {
  LONG, POOL, chainAdd, deleteOwnNetns, ensureStateMountPoints, execPlugin, inNetns, newNetns, pool, type ChaosNetns, type PluginExit, type StateDirs,
} from "./chaos.ts";
import { diffSnapshots, snapshot, type Snapshot } from "./snapshot.ts";

afterAll(deleteOwnNetns);
const work = tempDir("fuzz");
afterAll(() => work.remove());

// Every fuzzed exec sees the test's own dirs over /run/cni and /var/lib/cni (a private mount namespace,
// chaos.ts StateDirs): a mutation that drops dataDir (host-local, tuning) or the dhcp socket path wrote
// the host's defaults before. The last test proves nothing named after the fuzz landed there.
const state: StateDirs = { runCni: join(work.path, "run-cni"), varLibCni: join(work.path, "var-lib-cni") };
for (const d of Object.values(state)) mkdirSync(d, { recursive: true });
afterAll(ensureStateMountPoints());

/** Paths under the host's /run/cni and /var/lib/cni (3 levels) whose name mentions the fuzz's networks or containers. */
function hostFuzzPaths(): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(dir, n);
      if (/fuzz|^fz\d|^fzprobe/.test(n)) out.push(p);
      if (depth > 0) walk(p, depth - 1);
    }
  };
  for (const root of ["/run/cni", "/var/lib/cni"]) walk(root, 2);
  return out.sort();
}
const hostFuzzBefore = hostFuzzPaths();

const CASES = Number(process.env.TSCNI_CHAOS_FUZZ_CASES ?? (LONG ? 400 : 20));
const SEED = Number(process.env.TSCNI_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ONLY = process.env.TSCNI_CHAOS_ONLY?.split(",");
/** per exec: far above any plugin's real time on a loaded machine, far below "hangs forever" */
const TIMEOUT_MS = 120_000;

// ---- the valid call each plugin's cases start from

interface Lane {
  node: ChaosNetns;
  dataDir: string;
  /** a pod attached through bridge: the prevResult and netns of the meta plugins' calls */
  basePod: ChaosNetns;
  basePrev: unknown;
  baseline: Snapshot;
}

const ipam = (dataDir: string, n: number) => ({ type: "host-local", ranges: [[{ subnet: `10.9${n}.0.0/24` }]], routes: [{ dst: "0.0.0.0/0" }], dataDir });

/** The plugins that get a fresh pod netns per case (they create the pod's interface); the rest use the base pod. */
const OWN_POD = new Set(["bridge", "ptp", "macvlan", "ipvlan", "vlan", "dummy", "host-device", "tap", "loopback",
  // a main plugin added later (its loader imports plugins/main/...): its DEL removes CNI_IFNAME from the pod
  ...PLUGIN_NAMES.filter((t) => /\/main\//.test(String(PLUGIN_LOADERS[t])))]);

function baseConf(type: string, lane: Lane): Record<string, unknown> {
  const d = lane.dataDir;
  switch (type) {
    case "bridge": return { type, bridge: "tscni-fz0", isGateway: true, ipMasq: true, hairpinMode: true, ipam: ipam(d, 1) };
    case "ptp": return { type, ipMasq: true, ipam: ipam(d, 2) };
    case "macvlan": case "ipvlan": return { type, master: "tscni-m0", ipam: ipam(d, 3) };
    case "vlan": return { type, master: "tscni-m0", vlanId: 10, ipam: ipam(d, 4) };
    case "dummy": return { type, ipam: ipam(d, 5) };
    case "host-device": return { type, device: "tscni-hd0" };
    case "loopback": return { type };
    case "host-local": return { type: "bridge", ipam: ipam(d, 6) };
    case "static": return { type: "bridge", ipam: { type: "static", addresses: [{ address: "10.97.0.5/24", gateway: "10.97.0.1" }], routes: [{ dst: "0.0.0.0/0" }] } };
    case "dhcp": return { type: "bridge", ipam: { type: "dhcp", daemonSocketPath: join(work.path, "no-dhcp.sock") } };
    case "portmap": return { type, capabilities: { portMappings: true }, snat: true, prevResult: lane.basePrev,
      runtimeConfig: { portMappings: [{ hostPort: 9080, containerPort: 80, protocol: "tcp" }, { hostPort: 9053, containerPort: 53, protocol: "udp", hostIP: "127.0.0.1" }] } };
    case "bandwidth": return { type, capabilities: { bandwidth: true }, prevResult: lane.basePrev,
      runtimeConfig: { bandwidth: { ingressRate: 1_000_000, ingressBurst: 100_000, egressRate: 1_000_000, egressBurst: 100_000 } } };
    case "tuning": return { type, mtu: 1400, sysctl: { "net.ipv4.conf.IFNAME.arp_notify": "1" }, dataDir: join(d, "tuning"), prevResult: lane.basePrev };
    default: return { type, prevResult: lane.basePrev }; // a plugin added later: chained after bridge
  }
}

// ---- mutations

type R = () => number;
const pick = <T>(r: R, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const nest = (depth: number): unknown => Array.from({ length: depth }).reduce<unknown>((v) => [v], 1);

/** Values a config field should never trust. */
const HOSTILE: readonly unknown[] = [
  null, true, false, 0, -1, 1.5, 2 ** 31, 2 ** 32, 2 ** 32 - 1, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e-308,
  "", " ", "x".repeat(300), "x".repeat(20_000), "\u0000", "\n", "é", "😀", "\"", "\\", "a\"b\\c", "$(reboot)", "; rm -rf /",
  "../../etc/passwd", "/", "0.0.0.0/0", "::/0", "10.0.0.1", "999.1.1.1/24", "fe80::1%eth0", "10.1.0.0/33", "-1", "NaN", "true",
  [], {}, [null], [[]], [{}], nest(64), { a: nest(32) },
];

/** Every path (list of keys) to a value inside v, the root included. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (at.length > 12) return out;
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function parentOf(root: any, path: (string | number)[]): any {
  let p = root;
  for (const k of path.slice(0, -1)) p = p?.[k];
  return p;
}

/** One structural mutation of a JSON value, in place (the root itself is never replaced here). */
function mutateJson(root: Record<string, unknown>, r: R): string {
  const all = paths(root).filter((p) => p.length > 0);
  if (all.length === 0) return "nothing to mutate";
  const path = pick(r, all);
  const parent = parentOf(root, path);
  const key = path[path.length - 1]!;
  const where = path.join(".");
  if (parent === null || typeof parent !== "object") return "no-op";
  switch (Math.floor(r() * 6)) {
    case 0:
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      return `delete ${where}`;
    case 1:
      if (!Array.isArray(parent) && typeof key === "string") {
        const v = parent[key];
        delete parent[key];
        parent[pick(r, [key.toUpperCase(), key.toLowerCase(), key[0]!.toUpperCase() + key.slice(1), key.replace(/s/g, "ſ")])] = v;
        return `rename ${where}`;
      }
      parent[key] = pick(r, HOSTILE);
      return `set ${where}`;
    case 2:
      if (!Array.isArray(parent)) {
        parent[pick(r, ["__proto__", "constructor", "prototype", "", "ipam", "prevResult", "runtimeConfig", "args"])] = pick(r, HOSTILE);
        return `add key at ${where}`;
      }
      parent.push(pick(r, HOSTILE));
      return `push at ${where}`;
    default: {
      const v = pick(r, HOSTILE);
      parent[key] = v;
      return `set ${where} = ${JSON.stringify(v)?.slice(0, 40)}`;
    }
  }
}

/** Raw stdin that is not the config JSON. */
function rawStdin(text: string, r: R): [string, string | Buffer] {
  switch (Math.floor(r() * 10)) {
    case 0: return ["truncated", text.slice(0, Math.floor(r() * text.length))];
    case 1: return ["null", "null"];
    case 2: return ["empty", ""];
    case 3: return ["not an object", pick(r, ["[]", "1", "\"s\"", "true", "{", "}", "{\"a\":}"])];
    case 4: return ["not UTF-8", Buffer.concat([Buffer.from(text.slice(0, 20)), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(text.slice(20))])];
    case 5: return ["deep nesting", "[".repeat(5000) + "]".repeat(5000)];
    case 6: return ["BOM", "\ufeff" + text];
    case 7: return ["trailing garbage", text + "}{"];
    case 8: return ["duplicate keys", text.replace(/^\{/, "{\"type\":\"bridge\",\"cniVersion\":\"0.1.0\",")];
    default: return ["over 1 MiB", text.replace(/\}$/, `,"pad":"${"p".repeat((1 << 20) + 16)}"}`)];
  }
}

const VERBS = ["ADD", "ADD", "ADD", "ADD", "ADD", "DEL", "DEL", "CHECK", "GC", "STATUS", "VERSION"];

interface FuzzCase {
  id: number;
  plugin: string;
  verb: string;
  stdin: Record<string, unknown>;
  raw?: string | Buffer;
  env: Record<string, string | undefined>;
  what: string[];
  /** set by the case that needs its own pod netns */
  ownPod: boolean;
}

/** Builds case i of a plugin from the seed: a valid call, then 1-3 mutations. */
function makeCase(plugin: string, i: number, lane: Lane, podPath: string): FuzzCase {
  const r = rng((SEED ^ Math.imul(i + 1, 0x9e3779b1) ^ hash(plugin)) >>> 0 || 1);
  const verb = pick(r, VERBS);
  const stdin: Record<string, unknown> = { cniVersion: pick(r, ["1.1.0", "1.1.0", "1.0.0", "0.4.0", "0.3.1"]), name: "fuzznet", ...structuredClone(baseConf(plugin, lane)) };
  if (verb === "GC") {
    stdin.cniVersion = "1.1.0";
    stdin["cni.dev/valid-attachments"] = [{ containerID: "base", ifname: "eth0" }];
  }
  const c: FuzzCase = {
    id: i, plugin, verb, stdin, what: [], ownPod: OWN_POD.has(plugin),
    env: { CNI_COMMAND: verb, CNI_CONTAINERID: `fz${i}-${plugin}`, CNI_NETNS: podPath, CNI_IFNAME: OWN_POD.has(plugin) ? "eth0" : "eth0", CNI_ARGS: "" },
  };
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) mutate(c, r);
  return c;
}

function hash(s: string): number {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

const NETNS_PATHS = (_c: FuzzCase, podPath: string): string[] => [podPath, "", "/nonexistent/netns", "relative/netns", "/proc/self/ns/net", work.path,
  join(work.path, "regular-file"), join(work.path, "fifo"), "/dev/null", "/dev/zero", `${podPath}/`, `${podPath}/..`];

function mutate(c: FuzzCase, r: R): void {
  const podPath = c.env.CNI_NETNS!;
  switch (Math.floor(r() * 9)) {
    case 0: case 1:
      c.what.push(mutateJson(c.stdin, r));
      return;
    case 2: {
      const [what, raw] = rawStdin(JSON.stringify(c.stdin), r);
      c.raw = raw;
      c.what.push(`stdin ${what}`);
      return;
    }
    case 3: {
      const v = pick(r, ["ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION", "", "add", "FOO", undefined]);
      c.env.CNI_COMMAND = v;
      c.verb = v ?? "";
      c.what.push(`CNI_COMMAND=${v}`);
      return;
    }
    case 4: {
      const v = pick(r, ["", "a", `${"c".repeat(128)}${c.id}`, `${"c".repeat(300)}${c.id}`, "../x", "a b", `ü${c.id}`, `-x${c.id}`, `a"b${c.id}`, `a\\b${c.id}`, undefined]);
      c.env.CNI_CONTAINERID = v;
      c.what.push(`CNI_CONTAINERID=${v?.slice(0, 20)}${(v?.length ?? 0) > 20 ? `...(${v!.length})` : ""}`);
      return;
    }
    case 5: {
      const v = pick(r, NETNS_PATHS(c, podPath));
      c.env.CNI_NETNS = v;
      c.what.push(`CNI_NETNS=${v}`);
      return;
    }
    case 6: {
      const v = pick(r, ["", "x".repeat(16), "eth0.", "a/b", "..", ".", "eth 0", "é0", "a\"b", "a\\b", "eth:0", "lo", undefined]);
      c.env.CNI_IFNAME = v;
      c.what.push(`CNI_IFNAME=${v}`);
      return;
    }
    case 7: {
      const v = pick(r, ["IgnoreUnknown=1;FOO=bar", "FOO=bar", "K8S_POD_NAME=x;IP=999.1.1.1", "garbage", "=;=;", ";;", "IP=10.91.0.77", "IP=10.91.0.77,10.92.0.77",
        "MAC=zz", "MAC=02:00:00:00:00:01", "IgnoreUnknown=true;IP=::1", `IgnoreUnknown=1;K8S_POD_NAME=${"n".repeat(5000)}`, "IgnoreUnknown=1;GATEWAY=x"]);
      c.env.CNI_ARGS = v;
      c.what.push(`CNI_ARGS=${v.slice(0, 40)}`);
      return;
    }
    default: {
      // prevResult / runtimeConfig (added when the plugin had none)
      const key = r() < 0.5 ? "prevResult" : "runtimeConfig";
      const v = (c.stdin[key] ??= key === "prevResult" ? { cniVersion: "1.1.0", interfaces: [{ name: "eth0", sandbox: podPath }], ips: [{ address: "10.99.0.2/24", interface: 0 }] } : { portMappings: [{ hostPort: 9999, containerPort: 1, protocol: "tcp" }], bandwidth: { ingressRate: 1 } });
      if (v && typeof v === "object") c.what.push(`${key}: ${mutateJson({ [key]: v } as Record<string, unknown>, r)}`);
      else c.what.push(`${key}: scalar`);
    }
  }
}

// ---- judging one exec

/** libcni types.go: 1-8 (8 = invalid netns), 11, 50, 51; 100+ plugin-specific, 999 internal. */
const SPEC_CODES = new Set([1, 2, 3, 4, 5, 6, 7, 8, 11, 50, 51]);
const validCode = (n: unknown): boolean => Number.isInteger(n) && (SPEC_CODES.has(n as number) || ((n as number) >= 100 && (n as number) <= 999));
const STACK = [/^\s+at\s.+(:\d+(:\d+)?\)?|<anonymous>\)?)\s*$/m, /^\s*\d+\s\|\s/m, /\bBun v\d+\.\d+/, /panic\(/, /Segmentation fault/];

function judge(verb: string, r: PluginExit): string[] {
  const out: string[] = [];
  if (r.timedOut) return [`hang: no exit within ${TIMEOUT_MS / 1000} s`];
  for (const re of STACK) if (re.test(r.stdout) || re.test(r.stderr)) out.push(`stack trace or crash text: ${(r.stdout + r.stderr).slice(0, 300)}`);
  if (r.signal) return [...out, `killed by ${r.signal}`];
  if (r.code === 0) {
    if (verb === "ADD" && (typeof r.json !== "object" || r.json === null || typeof r.json.cniVersion !== "string")) out.push(`ADD exit 0 without a result: ${r.stdout.slice(0, 200)}`);
    if (verb === "VERSION" && !Array.isArray(r.json?.supportedVersions)) out.push(`VERSION exit 0 without supportedVersions: ${r.stdout.slice(0, 200)}`);
    if (["DEL", "CHECK", "GC", "STATUS"].includes(verb) && r.stdout.trim() !== "" && typeof r.json !== "object") out.push(`${verb} exit 0 with non-JSON output: ${r.stdout.slice(0, 200)}`);
    return out;
  }
  const e = r.json;
  if (typeof e !== "object" || e === null || !validCode(e.code) || typeof e.msg !== "string" || e.msg.trim() === "") {
    out.push(`exit ${r.code} without a valid CNI error object: ${r.stdout.slice(0, 300)} | ${r.stderr.slice(0, 200)}`);
  }
  return out;
}

// ---- lanes

async function newLane(plugin: string): Promise<Lane> {
  const node = await newNetns("fzn");
  const dataDir = join(work.path, `data-${plugin}`);
  mkdirSync(dataDir, { recursive: true });
  for (const args of [["link", "add", "tscni-m0", "type", "veth", "peer", "name", "tscni-m1"], ["link", "set", "tscni-m0", "up"],
    ["link", "add", "tscni-hd0", "type", "veth", "peer", "name", "tscni-hd1"]]) await inNetns(node.path, "ip", args);
  const basePod = await newNetns("fzp");
  // another network than the cases' (fuzznet): a fuzzed GC of fuzznet must not collect the base pod
  const list = { cniVersion: "1.1.0", name: "fuzzbase", plugins: [{ type: "bridge", bridge: "tscni-fz0", isGateway: true, ipMasq: true, ipam: ipam(dataDir, 0) }] };
  const add = await chainAdd(list, { node: node.path, containerId: "base", netns: basePod.path });
  if (add.failure) throw new Error(`fuzz lane ${plugin}: base pod ADD failed: ${add.failure.stdout}`);
  const lane: Lane = { node, dataDir, basePod, basePrev: add.result, baseline: undefined as unknown as Snapshot };
  // one valid ADD+DEL first, so node-wide state (bridge, tables, sysctls) is in the baseline
  const warm = makeValid(plugin, lane);
  const pod = OWN_POD.has(plugin) ? await newNetns("fzp") : basePod;
  const env = { CNI_CONTAINERID: "warm", CNI_NETNS: pod.path, CNI_IFNAME: "eth0" };
  const w = await execPlugin({ plugin, command: "ADD", stdin: warm, node: node.path, env, timeoutMs: TIMEOUT_MS, stateDirs: state });
  if (w.code === 0) await execPlugin({ plugin, command: "DEL", stdin: { prevResult: w.json, ...warm }, node: node.path, env, timeoutMs: TIMEOUT_MS, stateDirs: state });
  if (pod !== basePod) await pod.delete();
  lane.baseline = await snapshot(node.path, dataDir);
  return lane;
}

const makeValid = (plugin: string, lane: Lane) => ({ cniVersion: "1.1.0", name: "fuzznet", ...baseConf(plugin, lane) });

interface Outcome {
  cases: number;
  adds: number;
  problems: string[];
}

async function runCase(c: FuzzCase, lane: Lane): Promise<string[]> {
  const pod = c.ownPod ? await newNetns("fzp") : lane.basePod;
  try {
    if (c.ownPod && c.env.CNI_NETNS === lane.basePod.path) c.env.CNI_NETNS = pod.path;
    if (c.env.CNI_NETNS?.startsWith(lane.basePod.path) && c.ownPod) c.env.CNI_NETNS = c.env.CNI_NETNS.replace(lane.basePod.path, pod.path);
    const call = { plugin: c.plugin, command: "ADD" as const, stdin: c.stdin, raw: c.raw, node: lane.node.path, env: c.env, timeoutMs: TIMEOUT_MS, stateDirs: state };
    const r = await execPlugin(call);
    const tag = `case ${c.id} (${c.verb}; ${c.what.join("; ")})`;
    const problems = judge(c.verb, r).map((p) => `${tag}: ${p}`);
    if (c.verb === "ADD" && r.code === 0) {
      // an ADD that succeeded is DELed with the same input (and its result, as a runtime's cache)
      const stdin = c.raw === undefined && !("prevResult" in c.stdin) ? { ...c.stdin, prevResult: r.json } : c.stdin;
      const d = await execPlugin({ ...call, stdin, raw: c.raw, env: { ...c.env, CNI_COMMAND: "DEL" } });
      if (d.code !== 0 || d.timedOut) problems.push(`${tag}: ADD succeeded but its DEL failed (${d.code ?? d.signal}): ${d.stdout.slice(0, 300)}`);
    }
    return problems;
  } finally {
    if (pod !== lane.basePod) await pod.delete();
  }
}

async function fuzzPlugin(plugin: string): Promise<Outcome> {
  const lane = await newLane(plugin);
  try {
    const cases = Array.from({ length: CASES }, (_, i) => makeCase(plugin, i, lane, lane.basePod.path));
    const problems = (await pool(cases, POOL, (c) => runCase(c, lane))).flat();
    // the base pod goes through bridge's DEL; then the node must equal the baseline taken with it attached
    const diff = diffSnapshots(lane.baseline, await snapshot(lane.node.path, lane.dataDir));
    problems.push(...diff.map((d) => `residue after ${CASES} cases: ${d}`));
    return { cases: CASES, adds: cases.filter((c) => c.verb === "ADD").length, problems };
  } finally {
    await lane.basePod.delete();
    await lane.node.delete();
  }
}

const plugins = PLUGIN_NAMES.filter((p) => !ONLY || ONLY.includes(p));
writeFileSync(join(work.path, "regular-file"), "not a netns\n");
spawnSync("mkfifo", [join(work.path, "fifo")]); // opening it for reading would block forever (issue 10 defect 3)
console.log(`fuzz: ${CASES} cases per plugin x ${plugins.length} plugins, TSCNI_CHAOS_SEED=${SEED}, timeout ${TIMEOUT_MS / 1000} s per exec, pool ${POOL}`);

describe("fuzz: hostile input to every plugin", () => {
  it("sandbox: host-local and tuning without dataDir write into the test's dirs, not /var/lib/cni or /run/cni", { timeout: 300_000 }, async () => {
    const node = await newNetns("fzs");
    const pod = await newNetns("fzp");
    try {
      await inNetns(pod.path, "ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "eth1"]);
      const env = { CNI_CONTAINERID: "fzprobe", CNI_NETNS: pod.path, CNI_IFNAME: "eth0" };
      const hl = { cniVersion: "1.1.0", name: "fuzzprobe", type: "bridge", ipam: { type: "host-local", subnet: "10.98.0.0/24" } };
      const tuning = { cniVersion: "1.1.0", name: "fuzzprobe", type: "tuning", mtu: 1400, prevResult: { cniVersion: "1.1.0", interfaces: [{ name: "eth0", sandbox: pod.path }] } };
      const run = (plugin: string, command: "ADD" | "DEL", stdin: unknown) => execPlugin({ plugin, command, stdin, node: node.path, env, timeoutMs: TIMEOUT_MS, stateDirs: state });
      const added = await Promise.all([run("host-local", "ADD", hl), run("tuning", "ADD", tuning)]);
      expect(added.map((r) => [r.code, r.stdout.slice(0, 200)])).toEqual([[0, expect.any(String)], [0, expect.any(String)]]);
      expect(readdirSync(join(state.varLibCni, "networks", "fuzzprobe"))).toContain("10.98.0.2");
      expect(readdirSync(join(state.runCni, "tuning")).filter((f) => f.startsWith("fzprobe"))).toHaveLength(1);
      expect(existsSync("/var/lib/cni/networks/fuzzprobe")).toBe(false);
      expect(hostFuzzPaths()).toEqual(hostFuzzBefore);
      const deleted = await Promise.all([run("host-local", "DEL", hl), run("tuning", "DEL", tuning)]);
      expect(deleted.map((r) => r.code)).toEqual([0, 0]);
      expect(readdirSync(join(state.runCni, "tuning")).filter((f) => f.startsWith("fzprobe"))).toEqual([]);
    } finally {
      await pod.delete();
      await node.delete();
    }
  });

  for (const plugin of plugins) {
    it(`${plugin}: ${CASES} seeded hostile calls -> a valid result or CNI error each, no stack trace, no hang, DEL of every ADD succeeds, no residue`, { timeout: 1_800_000 }, async () => {
      const o = await fuzzPlugin(plugin);
      expect(o.problems).toEqual([]);
    });
  }

  it("host: nothing named after the fuzz landed in /run/cni or /var/lib/cni (the execs saw the test's dirs there)", () => {
    expect(hostFuzzPaths()).toEqual(hostFuzzBefore);
  });
});
