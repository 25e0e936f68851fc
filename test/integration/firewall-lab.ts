// A lab for the firewall meta plugin's traffic tests: a private node netns (tscni-fwn-*) whose veth ext0
// (192.0.2.1/24) leads to an "outside host" netns (192.0.2.2/24, no route to any pod subnet); pods are
// attached with `tscni run` conflists (bridge + host-local with ipMasq, optionally portmap, firewall),
// from a plugin dir that is tscni's or tscni's with the reference firewall 1.1.1 swapped in.
// Every namespace is deleted by remove() (call it in afterAll). Needs root.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN_DIR, createNetns, expectOk, REF_DIR, runConflist, runConflistSync, tempDir, type TestNetns } from "./harness.ts";

export const NODE_EXT = "192.0.2.1";
export const OUTSIDE = "192.0.2.2";
type Json = Record<string, any>;

export interface Pod {
  ns: TestNetns;
  cid: string;
  ip: string;
  result: Json;
  conflist: string;
  pluginDir: string;
}

export interface NetSpec {
  name: string;
  bridge: string;
  subnet: string;
  portmap?: boolean;
  firewall?: Json | false;
  /** default 1.1.0 (GC); the reference 1.1.1 needs 1.0.0 or 0.4.0 */
  cniVersion?: string;
}

export class FirewallLab {
  readonly node: TestNetns;
  readonly outside: TestNetns;
  readonly dir = tempDir("fwlab");
  /** tscni only; tscni with the reference firewall. */
  readonly tscniDir = BIN_DIR;
  readonly referenceFirewallDir: string;
  private readonly pods = new Set<Pod>();
  private readonly servers = new Set<ChildProcess>();

  constructor(tag: string) {
    this.node = createNetns(`${tag}n`);
    this.outside = createNetns(`${tag}o`);
    this.node.exec("ip", ["link", "add", "ext0", "type", "veth", "peer", "name", "eth0", "netns", this.outside.name]);
    this.node.exec("ip", ["addr", "add", `${NODE_EXT}/24`, "dev", "ext0"]);
    this.node.exec("ip", ["link", "set", "ext0", "up"]);
    this.outside.exec("ip", ["addr", "add", `${OUTSIDE}/24`, "dev", "eth0"]);
    this.outside.exec("ip", ["link", "set", "eth0", "up"]);
    this.referenceFirewallDir = join(this.dir.path, "mixed");
    mkdirSync(this.referenceFirewallDir);
    for (const p of ["bridge", "host-local", "portmap"]) symlinkSync(join(BIN_DIR, p), join(this.referenceFirewallDir, p));
    symlinkSync(join(REF_DIR, "firewall"), join(this.referenceFirewallDir, "firewall"));
  }

  /** Writes a conflist and returns its path. */
  conflist(spec: NetSpec): string {
    const plugins: Json[] = [{
      type: "bridge", bridge: spec.bridge, isGateway: true, ipMasq: true, hairpinMode: true,
      ipam: { type: "host-local", dataDir: join(this.dir.path, "ipam"), ranges: [[{ subnet: spec.subnet }]], routes: [{ dst: "0.0.0.0/0" }] },
    }];
    if (spec.portmap) plugins.push({ type: "portmap", capabilities: { portMappings: true } });
    if (spec.firewall !== false) plugins.push({ type: "firewall", ...(spec.firewall ?? {}) });
    const path = join(this.dir.path, `${spec.name}-${Math.random().toString(16).slice(2, 8)}.conflist`);
    writeFileSync(path, JSON.stringify({ cniVersion: spec.cniVersion ?? "1.1.0", name: spec.name, plugins }));
    return path;
  }

  private run(verb: "add" | "del" | "check" | "gc", conflist: string, pluginDir: string, flags: string[], netns?: string) {
    return runConflistSync({ verb, conflist, netns, node: this.node, dir: pluginDir, flags: ["--cache-dir", join(this.dir.path, "cache"), ...flags] });
  }

