#!/usr/bin/env node
// The data plane, measured side by side (issue 15, point 5). Two parts, each in namespaces built here
// (tscni-dp-*), deleted at the end even on failure; traffic only between them.
//
// 1. Host-port connection rate. For each pod count N and each suite (the reference /usr/lib/cni:
//    bridge+host-local+portmap with iptables rule chains; tscni: the same chain, nft maps) a fresh node
//    netns holds a bridge, an "outside" netns joined to the node by a veth, and one server pod made by a
//    real chain ADD (bridge+host-local, portmap). Its host port is one of N pods' mappings: the other N-1
//    are portmap ADDs with a prevResult (the rules a pod's portmap leaves; no bridge port, no netns),
//    half before the server pod and half after it, so a new connection walks the average position of a
//    linear rule list. The first `real` fillers are real plugin ADDs; past that the suite's own rules for
//    one real filler are copied with the ID, chain name, host port and IP changed, in one
//    iptables-restore / nft batch (1000 real reference ADDs take 5-10 min; the kernel state is the same).
//    A client in the outside netns opens new TCP connections to the node's address and host port
//    (DNAT'ed to the pod), the same client for both suites; both suites' clients run at the same time,
//    round by round, so the machine's other load hits both alike; medians, and the median of the rounds'
//    ratios. The client's CPU time per connection (which pays for the SYN's netfilter walk) is reported too.
// 2. Pod-to-pod and pod-to-node TCP throughput (iperf3) and latency (ping, one-byte TCP round trips) on a
//    tscni bridge (two pods by real bridge+host-local ADDs) against the same topology built by hand with
//    ip(8) (bridge, veths, addresses, routes, the same MTU), both measured at the same time round by
//    round; and the kernel settings that shape the path (ip -d link attributes, ethtool offloads,
//    per-interface sysctls, forwarding) compared value by value with the hand-built topology and with the
//    reference's bridge plugin.
//
// usage: node scripts/bench-dataplane.mjs [--tscni DIR] [--ref DIR] [--pods 1,100,1000] [--seconds 2]
//          [--reps 7] [--real 50] [--concurrency 16] [--iperf-seconds 2] [--pings 200] [--rr-count 2000]
//          [--nice N] [--sequential 1] [--out FILE.json]
// bench.mjs runs it as `--only dataplane` (options there: --dp-pods, --dp-seconds, --dp-reps, --dp-real,
// --dp-nice, --dp-sequential).
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const ROOT = resolve(import.meta.dirname, "..");
const PEER = join(ROOT, "scripts/bench-dataplane-peer.mjs");
const NET = "dpnet";
const POD_SUBNET = "10.97.0.0/16";
const NODE_IP = "10.98.0.1";
const OUTSIDE_IP = "10.98.0.2";
const SERVER_HOST_PORT = 20000;
const FILLER_PORT_BASE = 21000;
const SERVER_PORT = 8080;
const log = (s) => process.stderr.write(s + "\n");

export const DEFAULTS = Object.freeze({
  pods: [1, 100, 1000], seconds: 2, reps: 7, real: 50, concurrency: 16, iperfSeconds: 2, pings: 200, rrCount: 2000, nice: 0, sequential: false,
});

// ---------------------------------------------------------------- namespaces and processes (all tracked)

