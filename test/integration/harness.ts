// Integration-test harness: private "node" network namespaces and the compiled plugins run exactly as a
// runtime runs them (env + stdin, result on stdout). Every namespace is named tscni-* and deleted by the
// caller's finally/afterEach, so the real host network is never touched.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe } from "vitest";

export const ROOT = resolve(__dirname, "../..");
export const BIN_DIR = join(ROOT, "dist/bin");
export const REF_DIR = "/usr/lib/cni";
export const hasReference = existsSync(join(REF_DIR, "host-local"));

export function sh(cmd: string, args: string[], opts: { input?: string; allowFail?: boolean } = {}): string {
  const r = spawnSync(cmd, args, { input: opts.input, encoding: "utf8" });
  if (r.status !== 0 && !opts.allowFail) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}${r.stdout}`);
  }
  return r.stdout;
}

export interface TestNetns {
  name: string;
  path: string;
  /** run a command inside this namespace */
  exec(cmd: string, args: string[], opts?: { input?: string; allowFail?: boolean }): string;
  /** `ip -j <args>` inside this namespace, parsed */
  ipJson<T = any>(args: string[]): T;
  delete(): void;
}

const created = new Set<string>();

export function createNetns(tag: string): TestNetns {
  const name = `tscni-${tag}-${randomBytes(4).toString("hex")}`;
  sh("ip", ["netns", "add", name]);
  created.add(name);
  const ns: TestNetns = {
    name,
    path: `/run/netns/${name}`,
    exec: (cmd, args, opts) => sh("nsenter", [`--net=/run/netns/${name}`, "--", cmd, ...args], opts),
    ipJson: (args) => {
      const out = ns.exec("ip", ["-j", ...args]);
      return out.trim() ? JSON.parse(out) : [];
    },
    delete: () => {
      sh("ip", ["netns", "del", name], { allowFail: true });
      created.delete(name);
    },
  };
  ns.exec("ip", ["link", "set", "lo", "up"]);
  return ns;
}

/** Deletes every namespace this process created and has not deleted yet (afterAll safety net). */
export function deleteAllNetns(): void {
  for (const name of [...created]) {
    sh("ip", ["netns", "del", name], { allowFail: true });
    created.delete(name);
  }
}

export function tempDir(tag: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `tscni-${tag}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface PluginCall {
  /** plugin file name, e.g. "host-local" */
  plugin: string;
  command: string;
  config: unknown;
  containerId?: string;
  netns?: string;
  ifname?: string;
  cniArgs?: string;
  /** CNI_PATH; default: the directory of the binary */
  path?: string;
  /** directory holding the plugin (default dist/bin) */
  dir?: string;
  /** run the plugin inside this "node" namespace */
  node?: TestNetns;
  /** raw stdin instead of JSON.stringify(config) */
  stdin?: string | Buffer;
  /** extra or overriding env; undefined values remove a variable */
  env?: Record<string, string | undefined>;
  /** how to start the binary (overrides node), e.g. `ip netns exec` for the node's own sysfs */
  launch?: (bin: string) => [string, string[]];
  /** kill the plugin (SIGKILL) after this many ms: a hang guard, never a timing assertion (code -1) */
  killAfterMs?: number;
}

export interface PluginOutcome {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (undefined when empty or not JSON) */
  json: any;
}

function pluginEnv(call: PluginCall, dir: string): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId ?? "ctr1",
    CNI_NETNS: call.netns ?? "",
    CNI_IFNAME: call.ifname ?? "eth0",
    CNI_ARGS: call.cniArgs ?? "",
    CNI_PATH: call.path ?? dir,
    ...call.env,
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

function argv(call: PluginCall, dir: string): [string, string[]] {
  const bin = join(dir, call.plugin);
  if (call.launch) return call.launch(bin);
  return call.node ? ["nsenter", [`--net=${call.node.path}`, "--", bin]] : [bin, []];
}

function outcome(code: number | null, stdout: string, stderr: string): PluginOutcome {
  let json: any;
  try {
    json = stdout.trim() ? JSON.parse(stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { code: code ?? -1, stdout, stderr, json };
}

export function runPluginSync(call: PluginCall): PluginOutcome {
  const dir = call.dir ?? BIN_DIR;
  const [cmd, args] = argv(call, dir);
  const input = call.stdin ?? JSON.stringify(call.config);
  const r = spawnSync(cmd, args, { input, env: pluginEnv(call, dir), encoding: "utf8", maxBuffer: 1 << 24, timeout: call.killAfterMs, killSignal: "SIGKILL" });
  return outcome(r.status, r.stdout, r.stderr);
}

export function runPlugin(call: PluginCall): Promise<PluginOutcome> {
  const dir = call.dir ?? BIN_DIR;
  const [cmd, args] = argv(call, dir);
  const input = call.stdin ?? JSON.stringify(call.config);
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { env: pluginEnv(call, dir), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => done(outcome(code, stdout, stderr)));
    child.stdin.on("error", () => {}); // a plugin may exit before reading all of a huge stdin
    child.stdin.end(input);
  });
}

