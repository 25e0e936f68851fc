// Crash at every step: every plugin that leaves state on a node is SIGKILLed after each named step of its
// ADD (the fault-injection hook, TSCNI_TEST_CRASH_AFTER, shared/crash.ts), and then the runtime cleans
// up the way runtimes do: DEL through the whole list in reverse (with and without the prevResult of the
// plugins that finished, with the pod netns present, already gone, or CNI_NETNS empty), or separately
// GC with an empty valid-attachments list. Either must leave the node namespace exactly as it was
// (snapshot diff: links, addresses, routes, sysctls, nft, tc, the IPAM dir).
//
// The kill points come from the code: a first ADD of the list runs with TSCNI_TEST_CRASH_AFTER=record:
// and lists every crash point its plugins pass (UndoStack pushes, traced steps, explicit points), so a
// new step or a new plugin built from those pieces is covered without touching this file.
// CI runs every kill point once, its cleanup mode rotating over the seven (offset TSCNI_CHAOS_SEED,
// printed), so every mode and every point is covered; TSCNI_CHAOS_LONG=1 runs the full product (every
// point x all seven modes). TSCNI_CHAOS_ONLY=bridge,portmap limits the plugins (when reproducing).
import { mkdirSync, writeFileSync, chmodSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PLUGIN_NAMES } from "../../plugins/registry.ts";
import { BIN_DIR, kernelHas, tempDir, type KernelFeature } from "./harness.ts";
import { LONG, POOL, chainAdd, chainDel, chainGc, deleteOwnNetns, inNetns, newNetns, pool, type NetList } from "./chaos.ts";
import { diffSnapshots, snapshot, type Snapshot } from "./snapshot.ts";

afterAll(deleteOwnNetns);

const work = tempDir("crash");
afterAll(() => work.remove());

/** host-local exec'd as its own process (a wrapper script is not tscni, so bridge does not run it in-process). */
const WRAP_DIR = join(work.path, "wrap");
mkdirSync(WRAP_DIR);
writeFileSync(join(WRAP_DIR, "host-local"), `#!/bin/sh\nexec ${join(BIN_DIR, "host-local")} "$@"\n`);
chmodSync(join(WRAP_DIR, "host-local"), 0o755);

interface Scenario {
  /** the plugin killed (the crash points' type) */
  target: string;
  /** the list, given this lane's IPAM dir */
  list(dataDir: string): NetList;
  /** CNI_PATH for the plugins' delegation (default the build) */
  cniPath?: string;
  /** node fixtures created before the warm-up (e.g. a master link), as `ip` argument lists */
  nodeSetup?: string[][];
  /** kernel features the plugin needs */
  kernel?: KernelFeature[];
  /** a device file the plugin needs (tap: /dev/net/tun) */
  device?: string;
  /**
   * The nodeSetup fixture is a device the plugin moves into the pod (host-device): when the pod netns is
   * destroyed with it inside (the cleanup ran without reaching the pod: netns gone or CNI_NETNS empty,
   * or GC), the kernel destroys a virtual device with it. Such a case waits for that and creates the
   * fixture again before the node is compared; with the netns present, DEL must bring it back itself.
   */
  refixture?: { device: string; peer: string };
}

const hostLocal = (dataDir: string, n: number) => ({
  type: "host-local",
  ranges: [[{ subnet: `10.7${n}.0.0/24` }], [{ subnet: `fd7${n}::/64` }]],
  routes: [{ dst: "0.0.0.0/0" }],
  dataDir,
});

/** The full chain a Kubernetes node runs: bridge+host-local (masquerade, spoof check), portmap, bandwidth. */
const bridgeChain = (dataDir: string): NetList => ({
  cniVersion: "1.1.0",
  name: "crashnet",
  plugins: [
    { type: "bridge", bridge: "tscni-cr0", isGateway: true, ipMasq: true, hairpinMode: true, macspoofchk: true, ipam: hostLocal(dataDir, 1) },
    { type: "portmap", capabilities: { portMappings: true }, snat: true,
      runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }, { hostPort: 8053, containerPort: 53, protocol: "udp" }] } },
    { type: "bandwidth", capabilities: { bandwidth: true },
      runtimeConfig: { bandwidth: { ingressRate: 1_000_000, ingressBurst: 100_000, egressRate: 1_000_000, egressBurst: 100_000 } } },
  ],
});

const single = (plugin: Record<string, unknown>) => (dataDir: string): NetList => ({
  cniVersion: "1.1.0",
  name: "crashnet",
  plugins: [{ ...plugin, ipam: hostLocal(dataDir, 3) }],
});

