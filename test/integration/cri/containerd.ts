// A private containerd 1.6 for the end-to-end tests: own root, state, socket and config under a temp
// dir, running inside a private node netns (nsenter --net) and a private mount namespace in which
// /etc/cni/net.d, /opt/cni/bin and /var/lib/cni are bind mounts of test dirs (ctr has no flags for
// them; libcni's cache cannot be moved through config) and /run is a tmpfs (shim sockets, runc
// state). Cgroups go under one /tscni-e2e-<random> parent. stop() ends every process it started,
// by PID: the pods' processes, the shims (found by our socket path in their command line) and
// containerd, then removes the cgroups, the node netns and the temp dir.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createNetns, ROOT, tempDir, type TestNetns } from "../harness.ts";

export const PAUSE_IMAGE = "tscni.local/pause:1";

function config(t: string): string {
  return `version = 2
root = "${t}/root"
state = "${t}/state"
[grpc]
  address = "${t}/containerd.sock"
[ttrpc]
  address = "${t}/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  restrict_oom_score_adj = true
  disable_apparmor = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/opt/cni/bin"
    conf_dir = "/etc/cni/net.d"
    max_conf_num = 1
`;
}

/** The private mount namespace's setup, then containerd (exec: it keeps the PID we spawned). */
function inner(t: string): string {
  return `set -e
mount -t overlay overlay -o lowerdir=/etc,upperdir=${t}/ov/etc-up,workdir=${t}/ov/etc-work /etc
mkdir -p /etc/cni/net.d && mount --bind ${t}/cni-conf /etc/cni/net.d
mount -t tmpfs tmpfs /opt && mkdir -p /opt/cni/bin && mount --bind ${t}/cni-bin /opt/cni/bin
mount -t overlay overlay -o lowerdir=/var/lib,upperdir=${t}/ov/vl-up,workdir=${t}/ov/vl-work /var/lib
mkdir -p /var/lib/cni && mount --bind ${t}/cni-cache /var/lib/cni
mount -t tmpfs tmpfs /run
exec containerd --config ${t}/config.toml
`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PrivateContainerd {
  readonly node: TestNetns;
  readonly dir: { path: string; remove(): void };
  readonly cgroupParent = `/tscni-e2e-${randomBytes(4).toString("hex")}`;
  private proc?: ChildProcess;

  constructor() {
    this.node = createNetns("ctd");
    this.dir = tempDir("ctd");
  }

  get t(): string {
    return this.dir.path;
  }
  get socket(): string {
    return join(this.t, "containerd.sock");
  }
  get pid(): number {
    return this.proc?.pid ?? 0;
  }
  /** libcni's result cache as containerd and ctr see it (/var/lib/cni/results) */
  get resultsDir(): string {
    return join(this.t, "cni-cache", "results");
  }

  /** Installs the plugins of binDir and the conflist, then starts containerd and imports the image. */
  async start(binDir: string, conflist: object): Promise<void> {
    for (const d of ["root", "state", "ov/etc-up", "ov/etc-work", "ov/vl-up", "ov/vl-work", "cni-bin", "cni-conf", "cni-cache"]) {
      mkdirSync(join(this.t, d), { recursive: true });
    }
    this.installPlugins(binDir);
    writeFileSync(join(this.t, "cni-conf", "10-tscni.conflist"), JSON.stringify(conflist));
    writeFileSync(join(this.t, "config.toml"), config(this.t));
    writeFileSync(join(this.t, "inner.sh"), inner(this.t));
    const log = join(this.t, "containerd.log");
    this.proc = spawn("sh", ["-c", `exec nsenter --net=${this.node.path} -- unshare --mount --propagation private -- sh ${this.t}/inner.sh >${log} 2>&1`], { stdio: "ignore" });
    for (let i = 0; i < 100 && !existsSync(this.socket); i++) await sleep(100);
    if (!existsSync(this.socket)) throw new Error(`containerd did not start: ${readFileSync(log, "utf8").slice(-2000)}`);
    const image = join(this.t, "pause.tar");
    spawnOk("bash", [join(ROOT, "scripts/oci-image"), image, PAUSE_IMAGE]);
    for (const ns of ["k8s.io", "default"]) this.ctr(["-n", ns, "images", "import", image]);
  }

  /** Replaces the plugin dir's content (the bind mount's source): the next CNI call uses them. */
  installPlugins(binDir: string): void {
    const dst = join(this.t, "cni-bin");
    for (const f of readdirSync(dst)) rmSync(join(dst, f), { force: true });
    cpSync(binDir, dst, { recursive: true, dereference: true });
  }

  /** argv prefix running a command in containerd's mount and network namespaces */
  inside(cmd: string, args: string[]): [string, string[]] {
    return ["nsenter", [`--mount=/proc/${this.pid}/ns/mnt`, `--net=/proc/${this.pid}/ns/net`, "--", cmd, ...args]];
  }

  ctr(args: string[]): string {
    const [cmd, argv] = this.inside("ctr", ["--address", this.socket, ...args]);
    return spawnOk(cmd, argv);
  }

  /** ctr run --rm --cni in the background: ctr tears the network down once the task has died. */
  ctrRun(name: string): ChildProcess {
    const [cmd, argv] = this.inside("ctr", ["--address", this.socket, "-n", "default", "run", "--rm", "--cni", "--cgroup", `${this.cgroupParent}/${name}`, PAUSE_IMAGE, name]);
    return spawn(cmd, argv, { stdio: "ignore" });
  }

  async stop(): Promise<void> {
    const shims = processes().filter((p) => p.cmdline.includes(this.socket) && p.pid !== this.pid);
    const children = processes().filter((p) => shims.some((s) => p.ppid === s.pid));
    for (const p of children) kill(p.pid);
    for (const p of shims) kill(p.pid);
    if (this.pid) {
      kill(this.pid, "SIGTERM");
      for (let i = 0; i < 50 && alive(this.pid); i++) await sleep(100);
      kill(this.pid);
    }
    for (let i = 0; i < 50 && [...shims, ...children].some((p) => alive(p.pid)); i++) await sleep(100);
    removeCgroups(this.cgroupParent);
    this.node.delete();
    this.dir.remove();
  }
}

function spawnOk(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

interface Proc {
  pid: number;
  ppid: number;
  cmdline: string;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      out.push({ pid: Number(name), ppid, cmdline: readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ") });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function kill(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** rmdir, deepest first, every cgroup under parent in every hierarchy (runc removes them normally). */
function removeCgroups(parent: string): void {
  for (const hierarchy of readdirSync("/sys/fs/cgroup")) {
    const top = join("/sys/fs/cgroup", hierarchy, parent);
    if (existsSync(top)) rmdirDeep(top);
  }
}

function rmdirDeep(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rmdirDeep(join(dir, e.name));
  try {
    rmdirSync(dir);
  } catch {
    // a process still in it: nothing more to do by name
  }
}