/** Asserts success and returns the parsed stdout. */
export function expectOk(o: PluginOutcome): any {
  if (o.code !== 0) throw new Error(`plugin failed (exit ${o.code}): ${o.stdout} ${o.stderr}`);
  return o.json;
}

export interface RunCall {
  verb: "add" | "check" | "del" | "gc" | "status";
  conflist: string;
  netns?: string;
  /** run `tscni run` inside this "node" namespace */
  node?: TestNetns;
  /** extra flags: --id, --ifname, --cap-args, --args, --valid, --cache-dir, ... */
  flags?: string[];
  /** plugin dir (default dist/bin) */
  dir?: string;
}

function runArgv(call: RunCall): [string, string[]] {
  const args = ["run", call.verb, call.conflist, ...(call.netns ? [call.netns] : []), "--plugin-dir", call.dir ?? BIN_DIR, ...(call.flags ?? [])];
  const bin = join(BIN_DIR, "tscni");
  return call.node ? ["nsenter", [`--net=${call.node.path}`, "--", bin, ...args]] : [bin, args];
}

/** `tscni run <verb> CONFLIST [NETNS] ...`: a conflist executed as libcni does. */
export function runConflist(call: RunCall): Promise<PluginOutcome> {
  const [cmd, args] = runArgv(call);
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => done(outcome(code, stdout, stderr)));
  });
}

export function runConflistSync(call: RunCall): PluginOutcome {
  const [cmd, args] = runArgv(call);
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 24 });
  return outcome(r.status, r.stdout, r.stderr);
}

// ---- Kernel features some kernels lack ----
// The CI machine's kernel has no ipvlan, 802.1Q vlan, dummy, vrf or bridge VLAN filtering. A test needing
// one of them goes in a file named test/integration/<topic>.kernel.test.ts, inside
//   describeKernel(["ipvlan"], "ipvlan (compiled binary)", () => { ... });
// No other wiring: the main run (scripts/test) runs the file and skips it with a message when the kernel
// lacks a feature; scripts/test-vm runs every *.kernel.test.ts in a VM booting Debian's stock kernel,
// where a skipped test counts as a failure. A new feature is one more probe below.

/** Per feature: `ip` commands that succeed only when the kernel has it, run in a throwaway netns that
 * already holds a veth pair kp0/kp1 (a master for stacked links); `check` inspects the result. */
const KERNEL_PROBES = {
  ipvlan: { cmds: [["link", "add", "kx0", "link", "kp0", "type", "ipvlan", "mode", "l2"]] },
  vlan: { cmds: [["link", "add", "kx0", "link", "kp0", "type", "vlan", "id", "10"]] },
  macvlan: { cmds: [["link", "add", "kx0", "link", "kp0", "type", "macvlan", "mode", "bridge"]] },
  dummy: { cmds: [["link", "add", "kx0", "type", "dummy"]] },
  vrf: { cmds: [["link", "add", "kx0", "type", "vrf", "table", "10"]] },
  "bridge-vlan-filtering": {
    cmds: [["link", "add", "kx0", "type", "bridge", "vlan_filtering", "1"]],
    // a kernel without CONFIG_BRIDGE_VLAN_FILTERING may create the bridge and drop the option
    check: (ns: TestNetns) => ns.ipJson(["-d", "link", "show", "kx0"])[0]?.linkinfo?.info_data?.vlan_filtering === 1,
  },
} satisfies Record<string, { cmds: string[][]; check?: (ns: TestNetns) => boolean }>;

export type KernelFeature = keyof typeof KERNEL_PROBES;

const probed = new Map<KernelFeature, boolean>();

/** Whether this kernel has the feature (probed once per test file, in a throwaway netns; false without root). */
export function kernelHas(feature: KernelFeature): boolean {
  if (process.getuid?.() !== 0) return false;
  let has = probed.get(feature);
  if (has === undefined) {
    const ns = createNetns("kprobe");
    try {
      const probe: { cmds: string[][]; check?: (ns: TestNetns) => boolean } = KERNEL_PROBES[feature];
      ns.exec("ip", ["link", "add", "kp0", "type", "veth", "peer", "name", "kp1"]);
      has = probe.cmds.every((c) => spawnSync("nsenter", [`--net=${ns.path}`, "--", "ip", ...c]).status === 0);
      has &&= probe.check?.(ns) ?? true;
    } finally {
      ns.delete();
    }
    probed.set(feature, has);
  }
  return has;
}

/** A describe block that needs kernel features: skipped, with a message naming what is missing, on a
 * kernel without them (or without root). Only in *.kernel.test.ts files, which scripts/test-vm runs. */
export function describeKernel(features: KernelFeature[], name: string, body: () => void): void {
  const missing = features.filter((f) => !kernelHas(f));
  if (missing.length > 0) {
    const why = process.getuid?.() === 0 ? `this kernel lacks ${missing.join(", ")}` : "needs root";
    console.warn(`"${name}" skipped: ${why} (scripts/test-vm runs it in a VM with Debian's kernel)`);
  }
  describe.skipIf(missing.length > 0)(name, body);
}