const MASTER = [["link", "add", "tscni-m0", "type", "veth", "peer", "name", "tscni-m1"], ["link", "set", "tscni-m0", "up"], ["link", "set", "tscni-m1", "up"]];
/** host-device's device: a veth end (moved into the pod; its peer stays on the node). */
const DEVICE = [["link", "add", "tscni-hd0", "type", "veth", "peer", "name", "tscni-hd1"], ["link", "set", "tscni-hd1", "up"]];

const SCENARIOS: Record<string, Scenario> = {
  bridge: { target: "bridge", list: bridgeChain },
  "host-local": { target: "host-local", list: bridgeChain, cniPath: WRAP_DIR },
  portmap: { target: "portmap", list: bridgeChain },
  bandwidth: { target: "bandwidth", list: bridgeChain },
  ptp: {
    target: "ptp",
    list: (dataDir) => ({
      cniVersion: "1.1.0",
      name: "crashnet",
      plugins: [
        { type: "ptp", ipMasq: true, ipam: hostLocal(dataDir, 2) },
        { type: "portmap", capabilities: { portMappings: true }, snat: true, runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }] } },
      ],
    }),
  },
  macvlan: { target: "macvlan", list: single({ type: "macvlan", master: "tscni-m0" }), nodeSetup: MASTER, kernel: ["macvlan"] },
  ipvlan: { target: "ipvlan", list: single({ type: "ipvlan", master: "tscni-m0" }), nodeSetup: MASTER, kernel: ["ipvlan"] },
  vlan: { target: "vlan", list: single({ type: "vlan", master: "tscni-m0", vlanId: 10 }), nodeSetup: MASTER, kernel: ["vlan"] },
  dummy: { target: "dummy", list: single({ type: "dummy" }), kernel: ["dummy"] },
  // IPv4 only: no process holds the tap, so it has no carrier and its IPv6 addresses never leave DAD
  tap: {
    target: "tap",
    list: (dataDir) => ({ cniVersion: "1.1.0", name: "crashnet", plugins: [{ type: "tap", multiQueue: true, ipam: { ...hostLocal(dataDir, 4), ranges: [[{ subnet: "10.74.0.0/24" }]] } }] }),
    device: "/dev/net/tun",
  },
  "host-device": { target: "host-device", list: single({ type: "host-device", device: "tscni-hd0" }), nodeSetup: DEVICE, refixture: { device: "tscni-hd0", peer: "tscni-hd1" } },
  // this kernel has no VRF: reported as skipped (the VM stage has one; vrf.kernel.test.ts covers its rollback there)
  vrf: {
    target: "vrf",
    list: (dataDir) => {
      const l = bridgeChain(dataDir);
      return { ...l, plugins: [l.plugins[0]!, { type: "vrf", vrfname: "tscni-vrf0" }] };
    },
    kernel: ["vrf"],
  },
  tuning: {
    target: "tuning",
    list: (dataDir) => {
      const l = bridgeChain(dataDir);
      const tuning = { type: "tuning", mtu: 1400, promisc: true, sysctl: { "net.ipv4.conf.IFNAME.arp_notify": "1" }, dataDir: join(dataDir, "tuning") };
      return { ...l, plugins: [l.plugins[0]!, tuning] };
    },
  },
};

/** Plugins that leave nothing on the node, or whose state lives elsewhere, with the reason. */
const NOT_HERE: Record<string, string> = {
  loopback: "sets lo up inside the pod netns only: no node state",
  static: "IPAM without a store: no node state",
  dhcp: "its state is the daemon's leases (needs a DHCP server): dhcp.test.ts kills bridge+dhcp after each step of ADD, then DEL or GC must leave no lease; kill -9 of the daemon is tested there too",
};

/** A plugin added to the registry without a scenario: chained after bridge with its type alone. */
function genericScenario(type: string): Scenario {
  return {
    target: type,
    list: (dataDir) => {
      const l = bridgeChain(dataDir);
      return { ...l, plugins: [l.plugins[0]!, { type }] };
    },
  };
}

const CLEANUPS = ["del prev netns", "del prev gone", "del prev empty", "del netns", "del gone", "del empty", "gc"] as const;
type Cleanup = (typeof CLEANUPS)[number];

interface KillPoint {
  scenario: string;
  /** 1-based index among the target's crash points */
  n: number;
  step: string;
}

/**
 * Known defects still being fixed: such a case is skipped with the defect in its title (a fix landing
 * must not turn main red); TSCNI_CHAOS_KNOWN=fails runs them as `it.fails` instead, to see which still
 * fail (a marker whose case passes must go).
 */
const KNOWN = process.env.TSCNI_CHAOS_KNOWN === "fails" ? it.fails : it.skip;

function knownDefect(_p: KillPoint, _c: Cleanup, _all: readonly KillPoint[]): string | undefined {
  return undefined; // none known today
}

// ---- lanes: a private node namespace with its own IPAM dir, warmed up once (bridge, tables, sysctls
// exist, as on any node that ran a pod), and its baseline snapshot. A lane left dirty is thrown away.

