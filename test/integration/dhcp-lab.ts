// A DHCP lab for the dhcp IPAM tests: a private node netns with a bridge (cni0, 10.66.0.1/24) served by
// a real dnsmasq (Debian dnsmasq-base), our `dhcp daemon`, and pods attached through the bridge plugin.
// Every process started here is killed by PID in teardown; every netns is deleted.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BIN_DIR, createNetns, runPlugin, tempDir, type PluginOutcome, type TestNetns } from "./harness.ts";

export const hasDnsmasq = existsSync("/usr/sbin/dnsmasq");

interface Proc {
  child: ChildProcess;
  log: string;
  exited: Promise<number | null>;
}

function start(cmd: string, args: string[]): Proc {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  const p: Proc = { child, log: "", exited: new Promise((r) => child.on("exit", (code) => r(code))) };
  child.stdout!.setEncoding("utf8").on("data", (d) => (p.log += d));
  child.stderr!.setEncoding("utf8").on("data", (d) => (p.log += d));
  return p;
}

async function stop(p: Proc | undefined, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal); // by PID (the nsenter process execs the program: same PID)
  await p.exited;
}

export async function until(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const DNSMASQ_DEFAULTS = [
  "--dhcp-range=10.66.0.10,10.66.0.250,255.255.255.0,2m",
  "--dhcp-option=option:router,10.66.0.1",
  "--dhcp-option=option:dns-server,10.66.0.53,10.66.0.54",
  "--dhcp-option=option:domain-name,pods.test",
  "--dhcp-option=option:domain-search,pods.test,example.test",
];

export class DhcpLab {
  readonly node: TestNetns;
  readonly dir = tempDir("dhcp");
  dnsmasq: Proc | undefined;
  daemon: Proc | undefined;
  readonly pods: TestNetns[] = [];

  constructor() {
    this.node = createNetns("dhn");
    // a fixed MAC: a bridge with a random one takes the lowest MAC of its ports and changes it when a
    // pod's veth leaves, which would make the pods' ARP entries for the server stale
    this.node.exec("ip", ["link", "add", "cni0", "address", "02:66:00:00:00:01", "type", "bridge"]);
    this.node.exec("ip", ["addr", "add", "10.66.0.1/24", "dev", "cni0"]);
    this.node.exec("ip", ["link", "set", "cni0", "up"]);
  }

  get socket(): string {
    return join(this.dir.path, "dhcp.sock");
  }
  get stateDir(): string {
    return join(this.dir.path, "state");
  }
  get leaseFile(): string {
    return join(this.dir.path, "dnsmasq.leases");
  }

  /** dnsmasq on cni0, authoritative, no ping check (a pod answers no ping before it has its address). */
  startDnsmasq(extra: string[] = DNSMASQ_DEFAULTS): void {
    this.dnsmasq = start("nsenter", [
      `--net=${this.node.path}`, "--", "/usr/sbin/dnsmasq", "--conf-file=/dev/null", "--no-daemon", "--port=0", "--user=root",
      "--interface=cni0", "--bind-interfaces", "--dhcp-authoritative", "--no-ping", "--log-dhcp",
      `--dhcp-leasefile=${this.leaseFile}`, ...extra,
    ]);
  }

  async stopDnsmasq(): Promise<void> {
    await stop(this.dnsmasq);
    this.dnsmasq = undefined;
  }

  /** Starts `dhcp daemon` (in the node netns) and waits until its socket answers. */
  async startDaemon(flags: string[] = []): Promise<Proc> {
    const p = start("nsenter", [`--net=${this.node.path}`, "--", join(BIN_DIR, "dhcp"), "daemon", "-socketpath", this.socket, "-statedir", this.stateDir, ...flags]);
    this.daemon = p;
    await until("daemon listening", () => p.log.includes("listening on") || p.child.exitCode !== null);
    return p;
  }

  /**
   * `dhcp daemon` started the way systemd's socket activation starts it: the listening socket (0600,
   * created by the "manager") is fd 3, LISTEN_FDS=1, LISTEN_PID = the daemon's own PID. python3 plays
   * the manager: it binds and listens, then execs the daemon in the same process (so the PID matches).
   */
  async startActivatedDaemon(): Promise<Proc> {
    const manager = [
      "import os, socket, sys",
      "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
      "os.umask(0o177); s.bind(sys.argv[1]); s.listen(64)",
      "os.dup2(s.fileno(), 3); os.set_inheritable(3, True)",
      "os.environ['LISTEN_FDS'] = '1'; os.environ['LISTEN_PID'] = str(os.getpid())",
      "os.execv(sys.argv[2], sys.argv[2:])",
    ].join("\n");
    const p = start("nsenter", [`--net=${this.node.path}`, "--", "python3", "-c", manager, this.socket, join(BIN_DIR, "dhcp"), "daemon", "-socketpath", this.socket, "-statedir", this.stateDir]); // -socketpath: were the fd ignored, the fallback stays in the test dir
    this.daemon = p;
    await until("activated daemon serving", () => p.log.includes("listening on") || p.child.exitCode !== null);
    return p;
  }

  /** A veth pair whose peer end is a port of cni0: `name` is a master for macvlan/ipvlan pods on the server's L2. */
  addMaster(name: string): void {
    this.node.exec("ip", ["link", "add", name, "type", "veth", "peer", "name", `${name}p`]);
    this.node.exec("ip", ["link", "set", `${name}p`, "master", "cni0", "up"]);
    this.node.exec("ip", ["link", "set", name, "up"]);
  }

  async stopDaemon(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    await stop(this.daemon, signal);
  }

  /** dnsmasq's lease file: one line per lease (expiry, MAC, IP, hostname, client ID). */
  serverLeases(): string[] {
    return existsSync(this.leaseFile) ? readFileSync(this.leaseFile, "utf8").split("\n").filter(Boolean) : [];
  }

  conf(ipam: Record<string, unknown> = {}): Record<string, unknown> {
    return { cniVersion: "1.0.0", name: "dnet", type: "bridge", bridge: "cni0", ipam: { type: "dhcp", daemonSocketPath: this.socket, ...ipam } };
  }

  newPod(): TestNetns {
    const ns = createNetns("dhp");
    this.pods.push(ns);
    return ns;
  }

  run(command: string, pod: TestNetns | undefined, id: string, opts: { conf?: unknown; plugin?: string; cniArgs?: string; env?: Record<string, string | undefined> } = {}): Promise<PluginOutcome> {
    return runPlugin({
      plugin: opts.plugin ?? "bridge",
      command,
      config: opts.conf ?? this.conf(),
      containerId: id,
      netns: pod?.path ?? "",
      node: this.node,
      cniArgs: opts.cniArgs,
      env: opts.env,
    });
  }

  async teardown(): Promise<void> {
    await stop(this.daemon, "SIGKILL");
    await stop(this.dnsmasq, "SIGKILL");
    for (const p of this.pods) p.delete();
    this.node.delete();
    this.dir.remove();
  }
}

/** The IPv4 addresses on a pod's eth0, as address/prefix. */
export function podAddrs(pod: TestNetns): string[] {
  return pod.ipJson<any[]>(["-4", "addr", "show", "dev", "eth0"]).flatMap((l) => l.addr_info.map((a: any) => `${a.local}/${a.prefixlen}`));
}

/** The client ID dnsmasq writes in its lease file: type byte 0 then the text, as colon hex. */
export function clientIdHex(id: string): string {
  return ["00", ...Buffer.from(id).toString("hex").match(/../g)!].join(":");
}