class Lab {
  constructor() {
    this.tag = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
    this.netns = [];
    this.procs = [];
    this.dirs = [];
  }
  ns(name) {
    const full = `tscni-dp-${name}-${this.tag}`;
    run("ip", ["netns", "add", full]);
    this.netns.push(full);
    run("ip", ["-n", full, "link", "set", "lo", "up"]);
    return full;
  }
  tmp(name) {
    const d = mkdtempSync(join(tmpdir(), `tscni-dp-${name}-`));
    this.dirs.push(d);
    return d;
  }
  /** Starts a long-lived program in a netns; resolves once it printed `ready` (or at once if readyLine is empty). */
  async start(ns, argv, readyLine = "ready") {
    const p = spawn("nsenter", [`--net=/run/netns/${ns}`, "--", ...argv], { stdio: ["pipe", "pipe", "pipe"] });
    this.procs.push(p);
    let err = "";
    p.stderr.on("data", (d) => (err += d));
    if (!readyLine) return p;
    const lines = createInterface({ input: p.stdout });
    let timer;
    const ready = await Promise.race([
      new Promise((res) => lines.on("line", (l) => l.includes(readyLine) && res(true))),
      new Promise((res) => p.once("exit", () => res(false))),
      new Promise((res) => (timer = setTimeout(() => res(false), 30_000))),
    ]);
    clearTimeout(timer);
    if (!ready) throw new Error(`${argv.join(" ")} in ${ns} did not start: ${err}`);
    return p;
  }
  stopProcs() {
    for (const p of this.procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL"); // by PID: nsenter execs the program
    this.procs = [];
  }
  dropNetns(names) {
    for (const n of names) spawnSync("ip", ["netns", "del", n]);
    this.netns = this.netns.filter((n) => !names.includes(n));
  }
  close() {
    this.stopProcs();
    this.dropNetns([...this.netns]);
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: opts.timeout ?? 120_000, input: opts.input, env: opts.env ?? process.env, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.error?.message ?? ""}${r.stderr}${r.stdout?.slice(0, 500) ?? ""}`);
  return r.stdout;
}
const inNs = (ns, argv, opts) => run("nsenter", [`--net=/run/netns/${ns}`, "--", ...argv], opts);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[(s.length - 1) >> 1] : NaN;
}

// ---------------------------------------------------------------- plugin calls

/** Execs one plugin in the node netns like a runtime does; returns the parsed result. */
function plugin(ns, dir, type, verb, conf, ids) {
  const env = { PATH: process.env.PATH, CNI_COMMAND: verb, CNI_CONTAINERID: ids.id, CNI_NETNS: ids.netns, CNI_IFNAME: "eth0", CNI_PATH: dir };
  const out = inNs(ns, [join(dir, type)], { input: JSON.stringify({ cniVersion: "1.0.0", name: NET, ...conf }), env });
  return out.trim() ? JSON.parse(out) : undefined;
}

const bridgeConf = (work, mtu) => ({
  type: "bridge", bridge: "cni-dp0", isGateway: true, ipMasq: false, ...(mtu ? { mtu } : {}),
  ipam: { type: "host-local", ranges: [[{ subnet: POD_SUBNET }]], routes: [{ dst: "0.0.0.0/0" }], dataDir: join(work, "ipam") },
});
const portmapConf = (hostPort, prevResult) => ({
  type: "portmap", snat: true, runtimeConfig: { portMappings: [{ hostPort, containerPort: SERVER_PORT, protocol: "tcp" }] }, prevResult,
});

/** A real pod: bridge+host-local ADD, then portmap with the bridge's result (a conflist's chain). */
function addPod(node, dir, work, podNs, id, hostPort) {
  const ids = { id, netns: `/run/netns/${podNs}` };
  const br = plugin(node, dir, "bridge", "ADD", bridgeConf(work), ids);
  if (hostPort) plugin(node, dir, "portmap", "ADD", portmapConf(hostPort, br), ids);
  return br.ips[0].address.split("/")[0];
}

/** The i-th filler: its container ID, host port and (never allocated) pod address. */
function filler(i) {
  return { id: `f${i}`, port: FILLER_PORT_BASE + i, ip: `10.97.${100 + Math.floor(i / 250)}.${2 + (i % 250)}` };
}
function fillerPrevResult(f) {
  return { cniVersion: "1.0.0", interfaces: [{ name: "cni-dp0" }, { name: "eth0", sandbox: "/run/netns/none" }], ips: [{ address: `${f.ip}/16`, gateway: "10.97.0.1", interface: 1 }] };
}
function addFillerReal(node, dir, f) {
  plugin(node, dir, "portmap", "ADD", portmapConf(f.port, fillerPrevResult(f)), { id: f.id, netns: "/run/netns/none" });
}

// ---------------------------------------------------------------- copies of one real filler's rules

/** nft cannot read a socket as stdin (node's pipes are sockets): batches go through a temp file. */
function withFile(text, fn) {
  const dir = mkdtempSync(join(tmpdir(), "tscni-dp-batch-"));
  try {
    writeFileSync(join(dir, "batch"), text);
    return fn(join(dir, "batch"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Replaces the template filler's ID, port and IP (whole tokens only) in one line or JSON text. */
function substitute(text, from, to, extra = []) {
  let out = text
    .replaceAll(`"${from.id}"`, `"${to.id}"`)
    .replaceAll(`"${from.id} `, `"${to.id} `)
    .replaceAll(`\\"${from.id}\\"`, `\\"${to.id}\\"`)
    .replace(new RegExp(`\\b${from.port}\\b`, "g"), String(to.port))
    .replace(new RegExp(`\\b${from.ip.replaceAll(".", "\\.")}\\b`, "g"), to.ip);
  for (const [a, b] of extra) out = out.replaceAll(a, b);
  return out;
}

/** Reference: the nat table lines of the template's CNI-DN chain and its jump, once per copy, one iptables-restore. */
function copyIptables(node, template, copies) {
  const save = inNs(node, ["iptables-save", "-t", "nat"]).split("\n");
  const jump = save.find((l) => l.startsWith("-A CNI-HOSTPORT-DNAT") && l.includes(`id: \\"${template.id}\\"`));
  const chain = jump && /-j (CNI-DN-[0-9a-f]+)/.exec(jump)?.[1];
  if (!chain) throw new Error(`reference: no CNI-HOSTPORT-DNAT jump for ${template.id} in iptables-save`);
  const own = save.filter((l) => l.startsWith(`-A ${chain} `));
  const lines = ["*nat"];
  const rules = [];
  for (const f of copies) {
    const name = `CNI-DN-${createHash("sha512").update(NET + f.id).digest("hex").slice(0, chain.length - 7)}`;
    lines.push(`:${name} - [0:0]`);
    for (const l of [...own, jump]) rules.push(substitute(l, template, f, [[chain, name]]));
  }
  lines.push(...rules, "COMMIT", "");
  withFile(lines.join("\n"), (file) => inNs(node, ["iptables-restore", "--noflush", file]));
}

/** tscni: every set/map element commented with the template's ID, once per copy, one nft batch. */
function copyNft(node, template, copies) {
  const listed = JSON.parse(inNs(node, ["nft", "-j", "list", "table", "ip", "cni_hostport"])).nftables;
  const ops = [];
  for (const item of listed) {
    const set = item.set ?? item.map;
    const mine = (set?.elem ?? []).filter((e) => JSON.stringify(e).includes(`"${template.id} `) || JSON.stringify(e).includes(`"${template.id}"`));
    if (!mine.length) continue;
    const text = JSON.stringify(mine);
    const elem = copies.flatMap((f) => JSON.parse(substitute(text, template, f)));
    ops.push({ add: { element: { family: set.family, table: set.table, name: set.name, elem } } });
  }
  if (!ops.length) throw new Error(`tscni: no nft elements commented ${template.id} in table ip cni_hostport`);
  withFile(JSON.stringify({ nftables: ops }), (file) => inNs(node, ["nft", "-j", "-f", file]));
}