interface Lane {
  node: Awaited<ReturnType<typeof newNetns>>;
  dataDir: string;
  list: NetList;
  baseline: Snapshot;
}

let laneSeq = 0;
const freeLanes = new Map<string, Lane[]>();

async function newLane(name: string, s: Scenario): Promise<Lane> {
  const node = await newNetns("crn");
  const dataDir = join(work.path, `ipam-${++laneSeq}`);
  for (const args of s.nodeSetup ?? []) await inNetns(node.path, "ip", args);
  const list = s.list(dataDir);
  const pod = await newNetns("crp");
  const attach = { node: node.path, containerId: `warm${laneSeq}`, netns: pod.path, cniPath: s.cniPath };
  const add = await chainAdd(list, attach);
  if (add.failure) throw new Error(`${name}: warm-up ADD failed: ${add.failure.plugin}: ${add.failure.stdout}${add.failure.stderr}`);
  const del = await chainDel(list, attach, add.result);
  if (del.length) throw new Error(`${name}: warm-up DEL failed: ${del.join("; ")}`);
  await pod.delete();
  return { node, dataDir, list, baseline: await snapshot(node.path, dataDir) };
}

async function withLane<T>(name: string, s: Scenario, body: (lane: Lane) => Promise<{ clean: boolean; out: T }>): Promise<T> {
  const lane = freeLanes.get(name)?.pop() ?? (await newLane(name, s));
  const { clean, out } = await body(lane);
  if (clean) (freeLanes.get(name) ?? freeLanes.set(name, []).get(name)!).push(lane);
  else await lane.node.delete();
  return out;
}

afterAll(async () => {
  for (const lanes of freeLanes.values()) for (const l of lanes) await l.node.delete();
});

// ---- the kill points, recorded from one ADD of each list

async function recordPoints(name: string, s: Scenario): Promise<{ points: KillPoint[]; why?: string }> {
  const file = join(work.path, `record-${name}`);
  const node = await newNetns("crn");
  const pod = await newNetns("crp");
  const dataDir = join(work.path, `record-ipam-${name}`);
  try {
    for (const args of s.nodeSetup ?? []) await inNetns(node.path, "ip", args);
    const list = s.list(dataDir);
    const attach = { node: node.path, containerId: "record", netns: pod.path, cniPath: s.cniPath, env: { TSCNI_TEST_CRASH_AFTER: `record:${file}` } };
    const add = await chainAdd(list, attach);
    if (add.failure) return { points: [], why: `ADD of its list failed: ${add.failure.stdout.trim()}` };
    await chainDel(list, { ...attach, env: {} }, add.result);
    const lines = existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];
    // generated names (veth3f2a..., bwp...) are not part of a step's name: test titles stay the same
    const stable = (step: string) => step.replace(/\b(veth|bwp)[0-9a-f]{6,}\b/g, "$1*");
    const points = lines.map((l) => l.split("\t")).filter(([type]) => type === s.target).map(([, n, step]) => ({ scenario: name, n: Number(n), step: stable(step!) }));
    return { points };
  } finally {
    await pod.delete();
    await node.delete();
  }
}

interface Planned {
  name: string;
  scenario: Scenario;
  skip?: string;
}

const ONLY = process.env.TSCNI_CHAOS_ONLY?.split(",");
const planned: Planned[] = PLUGIN_NAMES.filter((t) => !(t in NOT_HERE) && (!ONLY || ONLY.includes(t))).map((t) => ({ name: t, scenario: SCENARIOS[t] ?? genericScenario(t) }));
for (const p of planned) {
  const missing = (p.scenario.kernel ?? []).filter((f) => !kernelHas(f));
  if (missing.length) p.skip = `this kernel lacks ${missing.join(", ")}`;
  if (p.scenario.device && !existsSync(p.scenario.device)) p.skip = `no ${p.scenario.device} on this machine`;
}
const recorded = await Promise.all(planned.map(async (p): Promise<{ points: KillPoint[]; why?: string }> => (p.skip ? { points: [] } : recordPoints(p.name, p.scenario))));
planned.forEach((p, i) => {
  if (!p.skip && recorded[i]!.why) p.skip = `no crash scenario for "${p.name}" (a generic chained config: ${recorded[i]!.why}); add one to SCENARIOS`;
});