  /** `args`: CNI_ARGS (`IgnoreUnknown=1;IP=...` to ask host-local for an address). */
  addPod(conflist: string, opts: { pluginDir?: string; capArgs?: Json; args?: string } = {}): Pod {
    const ns = createNetns("fwp");
    const cid = `c${ns.name.slice(-8)}`;
    const pluginDir = opts.pluginDir ?? this.tscniDir;
    const flags = ["--id", cid, ...(opts.capArgs ? ["--cap-args", JSON.stringify(opts.capArgs)] : []), ...(opts.args ? ["--args", opts.args] : [])];
    const out = this.run("add", conflist, pluginDir, flags, ns.path);
    if (out.code !== 0) {
      ns.delete();
      expectOk(out);
    }
    const result = out.json;
    const pod = { ns, cid, ip: String(result.ips[0].address).split("/")[0]!, result, conflist, pluginDir };
    this.pods.add(pod);
    return pod;
  }

  /** addPod without waiting: `tscni run add` spawned asynchronously (for parallel ADDs). */
  async addPodAsync(conflist: string): Promise<Pod> {
    const ns = createNetns("fwp");
    const cid = `c${ns.name.slice(-8)}`;
    const out = await runConflist({ verb: "add", conflist, netns: ns.path, node: this.node, dir: this.tscniDir, flags: ["--cache-dir", join(this.dir.path, "cache"), "--id", cid] });
    if (out.code !== 0) {
      ns.delete();
      expectOk(out);
    }
    const pod = { ns, cid, ip: String(out.json.ips[0].address).split("/")[0]!, result: out.json, conflist, pluginDir: this.tscniDir };
    this.pods.add(pod);
    return pod;
  }

  check(pod: Pod) {
    return this.run("check", pod.conflist, pod.pluginDir, ["--id", pod.cid], pod.ns.path);
  }

  delPod(pod: Pod): void {
    try {
      expectOk(this.run("del", pod.conflist, pod.pluginDir, ["--id", pod.cid], pod.ns.path));
    } finally {
      pod.ns.delete();
      this.pods.delete(pod);
    }
  }

  gc(conflist: string, valid: Pod[]) {
    return this.run("gc", conflist, this.tscniDir, ["--valid", valid.map((p) => p.cid).join(",")]);
  }

  /** One ICMP echo (two tries: a loaded machine may lose one); true when answered. */
  ping(from: TestNetns, to: string): boolean {
    for (let i = 0; i < 2; i++) {
      if (spawnSync("ip", ["netns", "exec", from.name, "ping", "-c1", "-W2", to]).status === 0) return true;
    }
    return false;
  }

  /** Starts a TCP server on port 80 of the pod answering its name; resolves once it listens. */
  serve(pod: Pod): Promise<void> {
    const code = "import socket\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('0.0.0.0',80));s.listen(16);print('ready',flush=True)\nwhile True:\n c,a=s.accept();c.sendall(b'hello');c.close()";
    const child = spawn("ip", ["netns", "exec", pod.ns.name, "python3", "-c", code], { stdio: ["ignore", "pipe", "inherit"] });
    this.servers.add(child);
    return new Promise((ok, fail) => {
      const t = setTimeout(() => fail(new Error("server did not start")), 30_000);
      child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && (clearTimeout(t), ok()));
      child.on("error", (e) => (clearTimeout(t), fail(e)));
    });
  }

  /** A TCP connect from `from` to host:port; the first bytes answered, or "ERR <why>". */
  connect(from: TestNetns, host: string, port: number): string {
    const code = "import socket,sys\ntry:\n s=socket.create_connection((sys.argv[1],int(sys.argv[2])),timeout=2);print(s.recv(16).decode())\nexcept Exception as e:\n print('ERR '+type(e).__name__)";
    return spawnSync("ip", ["netns", "exec", from.name, "python3", "-c", code, host, String(port)], { encoding: "utf8", timeout: 10_000 }).stdout.trim();
  }

  iptablesSave(binary = "iptables-save"): string {
    return this.node.exec(binary, ["-t", "filter"], { allowFail: true });
  }

  remove(): void {
    for (const s of this.servers) if (s.pid !== undefined && s.exitCode === null) process.kill(s.pid, "SIGKILL");
    for (const p of this.pods) p.ns.delete();
    this.node.delete();
    this.outside.delete();
    this.dir.remove();
  }
}