// ---------------------------------------------------------------- part 1: host-port connection rate

/** One suite's node for N pods' mappings: returns the timing of its set-up. */
async function buildRateNode(lab, suite, pods, opt) {
  const node = lab.ns(`${suite.tag}${pods}`);
  const outside = lab.ns(`${suite.tag}${pods}o`);
  const pod = lab.ns(`${suite.tag}${pods}p`);
  const work = lab.tmp(`${suite.tag}${pods}`);
  inNs(node, ["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
  run("ip", ["-n", node, "link", "add", "dp-out0", "type", "veth", "peer", "name", "eth0", "netns", outside]);
  run("ip", ["-n", node, "addr", "add", `${NODE_IP}/24`, "dev", "dp-out0"]);
  run("ip", ["-n", node, "link", "set", "dp-out0", "up"]);
  run("ip", ["-n", outside, "addr", "add", `${OUTSIDE_IP}/24`, "dev", "eth0"]);
  run("ip", ["-n", outside, "link", "set", "eth0", "up"]);
  const t0 = performance.now();
  const fill = makeFiller(node, suite, opt.real);
  const before = Math.floor((pods - 1) / 2);
  fill.range(0, before);
  addPod(node, suite.dir, work, pod, "server", SERVER_HOST_PORT);
  fill.range(before, pods - 1);
  const setupS = (performance.now() - t0) / 1000;
  const held = countMappings(node, suite.name);
  if (held !== pods) throw new Error(`${suite.name}: the node holds ${held} host-port mappings, expected ${pods}`);
  await lab.start(pod, peer(opt, "server", SERVER_PORT));
  return { suite: suite.name, node, outside, pod, setupS, realAdds: fill.real, copied: fill.copied };
}

/** The node's host-port mappings: CNI-HOSTPORT-DNAT jumps (reference), tscni_hostports elements (tscni). */
function countMappings(node, suite) {
  if (suite === "reference") return inNs(node, ["iptables-save", "-t", "nat"]).split("\n").filter((l) => l.startsWith("-A CNI-HOSTPORT-DNAT ")).length;
  const listed = JSON.parse(inNs(node, ["nft", "-j", "list", "map", "ip", "cni_hostport", "tscni_hostports"])).nftables;
  return listed.find((i) => i.map)?.map.elem?.length ?? 0;
}

/** Adds fillers [from, to): the first `limit` by real portmap ADDs, the rest copied from filler 0. */
function makeFiller(node, suite, limit) {
  const state = { real: 0, copied: 0 };
  state.range = (from, to) => {
    const copies = [];
    for (let i = from; i < to; i++) {
      if (state.real < Math.max(1, limit)) {
        addFillerReal(node, suite.dir, filler(i));
        state.real++;
      } else copies.push(filler(i));
    }
    if (!copies.length) return;
    (suite.name === "reference" ? copyIptables : copyNft)(node, filler(0), copies);
    state.copied += copies.length;
  };
  return state;
}

/** argv of a TCP peer; with --nice N (negative: ahead of the machine's other work) under nice(1). */
function peer(opt, ...args) {
  return niced(opt, [process.execPath, PEER, ...args.map(String)]);
}

function connectRun(n, opt, seconds = opt.seconds) {
  const out = inNs(n.outside, peer(opt, "connect", NODE_IP, SERVER_HOST_PORT, seconds, opt.maxConnections ?? 1e9, opt.concurrency), { timeout: (seconds + 30) * 1000 });
  const r = JSON.parse(out.trim().split("\n").pop());
  if (r.connections === 0) throw new Error(`${n.suite}: no connection through host port ${SERVER_HOST_PORT} (${r.errors} errors)`);
  return r;
}

/** connectRun without blocking: both suites' clients can run at the same time. */
function connectRunAsync(n, opt) {
  const argv = ["nsenter", `--net=/run/netns/${n.outside}`, "--", ...peer(opt, "connect", NODE_IP, SERVER_HOST_PORT, opt.seconds, opt.maxConnections ?? 1e9, opt.concurrency)];
  return new Promise((res, rej) => {
    const p = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], timeout: (opt.seconds + 30) * 1000 });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("close", (code) => {
      if (code !== 0) return rej(new Error(`${n.suite}: client exited ${code}`));
      const r = JSON.parse(out.trim().split("\n").pop());
      if (r.connections === 0) return rej(new Error(`${n.suite}: no connection through host port ${SERVER_HOST_PORT} (${r.errors} errors)`));
      res(r);
    });
  });
}