// CI: every kill point once, the cleanup mode rotating over the seven; long mode: every point x every mode
const SEED = Number(process.env.TSCNI_CHAOS_SEED ?? Math.floor(Math.random() * CLEANUPS.length));
interface Case {
  point: KillPoint;
  cleanup: Cleanup;
}
const cases = new Map<string, Case[]>();
let rot = SEED;
for (const [i, p] of planned.entries()) {
  const list: Case[] = [];
  for (const point of recorded[i]!.points) {
    const modes: Cleanup[] = LONG ? [...CLEANUPS] : [CLEANUPS[rot++ % CLEANUPS.length]!];
    for (const cleanup of modes) list.push({ point, cleanup });
  }
  cases.set(p.name, list);
}
const total = [...cases.values()].reduce((a, l) => a + l.length, 0);
const points = recorded.reduce((a, r) => a + r.points.length, 0);
console.log(`crash: ${points} kill points x ${LONG ? "7 cleanup modes (full product)" : `1 cleanup mode each, rotating over the 7 (TSCNI_CHAOS_SEED=${SEED})`} = ${total} cases, pool ${POOL}`);

// ---- one case

interface CaseOutcome {
  killed: boolean;
  problems: string[];
}

async function runCase(name: string, s: Scenario, c: Case, id: number): Promise<CaseOutcome> {
  return withLane(name, s, async (lane) => {
    const pod = await newNetns("crp");
    const containerId = `crash-${name}-${c.point.n}-${id}`;
    const attach = { node: lane.node.path, containerId, netns: pod.path, cniPath: s.cniPath };
    const add = await chainAdd(lane.list, { ...attach, env: { TSCNI_TEST_CRASH_AFTER: `${s.target}:${c.point.n}` } });
    const problems: string[] = [];
    const killed = add.failure !== undefined;
    if (!killed) problems.push("ADD completed: the kill point was not reached");
    if (c.cleanup === "gc") {
      await pod.delete();
      problems.push(...(await chainGc(lane.list, lane.node.path, [], s.cniPath)));
    } else {
      if (c.cleanup.endsWith("gone")) await pod.delete();
      const netns = c.cleanup.endsWith("empty") ? "" : pod.path;
      const prev = c.cleanup.startsWith("del prev") ? add.result : undefined;
      problems.push(...(await chainDel(lane.list, { ...attach, netns }, prev)));
      await pod.delete();
    }
    if (s.refixture && (c.cleanup === "gc" || !c.cleanup.endsWith("netns"))) await refixture(lane.node.path, s);
    const diff = diffSnapshots(lane.baseline, await snapshot(lane.node.path, lane.dataDir));
    problems.push(...diff.map((d) => `residue ${d}`));
    return { clean: diff.length === 0, out: { killed, problems } };
  });
}

/**
 * When the device is not on the node (it was in the destroyed pod netns): waits (bounded) until the
 * kernel destroyed its node-side peer too, then creates the fixture again.
 */
async function refixture(node: string, s: Scenario): Promise<void> {
  const { device, peer } = s.refixture!;
  const present = async (name: string) => (await inNetns(node, "ip", ["link", "show", name], true)).code === 0;
  if (await present(device)) return;
  for (let i = 0; i < 600 && (await present(peer)); i++) await new Promise((r) => setTimeout(r, 100));
  for (const args of s.nodeSetup ?? []) await inNetns(node, "ip", args, true);
}

// Every case starts at once through the pool; each test awaits its own.
const outcomes = new Map<Case, Promise<CaseOutcome>>();
let started = false;
function start(): void {
  if (started) return;
  started = true;
  const all = planned.flatMap((p) => (p.skip ? [] : cases.get(p.name)!.map((c) => ({ p, c }))));
  const resolvers = new Map<Case, (o: CaseOutcome | Error) => void>();
  for (const { c } of all) outcomes.set(c, new Promise((res) => resolvers.set(c, (o) => res(o as CaseOutcome))));
  void pool(all, POOL, async ({ p, c }, i) => {
    try {
      resolvers.get(c)!(await runCase(p.name, p.scenario, c, i));
    } catch (e) {
      resolvers.get(c)!({ killed: false, problems: [`case failed to run: ${e instanceof Error ? e.message : String(e)}`] });
    }
  });
}

for (const p of planned) {
  describe(`crash: ${p.name} killed after each step of ADD`, () => {
    if (p.skip) {
      it.skip(`${p.name}: skipped (${p.skip})`, () => {});
      return;
    }
    it(`${p.name}: the step list comes from the code (at least one kill point)`, () => {
      expect(cases.get(p.name)!.length).toBeGreaterThan(0);
    });
    for (const c of cases.get(p.name)!) {
      const defect = knownDefect(c.point, c.cleanup, recorded[planned.indexOf(p)]!.points);
      const title = `add killed after ${p.name} step ${c.point.n} "${c.point.step}", then ${c.cleanup} -> node as before${defect ? ` [known: ${defect}]` : ""}`;
      (defect ? KNOWN : it)(title, { timeout: 900_000 }, async () => {
        start();
        const o = await outcomes.get(c)!;
        expect(o.problems).toEqual([]);
      });
    }
  });
}
