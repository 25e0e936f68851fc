// Podman end to end: Debian's podman 4.3 with its CNI backend drives tscni as the ONLY plugin dir.
// Private everything: containers.conf (cni backend, runc, cgroupfs, file events), storage/runroot/tmpdir
// in a temp dir with --storage-driver vfs, every podman command inside a private node netns (lab:
// firewall-lab.ts, with an outside host beyond the node). The image is built at test time from
// busybox-static (podman import of a rootfs tar; nothing committed). `podman network create` writes
// the conflist (0.4.0: bridge+host-local, portmap, firewall, tuning) and it runs unchanged, with the
// node's iptables FORWARD policy at DROP. Global paths podman/libcni write anyway, checked and cleaned:
// /var/lib/cni/results (libcni cache) and /var/lib/cni/networks/<network> (host-local; unique name).
// TSCNI_E2E_BIN=DIR runs it against another build. Needs root and podman (scripts/setup installs it).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN_DIR, deleteAllNetns } from "./harness.ts";
import { FirewallLab, NODE_EXT, OUTSIDE } from "./firewall-lab.ts";

const PODMAN = "/usr/bin/podman";
const canRun = process.getuid?.() === 0 && existsSync(PODMAN) && existsSync("/bin/busybox") && existsSync(join(BIN_DIR, "firewall"));
if (!canRun) console.warn("podman e2e skipped: needs root, podman (scripts/setup), busybox-static and the build");
const PLUGIN_DIR = process.env.TSCNI_E2E_BIN ?? BIN_DIR;
const T = 240_000;
const NET = `tscnipm${randomBytes(3).toString("hex")}`;
const BWNET = `${NET}bw`;
const SUBNET = "10.89.77";
const CNI_VAR = "/var/lib/cni";
type Json = Record<string, any>;

let lab: FirewallLab;
let dir: string;