/** One round: both suites' clients at the same time (default), or back to back in the given order. */
async function rateRound(nodes, order, opt) {
  if (!opt.sequential) return Promise.all(nodes.map((n) => connectRunAsync(n, opt)));
  const results = [];
  for (const [k, n] of order) results[k] = connectRun(n, opt);
  return results;
}

/**
 * `reps` rounds; medians per suite and the median of the rounds' tscni/reference ratios. By default both
 * clients run at once, each against its own node: they share the machine at the same moments, so the
 * machine's other load (often 20 on 2 cores here) cancels out of each round's ratio; back to back
 * (--sequential) the load moves between the two halves of a round and the ratios scatter 0.6-1.3.
 */
async function measureRate(nodes, opt) {
  const runs = nodes.map(() => []);
  const cpu = nodes.map(() => []);
  const errors = nodes.map(() => 0);
  const pairs = [];
  for (let r = 0; r < opt.reps; r++) {
    const order = r % 2 ? [...nodes.entries()].reverse() : [...nodes.entries()]; // neither suite always runs first
    const results = await rateRound(nodes, order, opt);
    for (const [k, res] of results.entries()) {
      runs[k].push(res.rate);
      cpu[k].push(res.cpuUsPerConnection);
      errors[k] += res.errors;
    }
    pairs.push(runs[0][r] / runs[1][r]);
  }
  const out = { pairRatios: pairs, ratio: median(pairs) };
  for (const [k, n] of nodes.entries()) {
    out[n.suite] = { rate: median(runs[k]), runs: runs[k], cpuUs: median(cpu[k]), cpuRuns: cpu[k], errors: errors[k], setupS: n.setupS, realAdds: n.realAdds, copied: n.copied };
  }
  out.cpuRatio = out.tscni.cpuUs / out.reference.cpuUs;
  return out;
}

async function benchRate(lab, suites, opt) {
  const rows = [];
  for (const pods of opt.pods) {
    const nodes = [];
    for (const s of suites) {
      const n = await buildRateNode(lab, s, pods, opt);
      log(`  dataplane: ${s.name} node with ${pods} pods' mappings in ${n.setupS.toFixed(1)} s (${n.realAdds} real portmap ADDs, ${n.copied} copied)`);
      nodes.push(n);
    }
    for (const n of nodes) connectRun(n, opt, Math.min(1, opt.seconds)); // warm-up, and a check the path works
    const row = { pods, ...(await measureRate(nodes, opt)), load: loadavg()[0] };
    log(`  dataplane: ${pods} pods: tscni ${row.tscni.rate.toFixed(0)} conn/s (${row.tscni.cpuUs.toFixed(0)} µs CPU/conn), reference ${row.reference.rate.toFixed(0)} conn/s (${row.reference.cpuUs.toFixed(0)} µs), ratio ${row.ratio.toFixed(2)}`);
    rows.push(row);
    lab.stopProcs();
    lab.dropNetns(nodes.flatMap((n) => [n.node, n.outside, n.pod]));
  }
  return rows;
}

