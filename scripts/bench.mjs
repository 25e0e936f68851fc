#!/usr/bin/env node
// tscni vs the reference Go plugins (/usr/lib/cni), same machine, same run, interleaved sample by
// sample. Each suite works in its own private node netns (tscni-bench-*); nothing else is touched.
// The floor row is a Bun program that only writes a line, compiled by `scripts/build --floor` with the
// plugins' own flags at bench time: the VERSION rows' tscni/floor column reads start-up against it.
// With valgrind installed, the instructions scenario counts start-up instructions (callgrind), which stay
// repeatable when the machine is too loaded for wall times.
// usage: node scripts/bench.mjs [--samples N] [--scale-samples N] [--scale 1,100,500,1000] [--out DIR]
//                              [--only instructions,version,host-local,loopback,singles,emptydel,dhcp,firewall,meta,scale,dataplane]
//                              [--dp-pods 1,100,1000] [--dp-seconds 2] [--dp-reps 7] [--dp-real 50] [--dp-nice -10] [--dp-sequential 1]
// The data plane (host-port connection rate, pod traffic against a hand-built bridge) lives in
// scripts/bench-dataplane.mjs; it runs last and its table follows the others.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readdirSync, readFileSync, linkSync, existsSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { benchDataplane, dataplaneTable } from "./bench-dataplane.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const args = parseArgs(process.argv.slice(2));
const SAMPLES = Number(args.samples ?? 20);
const SCALE_SAMPLES = Number(args["scale-samples"] ?? 8);
const SCALE = String(args.scale ?? "1,100,500,1000").split(",").filter(Boolean).map(Number);
const OUT = resolve(args.out ?? join(ROOT, "bench-results"));
const REF = "/usr/lib/cni";
const ONLY = args.only ? new Set(String(args.only).split(",")) : undefined;
const wanted = (scenario) => !ONLY || ONLY.has(scenario);

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) if (argv[i].startsWith("--")) out[argv[i].slice(2)] = argv[i + 1]?.startsWith("--") ? true : argv[++i];
  return out;
}
const sh = (cmd, a) => {
  const r = spawnSync(cmd, a, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${a.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const log = (s) => process.stderr.write(s + "\n");

// ---------------------------------------------------------------- suites and workers

class Suite {
  constructor(name, binDir, tag) {
    this.name = name;
    this.binDir = binDir;
    this.node = `tscni-bench-${tag}-${process.pid}`;
    this.work = mkdtempSync(join(tmpdir(), `tscni-bench-${tag}-`));
    this.pods = [];
    this.seq = 0;
    sh("ip", ["netns", "add", this.node]);
    sh("ip", ["-n", this.node, "link", "set", "lo", "up"]);
    // the master of the macvlan/ipvlan rows: a veth end (its peer stays in the node netns)
    sh("ip", ["-n", this.node, "link", "add", "bench-m0", "type", "veth", "peer", "name", "bench-m1"]);
    sh("ip", ["-n", this.node, "link", "set", "bench-m0", "up"]);
    this.worker = spawn("nsenter", [`--net=/run/netns/${this.node}`, "--", process.execPath, join(ROOT, "scripts/bench-worker.mjs")], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    this.replies = createInterface({ input: this.worker.stdout })[Symbol.asyncIterator]();
  }
  async exec(plugin, env, stdin) {
    const bin = plugin.startsWith("/") ? plugin : join(this.binDir, plugin);
    this.worker.stdin.write(JSON.stringify({ bin, env: { PATH: process.env.PATH, CNI_PATH: this.binDir, ...env }, stdin }) + "\n");
    const { value } = await this.replies.next();
    return JSON.parse(value);
  }
  newPod() {
    const name = `${this.node}-p${++this.seq}`;
    sh("ip", ["netns", "add", name]);
    this.pods.push(name);
    return { id: `c${this.seq}`, netns: `/run/netns/${name}`, name };
  }
  dropPod(pod) {
    spawnSync("ip", ["netns", "del", pod.name]);
    this.pods = this.pods.filter((p) => p !== pod.name);
  }
  close() {
    this.worker.stdin.end();
    this.worker.kill();
    for (const p of this.pods) spawnSync("ip", ["netns", "del", p]);
    spawnSync("ip", ["netns", "del", this.node]);
    rmSync(this.work, { recursive: true, force: true });
  }
}

// pods are added and deleted one at a time, so every one can hold the same static address
const STATIC_IPAM = { type: "static", addresses: [{ address: "10.79.0.5/24", gateway: "10.79.0.1" }], routes: [{ dst: "0.0.0.0/0" }] };

function conflist(suite, plugins) {
  const ipam = { type: "host-local", ranges: [[{ subnet: "10.77.0.0/16" }]], routes: [{ dst: "0.0.0.0/0" }], dataDir: join(suite.work, "ipam") };
  const all = {
    bridge: { type: "bridge", bridge: "cni-bench0", isGateway: true, ipMasq: true, hairpinMode: true, ipam },
    ptp: { type: "ptp", ipMasq: true, ipam: { ...ipam, ranges: [[{ subnet: "10.78.0.0/16" }]] } },
    portmap: { type: "portmap", capabilities: { portMappings: true }, snat: true },
    bandwidth: { type: "bandwidth", capabilities: { bandwidth: true } },
    loopback: { type: "loopback" },
    macvlan: { type: "macvlan", master: "bench-m0", ipam: STATIC_IPAM },
    dhcp: { type: "bridge", bridge: "cni-dh0", ipam: { type: "dhcp", daemonSocketPath: join(suite.work, "dhcp.sock") } },
    ipvlan: { type: "ipvlan", master: "bench-m0", ipam: STATIC_IPAM },
    firewall: { type: "firewall" },
    tuning: { type: "tuning", mtu: 1400, promisc: true, sysctl: { "net.ipv4.conf.IFNAME.arp_filter": "1" }, dataDir: join(suite.work, "tuning") },
    tuningKeyless: { type: "tuning" },
    sbr: { type: "sbr" },
  };
  return { cniVersion: "1.0.0", name: "benchnet", plugins: plugins.map((p) => all[p]) };
}

const BANDWIDTH = { ingressRate: 1000000, ingressBurst: 100000, egressRate: 1000000, egressBurst: 100000 };

/** Runs a conflist like libcni; returns per-plugin ms and the final result. */
async function runList(suite, list, verb, pod, hostPort, prevResult) {
  const plugins = verb === "DEL" ? [...list.plugins].reverse() : list.plugins;
  const caps = { portMappings: [{ hostPort, containerPort: 80, protocol: "tcp" }], bandwidth: BANDWIDTH };
  const times = {};
  let prev = verb === "DEL" ? prevResult : undefined;
  for (const p of plugins) {
    const conf = { ...p, name: list.name, cniVersion: list.cniVersion };
    if (prev) conf.prevResult = prev;
    const rc = {};
    for (const k of Object.keys(p.capabilities ?? {})) rc[k] = caps[k];
    if (Object.keys(rc).length) conf.runtimeConfig = rc;
    const env = { CNI_COMMAND: verb, CNI_CONTAINERID: pod.id, CNI_NETNS: pod.netns, CNI_IFNAME: "eth0" };
    const r = await suite.exec(p.type, env, JSON.stringify(conf));
    if (r.status !== 0) throw new Error(`${suite.name} ${verb} ${p.type} failed: ${r.stdout}${r.stderr}`);
    times[p.type] = r.ms;
    if (verb === "ADD" && r.stdout.trim()) prev = JSON.parse(r.stdout);
  }
  return { times, result: prev };
}

// ---------------------------------------------------------------- statistics

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
  return { median: q(0.5), p90: q(0.9), min: s[0], n: s.length };
}

const rows = [];
const notes = [];
function note(text) {
  notes.push(text);
  log(`  note: ${text}`);
}

/** Whether the kernel can create an ipvlan (probed on the suite's master, then removed). */
function kernelHasIpvlan(suite) {
  const ok = spawnSync("ip", ["-n", suite.node, "link", "add", "bench-ipv0", "link", "bench-m0", "type", "ipvlan"]).status === 0;
  if (ok) spawnSync("ip", ["-n", suite.node, "link", "del", "bench-ipv0"]);
  return ok;
}
function record(row, tscniSamples, refSamples) {
  const t = stats(tscniSamples);
  const r = refSamples ? stats(refSamples) : undefined;
  const entry = { row, tscni: t, reference: r, ratio: r ? t.median / r.median : undefined };
  rows.push(entry);
  const ref = r ? `ref ${r.median.toFixed(2).padStart(8)} ms   ratio ${entry.ratio.toFixed(2)}` : "";
  log(`  ${row.padEnd(34)} tscni ${t.median.toFixed(2).padStart(8)} ms   ${ref}`);
  return entry;
}

/** The runtime's floor: a Bun program that only writes a line, built by `scripts/build --floor` (same flags). */
let FLOOR_BIN;
let floorStats;

// ---------------------------------------------------------------- scenarios

/** VERSION of several plugins, interleaved with the floor program (tscni's column only) in the same loop. */
async function benchVersion(suites) {
  const plugins = ["host-local", "loopback", "bridge", "portmap", "bandwidth"];
  const floor = [];
  const samples = plugins.map(() => suites.map(() => []));
  for (let i = 0; i < SAMPLES; i++) {
    const f = await suites[0].exec(FLOOR_BIN, {}, "");
    if (f.status !== 0) throw new Error(`floor program failed: ${f.stderr}`);
    floor.push(f.ms);
    for (const [j, p] of plugins.entries()) {
      for (const [k, s] of suites.entries()) samples[j][k].push((await s.exec(p, { CNI_COMMAND: "VERSION" }, '{"cniVersion":"1.0.0"}')).ms);
    }
  }
  floorStats = record("floor (Bun program writing one line, same build flags)", floor).tscni;
  for (const [j, p] of plugins.entries()) record(`VERSION (${p})`, ...samples[j]);
}

/** host-local on its own, exec'd with the IPAM section like a main plugin does. */
/** host-local ADD+DEL samples; `held` allocation files (other pods', reference format) are there first. */
async function hostLocalRows(suites, held, label) {
  const add = suites.map(() => []);
  const del = suites.map(() => []);
  const dir = `hl${held}`;
  for (const s of suites) {
    mkdirSync(join(s.work, dir, "hlnet"), { recursive: true });
    for (let i = 0; i < held; i++) writeFileSync(join(s.work, dir, "hlnet", `10.79.${(i + 512) >> 8}.${(i + 512) & 255}`), `resident${i}\r\neth0`);
  }
  // sample -1 is a warm-up: tscni's first operation after files written by another suite rescans them once
  for (let i = -1; i < SAMPLES; i++) {
    for (const [k, s] of suites.entries()) {
      const conf = JSON.stringify({ cniVersion: "1.0.0", name: "hlnet", type: "bridge", ipam: { type: "host-local", ranges: [[{ subnet: "10.79.0.0/16" }]], dataDir: join(s.work, dir) } });
      const env = { CNI_CONTAINERID: `hl${i}`, CNI_NETNS: "/run/netns/none", CNI_IFNAME: "eth0" };
      const a = await s.exec("host-local", { ...env, CNI_COMMAND: "ADD" }, conf);
      const d = await s.exec("host-local", { ...env, CNI_COMMAND: "DEL" }, conf);
      if (a.status !== 0 || d.status !== 0) throw new Error(`${s.name} host-local failed: ${a.stdout}${d.stdout}`);
      if (i < 0) continue;
      add[k].push(a.ms);
      del[k].push(d.ms);
    }
  }
  record(`host-local ADD${label}`, ...add);
  record(`host-local DEL${label}`, ...del);
}

async function benchHostLocal(suites) {
  await hostLocalRows(suites, 0, "");
  // the duplicate check and DEL's search: the reference reads every allocation file, tscni its index
  await hostLocalRows(suites, 999, " (1000 allocations)");
}

async function benchLoopback(suites) {
  const samples = suites.map(() => []);
  for (let i = 0; i < SAMPLES; i++) {
    for (const [k, s] of suites.entries()) {
      const pod = s.newPod();
      const { times } = await runList(s, conflist(s, ["loopback"]), "ADD", pod, 0);
      samples[k].push(times.loopback);
      s.dropPod(pod);
    }
  }
  record("loopback ADD", ...samples);
}

/** ADD then DEL of fresh pods through a conflist; returns per-plugin samples per suite. */
async function cycle(suites, plugins, n, hostPortBase) {
  const add = suites.map(() => ({}));
  const del = suites.map(() => ({}));
  for (let i = 0; i < n; i++) {
    for (const [k, s] of suites.entries()) {
      const pod = s.newPod();
      const a = await runList(s, conflist(s, plugins), "ADD", pod, hostPortBase + i);
      const d = await runList(s, conflist(s, plugins), "DEL", pod, hostPortBase + i, a.result);
      for (const [p, ms] of Object.entries(a.times)) (add[k][p] ??= []).push(ms);
      for (const [p, ms] of Object.entries(d.times)) (del[k][p] ??= []).push(ms);
      s.dropPod(pod);
    }
  }
  return { add, del };
}

const sum = (perPlugin) => perPlugin[Object.keys(perPlugin)[0]].map((_, i) => Object.values(perPlugin).reduce((a, v) => a + v[i], 0));

async function benchSingles(suites) {
  const br = await cycle(suites, ["bridge"], SAMPLES, 30000);
  record("bridge+host-local ADD", ...br.add.map((x) => x.bridge));
  record("bridge+host-local DEL", ...br.del.map((x) => x.bridge));
  const ptp = await cycle(suites, ["ptp"], SAMPLES, 30000);
  record("ptp+host-local ADD", ...ptp.add.map((x) => x.ptp));
  record("ptp+host-local DEL", ...ptp.del.map((x) => x.ptp));
  const mv = await cycle(suites, ["macvlan"], SAMPLES, 30000);
  record("macvlan+static ADD", ...mv.add.map((x) => x.macvlan));
  record("macvlan+static DEL", ...mv.del.map((x) => x.macvlan));
  if (kernelHasIpvlan(suites[0])) {
    const ipv = await cycle(suites, ["ipvlan"], SAMPLES, 30000);
    record("ipvlan+static ADD", ...ipv.add.map((x) => x.ipvlan));
    record("ipvlan+static DEL", ...ipv.del.map((x) => x.ipvlan));
  } else {
    note("ipvlan+static ADD/DEL: not measured, this kernel has no ipvlan (CONFIG_IPVLAN); scripts/test-vm's Debian kernel has it, but timings under QEMU TCG mean nothing");
  }
  const chain = await cycle(suites, ["bridge", "portmap", "bandwidth"], SAMPLES, 31000);
  record("portmap ADD (in chain)", ...chain.add.map((x) => x.portmap));
  record("portmap DEL (in chain)", ...chain.del.map((x) => x.portmap));
  record("bandwidth ADD (in chain)", ...chain.add.map((x) => x.bandwidth));
  record("bandwidth DEL (in chain)", ...chain.del.map((x) => x.bandwidth));
  record("chain ADD (bridge,portmap,bandwidth)", ...chain.add.map(sum));
  record("chain DEL (bridge,portmap,bandwidth)", ...chain.del.map(sum));
}

/**
 * containerd's second DEL of every pod: the chain (bridge+host-local, portmap, bandwidth) deleted again
 * with CNI_NETNS empty after a real DEL (the sandbox's netns is gone by then), per plugin and summed.
 */
async function benchEmptyNetnsDel(suites) {
  const plugins = ["bridge", "portmap", "bandwidth"];
  const del = suites.map(() => ({}));
  for (let i = 0; i < SAMPLES; i++) {
    for (const [k, s] of suites.entries()) {
      const pod = s.newPod();
      const list = conflist(s, plugins);
      const a = await runList(s, list, "ADD", pod, 32000 + i);
      await runList(s, list, "DEL", pod, 32000 + i, a.result);
      s.dropPod(pod);
      const d = await runList(s, list, "DEL", { ...pod, netns: "" }, 32000 + i, a.result);
      for (const [p, ms] of Object.entries(d.times)) (del[k][p] ??= []).push(ms);
    }
  }
  for (const p of plugins) record(`${p} DEL, empty CNI_NETNS (2nd DEL)`, ...del.map((x) => x[p]));
  record("chain DEL, empty CNI_NETNS (2nd DEL)", ...del.map(sum));
}

/**
 * firewall after bridge, twice: on a fresh node (no iptables filter table: tscni writes nft table
 * inet cni_firewall, the reference forks iptables and ip6tables) and once the node's iptables FORWARD
 * policy is DROP (both suites then write the iptables filter table: tscni with one iptables-save and one
 * iptables-restore, the reference with iptables -C/-I/-A forks).
 */
async function benchFirewall(suites) {
  const fresh = await cycle(suites, ["bridge", "firewall"], SAMPLES, 30000);
  record("firewall ADD (nft-only node)", ...fresh.add.map((x) => x.firewall));
  record("firewall DEL (nft-only node)", ...fresh.del.map((x) => x.firewall));
  for (const s of suites) sh("ip", ["netns", "exec", s.node, "iptables", "-P", "FORWARD", "DROP"]);
  const drop = await cycle(suites, ["bridge", "firewall"], SAMPLES, 30000);
  record("firewall ADD (iptables FORWARD DROP)", ...drop.add.map((x) => x.firewall));
  record("firewall DEL (iptables FORWARD DROP)", ...drop.del.map((x) => x.firewall));
}

/**
 * tuning and sbr after bridge: tuning with a sysctl, MTU and promisc (backup file written and restored),
 * tuning with no keys (what Podman writes: a pass-through), sbr (a rule and a table per IP).
 */
async function benchMeta(suites) {
  const tuning = await cycle(suites, ["bridge", "tuning"], SAMPLES, 30000);
  record("tuning ADD (sysctl, mtu, promisc)", ...tuning.add.map((x) => x.tuning));
  record("tuning DEL (restore)", ...tuning.del.map((x) => x.tuning));
  const keyless = await cycle(suites, ["bridge", "tuningKeyless"], SAMPLES, 30000);
  record("tuning ADD (no keys, Podman)", ...keyless.add.map((x) => x.tuning));
  record("tuning DEL (no keys, Podman)", ...keyless.del.map((x) => x.tuning));
  const sbr = await cycle(suites, ["bridge", "sbr"], SAMPLES, 30000);
  record("sbr ADD", ...sbr.add.map((x) => x.sbr));
  record("sbr DEL", ...sbr.del.map((x) => x.sbr));
}

/**
 * bridge + dhcp IPAM against the same kind of server for both suites: in each suite's node netns a bridge
 * with a real dnsmasq on it and that suite's own `dhcp daemon`; every ADD is a full DISCOVER..ACK exchange,
 * every DEL a RELEASE. Both daemons and both dnsmasq are killed by PID afterwards.
 */
async function benchDhcp(suites) {
  if (!existsSync("/usr/sbin/dnsmasq")) return note("bridge+dhcp: not measured, dnsmasq (dnsmasq-base) is not installed");
  const procs = [];
  try {
    for (const s of suites) {
      const ns = ["ip", "-n", s.node];
      sh(ns[0], [...ns.slice(1), "link", "add", "cni-dh0", "address", "02:66:00:00:00:01", "type", "bridge"]);
      sh(ns[0], [...ns.slice(1), "addr", "add", "10.66.0.1/24", "dev", "cni-dh0"]);
      sh(ns[0], [...ns.slice(1), "link", "set", "cni-dh0", "up"]);
      const inNode = (argv) => spawn("nsenter", [`--net=/run/netns/${s.node}`, "--", ...argv], { stdio: "ignore" });
      procs.push(inNode(["/usr/sbin/dnsmasq", "--conf-file=/dev/null", "--no-daemon", "--port=0", "--user=root", "--interface=cni-dh0",
        "--bind-interfaces", "--dhcp-authoritative", "--no-ping", `--dhcp-leasefile=${join(s.work, "dnsmasq.leases")}`,
        "--dhcp-range=10.66.0.10,10.66.0.250,255.255.255.0,2m", "--dhcp-option=option:router,10.66.0.1"]));
      const sock = join(s.work, "dhcp.sock");
      // tscni's daemon persists leases: keep them in the bench's work dir, never /var/lib/cni/dhcp
      const stateFlags = s.name === "tscni" ? ["-statedir", join(s.work, "dhcp-state")] : [];
      procs.push(inNode([join(s.binDir, "dhcp"), "daemon", "-socketpath", sock, ...stateFlags]));
      for (let i = 0; i < 200 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
      if (!existsSync(sock)) throw new Error(`${s.name} dhcp daemon did not create ${sock}`);
    }
    const c = await cycle(suites, ["dhcp"], SAMPLES, 30000);
    record("bridge+dhcp ADD (dnsmasq)", ...c.add.map((x) => x.bridge));
    record("bridge+dhcp DEL (dnsmasq)", ...c.del.map((x) => x.bridge));
  } finally {
    for (const p of procs) p.kill("SIGKILL"); // by PID: nsenter execs the program
  }
}

async function populate(suite, count) {
  const list = conflist(suite, ["bridge", "portmap", "bandwidth"]);
  while (suite.resident.length < count) {
    const pod = suite.newPod();
    await runList(suite, list, "ADD", pod, 40000 + suite.resident.length);
    suite.resident.push(pod);
  }
}

async function benchScale(suites) {
  const curve = [];
  for (const s of suites) s.resident = [];
  for (const n of SCALE) {
    // "n pods on the node": n-1 resident pods plus the one measured
    const t0 = Date.now();
    for (const s of suites) await populate(s, Math.max(0, n - 1));
    log(`  (populated ${n - 1} pods per suite in ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    const c = await cycle(suites, ["bridge", "portmap", "bandwidth"], SCALE_SAMPLES, 35000);
    const a = record(`chain ADD with ${n} pods on node`, ...c.add.map(sum));
    const d = record(`chain DEL with ${n} pods on node`, ...c.del.map(sum));
    curve.push({ pods: n, add: { tscni: a.tscni.median, reference: a.reference.median }, del: { tscni: d.tscni.median, reference: d.reference.median } });
  }
  return curve;
}

/**
 * Start-up in instructions (valgrind --tool=callgrind): repeatable on a loaded machine where wall times
 * are not. VERSION with the config on stdin, for the floor, tscni's plugins and the reference. Two
 * figures: the main thread (what start-up waits for) and all threads; the others are mostly JSC's
 * concurrent JIT compiling a node:fs internal in the background, as much as it gets scheduled before the
 * process exits (0.1-0.8 M, varying run to run), so ratios are read on the main thread.
 */
function instructions(bin, argv = []) {
  const dir = mkdtempSync(join(tmpdir(), "tscni-bench-cg-"));
  try {
    const cfg = join(dir, "in.json");
    writeFileSync(cfg, '{"cniVersion":"1.0.0"}');
    const out = join(dir, "cg.out");
    const r = spawnSync("bash", ["-c", 'exec valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$OUT" "$@" < "$CFG"', "cg", bin, ...argv], {
      env: { PATH: process.env.PATH, CNI_COMMAND: "VERSION", CFG: cfg, OUT: out },
      encoding: "utf8",
    });
    const m = /Collected\s*:\s*(\d+)/.exec(r.stderr);
    if (!m) throw new Error(`callgrind on ${bin}: ${r.stderr.slice(-300)}`);
    const main = /^summary:\s*(\d+)/m.exec(readFileSync(`${out}-01`, "utf8"));
    if (!main) throw new Error(`callgrind on ${bin}: no main-thread summary`);
    return { main: Number(main[1]), all: Number(m[1]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const instructionRows = [];
function benchInstructions(bins) {
  if (spawnSync("valgrind", ["--version"]).status !== 0) return note("start-up instructions: not measured, valgrind is not installed");
  const floor = instructions(FLOOR_BIN);
  instructionRows.push({ row: "floor (one-line Bun program)", tscni: floor });
  instructionRows.push({ row: "tscni --version", tscni: instructions(join(bins, "tscni", "tscni"), ["--version"]) });
  for (const p of ["host-local", "loopback", "bridge", "ptp", "portmap", "bandwidth"]) {
    instructionRows.push({ row: `VERSION (${p})`, tscni: instructions(join(bins, "tscni", p)), reference: instructions(join(bins, "ref", p)) });
  }
  for (const r of instructionRows) r.floorRatio = r.tscni.main / floor.main;
  const m = (n) => (n / 1e6).toFixed(2);
  for (const r of instructionRows) log(`  ${r.row.padEnd(34)} ${m(r.tscni.main)} M instructions main thread (${r.floorRatio.toFixed(2)}x floor), ${m(r.tscni.all)} M all threads${r.reference ? `; reference ${m(r.reference.all)} M` : ""}`);
}

function instructionTable() {
  if (!instructionRows.length) return "";
  const m = (n) => (n / 1e6).toFixed(2);
  const lines = ["", "Start-up in instructions (callgrind; VERSION; ratio on the main thread):", "", "| program | tscni main thread (M instr.) | tscni/floor | tscni all threads (M instr.) | reference all threads (M instr.) |", "|---|---:|---:|---:|---:|"];
  for (const r of instructionRows) lines.push(`| ${r.row} | ${m(r.tscni.main)} | ${r.floorRatio.toFixed(2)}x | ${m(r.tscni.all)} | ${r.reference ? m(r.reference.all) : ""} |`);
  return lines.join("\n");
}

// ---------------------------------------------------------------- output

function table() {
  const lines = ["| scenario | tscni median | p90 | min | reference median | p90 | min | tscni/ref | tscni/floor |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"];
  const f = (x) => x.toFixed(2);
  for (const r of rows) {
    const ref = r.reference ? `${f(r.reference.median)} | ${f(r.reference.p90)} | ${f(r.reference.min)} | **${r.ratio.toFixed(2)}x**` : " |  |  | ";
    const vsFloor = floorStats && r.row.startsWith("VERSION") ? `${(r.tscni.median / floorStats.median).toFixed(2)}x` : "";
    lines.push(`| ${r.row} | ${f(r.tscni.median)} | ${f(r.tscni.p90)} | ${f(r.tscni.min)} | ${ref} | ${vsFloor} |`);
  }
  if (notes.length) lines.push("", ...notes.map((n) => `Note: ${n}`));
  return lines.join("\n") + instructionTable();
}

function svg(curve) {
  const W = 640, H = 400, L = 60, B = 50, R = 20, T = 30;
  const maxX = Math.max(...curve.map((c) => c.pods));
  const maxY = Math.max(...curve.flatMap((c) => [c.add.tscni, c.add.reference, c.del.tscni, c.del.reference])) * 1.1;
  const x = (v) => L + (v / maxX) * (W - L - R);
  const y = (v) => H - B - (v / maxY) * (H - B - T);
  const series = [
    ["reference ADD", "add", "reference", "#d62728", ""],
    ["reference DEL", "del", "reference", "#d62728", "6,4"],
    ["tscni ADD", "add", "tscni", "#1f77b4", ""],
    ["tscni DEL", "del", "tscni", "#1f77b4", "6,4"],
  ];
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`, `<rect width="${W}" height="${H}" fill="white"/>`];
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">chain (bridge+host-local, portmap, bandwidth) latency vs pods on the node</text>`);
  parts.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`);
  for (let i = 0; i <= 5; i++) {
    const v = (maxY / 5) * i;
    parts.push(`<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(0)}</text><line x1="${L}" y1="${y(v)}" x2="${W - R}" y2="${y(v)}" stroke="#eee"/>`);
  }
  for (const c of curve) parts.push(`<text x="${x(c.pods)}" y="${H - B + 16}" text-anchor="middle">${c.pods}</text>`);
  parts.push(`<text x="${W / 2}" y="${H - 12}" text-anchor="middle">pods on the node</text><text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">median ms</text>`);
  series.forEach(([label, verb, suite, color, dash], i) => {
    const pts = curve.map((c) => `${x(c.pods).toFixed(1)},${y(c[verb][suite]).toFixed(1)}`).join(" ");
    parts.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2" stroke-dasharray="${dash}"/>`);
    for (const c of curve) parts.push(`<circle cx="${x(c.pods)}" cy="${y(c[verb][suite])}" r="3" fill="${color}"/>`);
    parts.push(`<line x1="${L + 20}" y1="${T + 14 + i * 16}" x2="${L + 50}" y2="${T + 14 + i * 16}" stroke="${color}" stroke-width="2" stroke-dasharray="${dash}"/><text x="${L + 56}" y="${T + 18 + i * 16}">${label}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}

// ---------------------------------------------------------------- main

function dataplaneOptions(bins) {
  const n = (k) => (args[k] === undefined ? undefined : Number(args[k]));
  return { tscni: join(bins, "tscni"), ref: join(bins, "ref"), pods: args["dp-pods"]?.split(",").map(Number), seconds: n("dp-seconds"), reps: n("dp-reps"), real: n("dp-real"), nice: n("dp-nice"), sequential: args["dp-sequential"] === "1" || undefined };
}

async function main() {
  if (!existsSync(join(REF, "bridge"))) throw new Error(`reference plugins missing in ${REF}: apt-get install containernetworking-plugins`);
  const bins = mkdtempSync(join(tmpdir(), "tscni-bench-bin-"));
  sh("bash", [join(ROOT, "scripts/install"), join(bins, "tscni")]);
  FLOOR_BIN = join(bins, "floor");
  sh("bash", [join(ROOT, "scripts/build"), "--floor", FLOOR_BIN]); // built now, never committed
  mkdirSync(join(bins, "ref"));
  for (const f of readdirSync(REF)) linkSync(join(REF, f), join(bins, "ref", f));
  const suites = [new Suite("tscni", join(bins, "tscni"), "t"), new Suite("reference", join(bins, "ref"), "r")];
  const started = Date.now();
  let curve = [];
  let dataplane;
  try {
    log(`samples ${SAMPLES}, scale samples ${SCALE_SAMPLES}, scale points ${SCALE.join(",")}`);
    if (wanted("instructions")) benchInstructions(bins);
    if (wanted("version")) await benchVersion(suites);
    if (wanted("host-local")) await benchHostLocal(suites);
    if (wanted("loopback")) await benchLoopback(suites);
    if (wanted("singles")) await benchSingles(suites);
    if (wanted("emptydel")) await benchEmptyNetnsDel(suites);
    if (wanted("dhcp")) await benchDhcp(suites);
    if (wanted("firewall")) await benchFirewall(suites);
    if (wanted("meta")) await benchMeta(suites);
    if (SCALE.length && wanted("scale")) curve = await benchScale(suites);
    if (wanted("dataplane")) dataplane = await benchDataplane(dataplaneOptions(bins));
  } finally {
    for (const s of suites) s.close();
    rmSync(bins, { recursive: true, force: true });
  }
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), kernel: sh("uname", ["-r"]).trim(), reference: sh("dpkg-query", ["-W", "-f=${Version}", "containernetworking-plugins"]).trim() };
  const report = { date: new Date().toISOString(), machine, instructions: instructionRows, samples: SAMPLES, scaleSamples: SCALE_SAMPLES, seconds: Math.round((Date.now() - started) / 1000), rows, notes, curve, dataplane };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, "bench.json"), JSON.stringify(report, null, 2));
  const md = table() + (dataplane ? "\n" + dataplaneTable(dataplane) : "");
  writeFileSync(join(OUT, "bench.md"), md + "\n");
  if (curve.length) writeFileSync(join(OUT, "scale.svg"), svg(curve));
  console.log(md);
  console.log(`\nmachine: ${JSON.stringify(machine)}; took ${report.seconds} s; written to ${OUT}/{bench.json,bench.md${curve.length ? ",scale.svg" : ""}}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