function podman(args: string[], allowFail = false): string {
  const global = ["--root", `${dir}/root`, "--runroot", `${dir}/runroot`, "--tmpdir", `${dir}/tmp`, "--storage-driver", "vfs"];
  const r = spawnSync("nsenter", [`--net=${lab.node.path}`, "env", `CONTAINERS_CONF=${dir}/containers.conf`, PODMAN, ...global, ...args], {
    encoding: "utf8", timeout: 180_000, input: "",
  });
  if (r.status !== 0 && !allowFail) throw new Error(`podman ${args.join(" ")} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

interface Ctr {
  name: string;
  id: string;
  ip: string;
  mac: string;
  gateway: string;
  netns: string;
}

function inspect(name: string, net = NET): Ctr {
  const j = JSON.parse(podman(["inspect", name]))[0] as Json;
  const n = j.NetworkSettings.Networks[net];
  return { name, id: j.Id, ip: n.IPAddress, mac: n.MacAddress, gateway: n.Gateway, netns: j.NetworkSettings.SandboxKey };
}

/** A command in a container's netns, with the node's binaries (busybox's wget segfaults). */
function inNetns(netns: string, cmd: string[]): { ok: boolean; out: string } {
  const r = spawnSync("nsenter", [`--net=${netns}`, ...cmd], { encoding: "utf8", timeout: 30_000 });
  return { ok: r.status === 0, out: r.stdout };
}

function ping(netns: string, to: string): boolean {
  for (let i = 0; i < 2; i++) if (inNetns(netns, ["ping", "-c1", "-W2", to]).ok) return true;
  return false;
}

/** HTTP GET from a netns; the body or "ERR <why>". */
function get(netns: string, host: string, port: number): string {
  const code = "import urllib.request,sys\ntry:\n print(urllib.request.urlopen('http://%s:%s/' % (sys.argv[1], sys.argv[2]), timeout=3).read().decode().strip())\nexcept Exception as e:\n print('ERR '+type(e).__name__)";
  return inNetns(netns, ["python3", "-c", code, host, String(port)]).out.trim();
}

function buildImage(): void {
  const rootfs = join(dir, "rootfs");
  for (const d of ["bin", "www", "tmp", "proc", "sys", "dev", "etc"]) mkdirSync(join(rootfs, d), { recursive: true });
  writeFileSync(join(rootfs, "bin/busybox"), readFileSync("/bin/busybox"), { mode: 0o755 });
  for (const a of ["sh", "sleep", "httpd", "ping", "ip"]) symlinkSync("busybox", join(rootfs, "bin", a));
  writeFileSync(join(rootfs, "www/index.html"), "hello\n");
  const tar = spawnSync("tar", ["-C", rootfs, "-cf", join(dir, "rootfs.tar"), "."]);
  expect(tar.status).toBe(0);
  podman(["import", join(dir, "rootfs.tar"), "localhost/tscni-bb"]);
}

function writeConf(): void {
  writeFileSync(join(dir, "containers.conf"), `[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[network]
network_backend = "cni"
cni_plugin_dirs = ["${PLUGIN_DIR}"]
network_config_dir = "${dir}/net.d"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${dir}/events.log"
`);
}

const hostVeths = (): string[] => (lab.node.ipJson(["link", "show", "type", "veth"]) as Json[]).map((l) => l.ifname).filter((n: string) => n !== "ext0");
const ipFiles = (net: string): string[] => (existsSync(join(CNI_VAR, "networks", net)) ? readdirSync(join(CNI_VAR, "networks", net)).filter((f) => /^\d/.test(f)) : []);
const cacheEntries = (id: string): string[] => (existsSync(join(CNI_VAR, "results")) ? readdirSync(join(CNI_VAR, "results")).filter((f) => f.includes(id)) : []);

/** Every firewall trace of an address or container: nft rules/elements and iptables lines. */
function firewallTraces(ip: string, id: string): string[] {
  const nft = lab.node.exec("nft", ["list", "ruleset"]).split("\n").filter((l) => l.includes(`${ip} `) || l.includes(`${ip},`) || l.includes(id));
  const ipt = lab.iptablesSave().split("\n").filter((l) => l.includes(`${ip}/`) || l.includes(id));
  return [...nft, ...ipt].map((l) => l.trim());
}

describe.skipIf(!canRun)("podman 4.3 (CNI backend) on tscni alone", () => {
  beforeAll(() => {
    lab = new FirewallLab("pm");
    dir = join(lab.dir.path, "podman");
    mkdirSync(join(dir, "net.d"), { recursive: true });
    writeConf();
    buildImage();
    lab.node.exec("iptables", ["-P", "FORWARD", "DROP"]); // Docker's policy: the firewall plugin must open the way
  }, T);

  afterAll(() => {
    if (!lab) return;
    podman(["rm", "-af", "-t", "0"], true);
    podman(["network", "rm", "-f", NET, BWNET], true);
    for (const n of [NET, BWNET]) {
      rmSync(join(CNI_VAR, "networks", n), { recursive: true, force: true });
      rmSync(join(CNI_VAR, "networks", ".tscni-host-local", n), { recursive: true, force: true }); // tscni's store index
    }
    try {
      rmdirSync(join(CNI_VAR, "networks", ".tscni-host-local")); // only if no other network's index is left
    } catch {
      /* not empty or absent */
    }
    if (existsSync(join(CNI_VAR, "results"))) {
      for (const f of readdirSync(join(CNI_VAR, "results"))) if (f.startsWith(`${NET}-`) || f.startsWith(`${BWNET}-`)) rmSync(join(CNI_VAR, "results", f), { force: true });
    }
    lab.remove();
    deleteAllNetns();
  }, T);

  it("network create: podman writes bridge+host-local, portmap, firewall, tuning at 0.4.0; runs unchanged", () => {
    podman(["network", "create", "--subnet", `${SUBNET}.0/24`, NET]);
    const conf = JSON.parse(readFileSync(join(dir, "net.d", `${NET}.conflist`), "utf8"));
    expect(conf.cniVersion).toBe("0.4.0");
    expect(conf.plugins.map((p: Json) => p.type)).toEqual(["bridge", "portmap", "firewall", "tuning"]);
    expect(conf.plugins[2]).toEqual({ type: "firewall", backend: "" });
    expect(podman(["network", "ls", "--format", "{{.Name}}"]).split("\n")).toContain(NET);
  }, T);

  it("run: distinct IPs, MAC as reported, ping between containers, to the gateway and beyond the node (FORWARD DROP)", () => {
    podman(["run", "-d", "--name", "web", "--network", NET, "-p", "8080:80", "localhost/tscni-bb", "httpd", "-f", "-p", "80", "-h", "/www"]);
    podman(["run", "-d", "--name", "cli", "--network", NET, "localhost/tscni-bb", "sleep", "100000"]);
    const web = inspect("web");
    const cli = inspect("cli");
    expect(web.ip).not.toBe(cli.ip);
    for (const c of [web, cli]) {
      const eth0 = (JSON.parse(inNetns(c.netns, ["ip", "-j", "addr", "show", "eth0"]).out) as Json[])[0]!;
      expect(eth0.address).toBe(c.mac);
      expect(eth0.addr_info.map((a: Json) => a.local)).toContain(c.ip);
    }
    expect(web.gateway).toBe(`${SUBNET}.1`);
    expect(ping(cli.netns, web.ip)).toBe(true);
    expect(ping(cli.netns, cli.gateway)).toBe(true);
    expect(ping(cli.netns, OUTSIDE)).toBe(true);
    expect(lab.iptablesSave()).toContain(`-A CNI-FORWARD -s ${cli.ip}/32 -m comment --comment "tscni-fw ${cli.id} net:`);
  }, T);

  it("-p 8080:80: from the node (127.0.0.1, bridge IP), from the other container, hairpin, and from a host beyond the node", () => {
    const web = inspect("web");
    const cli = inspect("cli");
    expect(get(lab.node.path, "127.0.0.1", 8080)).toBe("hello");
    expect(get(lab.node.path, web.gateway, 8080)).toBe("hello");
    expect(get(cli.netns, web.gateway, 8080)).toBe("hello");
    expect(get(web.netns, web.gateway, 8080)).toBe("hello"); // hairpin: back to itself through the host port
    expect(get(lab.outside.path, NODE_EXT, 8080)).toBe("hello"); // DNAT'ed through FORWARD DROP
  }, T);

  it("network reload keeps IP and MAC (and the container stays reachable)", () => {
    const before = inspect("web");
    podman(["network", "reload", "web"]);
    const after = inspect("web");
    expect([after.ip, after.mac]).toEqual([before.ip, before.mac]);
    expect(ping(lab.node.path, after.ip)).toBe(true);
    expect(get(lab.outside.path, NODE_EXT, 8080)).toBe("hello");
  }, T);

  it("stop/start: the stop releases everything of the attachment, the start attaches again", () => {
    const before = inspect("cli");
    podman(["stop", "-t", "0", "cli"]);
    expect(cacheEntries(before.id)).toEqual([]);
    expect(ipFiles(NET)).not.toContain(before.ip);
    expect(firewallTraces(before.ip, before.id)).toEqual([]);
    podman(["start", "cli"]);
    const after = inspect("cli");
    expect(ipFiles(NET)).toContain(after.ip);
    expect(ping(after.netns, OUTSIDE)).toBe(true);
    expect(ping(lab.node.path, after.ip)).toBe(true);
  }, T);

  it("rm: no veth, IP file, result-cache entry or firewall rule (nft and iptables) is left", () => {
    const ctrs = [inspect("web"), inspect("cli")];
    podman(["rm", "-f", "-t", "0", "web", "cli"]);
    expect(hostVeths()).toEqual([]);
    expect(ipFiles(NET)).toEqual([]);
    for (const c of ctrs) {
      expect(cacheEntries(c.id)).toEqual([]);
      expect(firewallTraces(c.ip, c.id)).toEqual([]);
    }
    expect(get(lab.node.path, "127.0.0.1", 8080)).toMatch(/^ERR/);
  }, T);

  it("a conflist with bandwidth (static rates): tbf on the host veth and its ifb; rm removes both", () => {
    const conf = JSON.parse(readFileSync(join(dir, "net.d", `${NET}.conflist`), "utf8"));
    conf.name = BWNET;
    conf.plugins[0].bridge = "cni-podman9";
    conf.plugins[0].ipam.ranges = [[{ subnet: "10.89.78.0/24", gateway: "10.89.78.1" }]];
    conf.plugins.push({ type: "bandwidth", ingressRate: 8_000_000, ingressBurst: 100_000, egressRate: 4_000_000, egressBurst: 100_000 });
    writeFileSync(join(dir, "net.d", `${BWNET}.conflist`), JSON.stringify(conf));
    podman(["run", "-d", "--name", "bw", "--network", BWNET, "localhost/tscni-bb", "sleep", "100000"]);
    const bw = inspect("bw", BWNET);
    const qdiscs = (lab.node.ipJson(["link"]) as Json[]).map((l) => l.ifname as string);
    const tbf = qdiscs.filter((dev) => lab.node.exec("tc", ["qdisc", "show", "dev", dev]).includes("tbf"));
    expect(tbf).toHaveLength(2); // the host veth (ingress rate) and the ifb (egress rate)
    expect(ping(bw.netns, OUTSIDE)).toBe(true);
    podman(["rm", "-f", "-t", "0", "bw"]);
    expect(hostVeths()).toEqual([]);
    expect(lab.node.ipJson(["link", "show", "type", "ifb"])).toEqual([]);
    expect(firewallTraces(bw.ip, bw.id)).toEqual([]);
  }, T);
});