// ---------------------------------------------------------------- part 2: tscni bridge vs hand-built

/** Two pods on a bridge made by tscni's bridge plugin (+ host-local). */
function buildTscniBridge(lab, dir) {
  const node = lab.ns("bt");
  const pods = [lab.ns("bta"), lab.ns("btb")];
  const work = lab.tmp("bt");
  const ips = pods.map((p, i) => addPod(node, dir, work, p, `pod${i}`, 0));
  return { name: "tscni", node, pods, ips, gateway: "10.97.0.1" };
}

/** One pod on a bridge made by the reference's bridge plugin: its link settings only, read against tscni's. */
function buildReferenceBridge(lab, dir) {
  const node = lab.ns("br");
  const pods = [lab.ns("bra")];
  const ips = [addPod(node, dir, lab.tmp("br"), pods[0], "pod0", 0)];
  return { name: "reference", node, pods, ips, gateway: "10.97.0.1" };
}

/** The same topology by hand: bridge with the gateway address, one veth per pod, address and default route. */
function buildHandBridge(lab, ref) {
  const node = lab.ns("bh");
  const pods = [lab.ns("bha"), lab.ns("bhb")];
  const mtu = ref.mtu;
  inNs(node, ["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
  run("ip", ["-n", node, "link", "add", "cni-dp0", "mtu", String(mtu), "type", "bridge"]);
  run("ip", ["-n", node, "addr", "add", "10.97.0.1/16", "dev", "cni-dp0"]);
  run("ip", ["-n", node, "link", "set", "cni-dp0", "up"]);
  pods.forEach((p, i) => {
    const host = `veth-h${i}`;
    run("ip", ["-n", node, "link", "add", host, "mtu", String(mtu), "type", "veth", "peer", "name", "eth0", "netns", p]);
    run("ip", ["-n", node, "link", "set", host, "master", "cni-dp0", "up"]);
    run("ip", ["-n", p, "addr", "add", `${ref.ips[i]}/16`, "dev", "eth0"]);
    run("ip", ["-n", p, "link", "set", "eth0", "up"]);
    run("ip", ["-n", p, "route", "add", "default", "via", "10.97.0.1"]);
  });
  return { name: "hand-built", node, pods, ips: ref.ips, gateway: "10.97.0.1" };
}

// `ip -j` leaves out txqlen when it is 0 (what both suites' veths get through netlink; ip(8) gives 1000)
const show = (v) => (v === undefined ? "0/unset" : JSON.stringify(v));
// identities, addresses, counters and timers: differ between any two topologies, say nothing of the data path
const VOLATILE = /(^|\.)(ifindex|ifname|address|broadcast|perm_address|link_index|link_netnsid|master|altnames|stats64?|[a-z_]*timer|[a-z_]*_id|id|no|port_id|port_no|designated_[a-z_]+|root_[a-z_]+|bridge_id|topology_change[a-z_]*|parentbus|parentdev|addr_info|operstate|flags|linkmode|promiscuity|allmulti|min_mtu|max_mtu|inet6_addr_gen_mode|addrgenmode|inet6_token)$/;
const ROLES = (topo) => [["bridge", topo.node, "cni-dp0"], ["hostVeth", topo.node, hostVethName(topo)], ["podEth0", topo.pods[0], "eth0"]];

function hostVethName(topo) {
  return JSON.parse(inNs(topo.node, ["ip", "-j", "link", "show", "type", "veth"]))[0].ifname;
}

/**
 * What shapes the data path, per role (the bridge, a pod's host veth, its eth0): every `ip -d link`
 * attribute but identities and timers (MTU, qdisc, txqlen, queues, GSO/GRO/TSO sizes, bridge and port
 * options), the offloads (ethtool -k, where installed), and the interface's IPv4/IPv6 sysctls; plus the
 * netns-wide forwarding sysctls.
 */
function linkSettings(topo) {
  const out = {};
  for (const [role, ns, ifname] of ROLES(topo)) {
    const link = JSON.parse(inNs(ns, ["ip", "-j", "-d", "link", "show", "dev", ifname]))[0];
    out[role] = { ...flatten(link), offloads: offloads(ns, ifname), ...interfaceSysctls(ns, ifname) };
  }
  out.node = interfaceSysctls(topo.node, "all");
  out.node["net.ipv4.ip_forward"] = sysctl(topo.node, "net.ipv4.ip_forward");
  return out;
}

function flatten(obj, prefix = "", out = {}) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (VOLATILE.test(key)) continue;
    if (v && typeof v === "object" && !Array.isArray(v)) flatten(v, key, out);
    else out[key] = v;
  }
  return out;
}

function sysctl(ns, key) {
  return inNs(ns, ["sysctl", "-n", key]).trim();
}

/** net.ipv4.conf.<if>.* and net.ipv6.conf.<if>.*, keyed with the name replaced by IF. */
function interfaceSysctls(ns, ifname) {
  const out = {};
  const r = spawnSync("nsenter", [`--net=/run/netns/${ns}`, "--", "sysctl", "-a", "-r", `^net\\.ipv[46]\\.conf\\.${ifname.replaceAll(".", "\\.")}\\.`], { encoding: "utf8", timeout: 30_000 });
  for (const line of (r.stdout ?? "").split("\n")) {
    const m = /^(\S+) = (.*)$/.exec(line);
    if (m && !/\.stable_secret$/.test(m[1])) out[m[1].replace(`.${ifname}.`, ".IF.")] = m[2];
  }
  return out;
}

function offloads(ns, ifname) {
  const r = spawnSync("nsenter", [`--net=/run/netns/${ns}`, "--", "ethtool", "-k", ifname], { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0) return undefined;
  return r.stdout.split("\n").filter((l) => /: (on|off)/.test(l)).map((l) => l.trim().replace(/ \[fixed\]$/, "")).join(", ");
}

function compareSettings(a, b, other) {
  const diffs = [];
  for (const where of Object.keys(a)) {
    const keys = new Set([...Object.keys(a[where] ?? {}), ...Object.keys(b[where] ?? {})]);
    for (const k of keys) {
      const [x, y] = [a[where]?.[k], b[where]?.[k]];
      if (JSON.stringify(x) !== JSON.stringify(y)) diffs.push(`${where} ${k}: tscni ${show(x)}, ${other} ${show(y)}`);
    }
  }
  return diffs;
}

const niced = (opt, argv) => (opt.nice ? ["nice", "-n", String(opt.nice), ...argv] : argv);

/** inNs without blocking: both topologies can be measured at the same time. */
function inNsAsync(ns, argv, timeout) {
  return new Promise((res, rej) => {
    const p = spawn("nsenter", [`--net=/run/netns/${ns}`, "--", ...argv], { stdio: ["ignore", "pipe", "pipe"], timeout });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("close", (code) => (code === 0 ? res(out) : rej(new Error(`${argv.join(" ")} in ${ns}: exit ${code}: ${err}${out.slice(0, 300)}`))));
  });
}

/**
 * Throughput from pod 0 to dst (iperf3, one TCP stream) in Gbit/s, and per CPU-second of the sender and
 * receiver (iperf3's own CPU use, which includes the softirq work charged to them): the second figure
 * moves much less with the machine's load than the first.
 */
async function iperf(topo, dst, opt) {
  const argv = ["iperf3", "-c", dst, "-t", String(opt.iperfSeconds), "-J", "--connect-timeout", "5000"];
  const end = JSON.parse(await inNsAsync(topo.pods[0], niced(opt, argv), (opt.iperfSeconds + 30) * 1000)).end;
  const gbps = end.sum_received.bits_per_second / 1e9;
  const cpu = (end.cpu_utilization_percent.host_total + end.cpu_utilization_percent.remote_total) / 100;
  return { throughput: gbps, "throughput per CPU-second": gbps / cpu };
}
/** Median ICMP echo round trip from pod 0 to dst in µs (the median of the packets, not ping's mean: one late wake-up skews a mean). */
async function ping(topo, dst, opt) {
  const out = await inNsAsync(topo.pods[0], niced(opt, ["ping", "-n", "-c", String(opt.pings), "-i", "0.002", "-W", "2", dst]), 60_000);
  const times = [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]) * 1000);
  if (!times.length) throw new Error(`ping ${dst}: ${out.slice(-300)}`);
  return { "ping RTT": median(times) };
}
/** Median one-byte TCP round trip from pod 0 to dst in µs. */
async function rr(topo, dst, opt) {
  const out = await inNsAsync(topo.pods[0], peer(opt, "rr", dst, 5202, opt.rrCount), 90_000);
  return { "TCP 1-byte round trip": JSON.parse(out.trim().split("\n").pop()).medianUs };
}

async function startPeers(lab, topo, opt) {
  for (const ns of [topo.node, topo.pods[1]]) {
    await lab.start(ns, niced(opt, ["iperf3", "-s", "-p", "5201", "--forceflush"]), "Server listening");
    await lab.start(ns, peer(opt, "rrserver", 5202));
  }
}

const UNITS = { throughput: "Gbit/s", "throughput per CPU-second": "Gbit", "ping RTT": "µs", "TCP 1-byte round trip": "µs" };

/**
 * One measurement on one path, `reps` rounds of tscni and hand-built measured at the same time (so the
 * machine's load hits both alike; --sequential: back to back, order alternating): a row per figure.
 */
async function compare(topos, path, dst, measure, opt) {
  const [t, h] = topos;
  const rounds = [];
  for (let r = 0; r < opt.reps; r++) {
    if (!opt.sequential) {
      const [a, b] = await Promise.all([measure(t, dst(t), opt), measure(h, dst(h), opt)]);
      rounds.push({ tscni: a, hand: b });
      continue;
    }
    const round = {};
    for (const topo of r % 2 ? [h, t] : [t, h]) round[topo === t ? "tscni" : "hand"] = await measure(topo, dst(topo), opt);
    rounds.push(round);
  }
  return Object.keys(rounds[0].tscni).map((metric) => {
    const samples = { tscni: rounds.map((x) => x.tscni[metric]), hand: rounds.map((x) => x.hand[metric]) };
    const pairs = rounds.map((x) => x.tscni[metric] / x.hand[metric]);
    const row = { path, metric, unit: UNITS[metric], tscni: median(samples.tscni), hand: median(samples.hand), samples, pairRatios: pairs, load: loadavg()[0] };
    row.ratio = median(pairs); // median of the rounds' ratios: the load cancels within a round
    row.within5 = Math.abs(row.ratio - 1) <= 0.05;
    log(`  dataplane: ${path} ${metric}: tscni ${row.tscni.toFixed(2)} ${row.unit}, hand-built ${row.hand.toFixed(2)} ${row.unit}, paired ratio ${row.ratio.toFixed(3)}`);
    return row;
  });
}

async function benchBridge(lab, opt) {
  const t = buildTscniBridge(lab, opt.tscni);
  const mtu = JSON.parse(inNs(t.node, ["ip", "-j", "link", "show", "cni-dp0"]))[0].mtu;
  const h = buildHandBridge(lab, { ips: t.ips, mtu });
  const ref = buildReferenceBridge(lab, opt.ref);
  const settings = { tscni: linkSettings(t), hand: linkSettings(h), reference: linkSettings(ref) };
  lab.dropNetns([ref.node, ...ref.pods]);
  const diffs = compareSettings(settings.tscni, settings.hand, "hand-built");
  const refDiffs = compareSettings(settings.tscni, settings.reference, "reference");
  for (const topo of [t, h]) await startPeers(lab, topo, opt);
  const paths = [["pod-to-pod", (topo) => topo.ips[1]], ["pod-to-node", (topo) => topo.gateway]];
  const rows = [];
  for (const [path, dst] of paths) for (const m of [iperf, ping, rr]) rows.push(...(await compare([t, h], path, dst, m, opt)));
  lab.stopProcs();
  lab.dropNetns([t.node, ...t.pods, h.node, ...h.pods]);
  return { mtu, rows, settings, settingsDiffer: diffs, settingsDifferFromReference: refDiffs };
}

// ---------------------------------------------------------------- entry

/** Runs both parts; always deletes what it made. */
export async function benchDataplane(options = {}) {
  const opt = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  const suites = [{ name: "tscni", tag: "t", dir: opt.tscni }, { name: "reference", tag: "r", dir: opt.ref }];
  const lab = new Lab();
  const onSignal = () => {
    lab.close();
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const loadStart = loadavg();
  const t0 = performance.now();
  try {
    const rate = await benchRate(lab, suites, opt);
    const bridge = await benchBridge(lab, opt);
    return { options: { pods: opt.pods, seconds: opt.seconds, reps: opt.reps, real: opt.real, concurrency: opt.concurrency, iperfSeconds: opt.iperfSeconds, pings: opt.pings, rrCount: opt.rrCount, nice: opt.nice, sequential: opt.sequential }, loadStart, loadEnd: loadavg(), seconds: Math.round((performance.now() - t0) / 1000), rate, bridge };
  } finally {
    lab.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const range = (xs) => `${f2(Math.min(...xs))}-${f2(Math.max(...xs))}`;
const load = (l) => l.map((x) => x.toFixed(1)).join(" / ");

/** What a known difference means, printed under the comparison when it shows up. */
const SETTING_NOTES = {
  txqlen: "txqlen: inert under the veths' noqueue qdisc (the reference's veths have 0 too).",
  "accept_ra": "accept_ra, accept_dad, arp_notify: set by the bridge plugins on purpose (both suites): no IPv6 router advertisements on the node's side, no DAD delay, a gratuitous ARP when the pod's link comes up.",
  keep_addr_on_down: "keep_addr_on_down: set by tscni as later reference releases do (the reference here, 1.1.1, does not): IPv6 addresses survive a link down; no effect on traffic.",
};

/** The markdown section bench.mjs prints and BENCHMARKS.md quotes. */
export function dataplaneTable(dp) {
  const out = ["", "### Data plane", ""];
  const nice = dp.options.nice ? `; clients and servers under nice ${dp.options.nice}` : "";
  out.push(`Load average (1/5/15 min) at the start ${load(dp.loadStart)}, at the end ${load(dp.loadEnd)}; ${dp.seconds} s; ${dp.options.reps} rounds per figure: medians, and the median of the rounds' ratios (paired)${nice}; ${dp.options.sequential ? "each round runs the two sides back to back, order alternating" : "each round measures the two sides at the same time, so the machine's other load hits both alike"}.`, "");
  const when = dp.options.sequential ? "the two suites' runs back to back" : "both suites' clients running at the same time, each against its own node (the machine's other load hits both alike)";
  out.push(`New TCP connections per second through a host port (client in an outside netns -> node address:${SERVER_HOST_PORT} -> DNAT to a pod), ${dp.options.seconds} s per run, ${dp.options.concurrency} connections in flight, ${when}:`, "");
  out.push("| pods' mappings on the node | tscni (nft maps) conn/s | reference (iptables chains) conn/s | tscni/ref (paired; range) | client CPU µs/conn tscni / reference | set-up tscni / reference (s; real ADDs + copied) | load |", "|---:|---:|---:|---:|---|---|---:|");
  for (const r of dp.rate) {
    const setup = (s) => `${f1(s.setupS)} (${s.realAdds}+${s.copied})`;
    out.push(`| ${r.pods} | ${r.tscni.rate.toFixed(0)} | ${r.reference.rate.toFixed(0)} | **${f2(r.ratio)}x** (${range(r.pairRatios)}) | ${r.tscni.cpuUs.toFixed(0)} / ${r.reference.cpuUs.toFixed(0)} | ${setup(r.tscni)} / ${setup(r.reference)} | ${f1(r.load)} |`);
  }
  out.push("", "(Client CPU per connection: user + system time of the client process, which also pays for the SYN's netfilter walk in its softirq; less sensitive to the machine's load than the rate.)");
  out.push("", `Pod traffic on a tscni bridge against the same topology built by hand with ip(8) (MTU ${dp.bridge.mtu}; iperf3 ${dp.options.iperfSeconds} s, ${dp.options.pings} pings, ${dp.options.rrCount} TCP round trips per run; latencies are medians of the packets):`, "");
  out.push("| path | metric | tscni | hand-built | tscni/hand (paired; range) | within 5% |", "|---|---|---:|---:|---:|---|");
  for (const r of dp.bridge.rows) out.push(`| ${r.path} | ${r.metric} (${r.unit}) | ${f2(r.tscni)} | ${f2(r.hand)} | ${r.ratio.toFixed(3)} (${range(r.pairRatios)}) | ${r.within5 ? "yes" : "no"} |`);
  const d = dp.bridge.settingsDiffer;
  const r = dp.bridge.settingsDifferFromReference;
  const n = Object.values(dp.bridge.settings.tscni).reduce((a, x) => a + Object.keys(x).length, 0);
  out.push("", `Kernel settings compared (${n}: every \`ip -d link\` attribute but identities and timers, i.e. MTU, qdisc, txqlen, queues, GSO/GRO/TSO sizes, bridge and port options; \`ethtool -k\` offloads; the interfaces' IPv4/IPv6 sysctls; forwarding) of the bridge, a pod's host veth, its eth0 and the node:`);
  out.push(`- against the hand-built topology: ${d.length ? d.join("; ") : "identical"};`);
  out.push(`- against the reference's bridge plugin: ${r.length ? r.join("; ") : "identical"}.`);
  const notes = Object.entries(SETTING_NOTES).filter(([k]) => [...d, ...r].some((x) => x.includes(k))).map(([, v]) => v);
  if (notes.length) out.push("", notes.join(" "));
  return out.join("\n");
}

function parseArgs(argv) {
  const a = {};
  for (let i = 0; i < argv.length; i++) if (argv[i].startsWith("--")) a[argv[i].slice(2)] = argv[++i];
  return a;
}
const num = (v) => (v === undefined ? undefined : Number(v));

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = parseArgs(process.argv.slice(2));
  benchDataplane({
    tscni: resolve(a.tscni ?? join(ROOT, "dist/bin")), ref: a.ref ?? "/usr/lib/cni",
    pods: a.pods?.split(",").map(Number), seconds: num(a.seconds), reps: num(a.reps), real: num(a.real), concurrency: num(a.concurrency),
    iperfSeconds: num(a["iperf-seconds"]), pings: num(a.pings), rrCount: num(a["rr-count"]), nice: num(a.nice), sequential: a.sequential === "1" || undefined,
  }).then((dp) => {
    if (a.out) writeFileSync(a.out, JSON.stringify(dp, null, 2));
    console.log(dataplaneTable(dp));
  }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
