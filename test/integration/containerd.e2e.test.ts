// containerd 1.6 end to end, the two paths real nodes take: `ctr run --cni` (go-cni; DEL after the
// task died, with an empty CNI_NETNS) and the CRI plugin kubelet drives (RunPodSandbox with a port
// mapping and the Kubernetes bandwidth annotations, ten pods in parallel; StopPodSandbox DELs with
// the netns, RemovePodSandbox again without). containerd runs privately (cri/containerd.ts) on a node
// netns; the image is built at test time from busybox-static. Needs root, containerd and runc.
// TSCNI_E2E_BIN overrides the plugin dir (default dist/bin), e.g. to show a broken build fails.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CriClient, type SandboxConfig } from "./cri/client.ts";
import { PrivateContainerd } from "./cri/containerd.ts";
import { BIN_DIR, deleteAllNetns, hasReference, REF_DIR } from "./harness.ts";

const BIN = process.env.TSCNI_E2E_BIN ?? BIN_DIR;
const which = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const ready = process.getuid?.() === 0 && ["containerd", "ctr", "runc", "busybox"].every(which) && existsSync(join(BIN, "bridge"));
const NET = "ctdnet";
const SUBNET = "10.89.0";
const GATEWAY = `${SUBNET}.1`;
const PODS = 10;
const CONTAINER_PORT = 8080;
const hostPort = (i: number) => 21000 + i;

function conflist(ipamDir: string) {
  return {
    cniVersion: "1.0.0",
    name: NET,
    plugins: [
      { type: "bridge", bridge: "tscni-ctd0", isGateway: true, ipMasq: true, hairpinMode: true,
        ipam: { type: "host-local", ranges: [[{ subnet: `${SUBNET}.0/24` }]], dataDir: ipamDir } },
      { type: "portmap", capabilities: { portMappings: true }, snat: true },
      { type: "bandwidth", capabilities: { bandwidth: true } },
    ],
  };
}

type Json = Record<string, any>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!ready)("containerd 1.6 end to end", () => {
  const ctd = new PrivateContainerd();
  let cri: CriClient;
  const ipamDir = () => join(ctd.t, "ipam");
  const inNode = (cmd: string, args: string[]) => ctd.node.exec(cmd, args);
  const inNetns = (pid: number, cmd: string, args: string[], allowFail = false) => {
    const r = spawnSync("nsenter", [`--net=/proc/${pid}/ns/net`, "--", cmd, ...args], { encoding: "utf8" });
    if (r.status !== 0 && !allowFail) throw new Error(`${cmd} ${args.join(" ")} in pid ${pid}'s netns: ${r.stderr}`);
    return r;
  };
  const ipFiles = () => (existsSync(join(ipamDir(), NET)) ? readdirSync(join(ipamDir(), NET)).filter((f) => !/^(lock|last_reserved_ip\.\d+)$/.test(f)) : []);
  const cacheFiles = () => (existsSync(ctd.resultsDir) ? readdirSync(ctd.resultsDir) : []);
  const links = (type: string): Json[] => ctd.node.ipJson(["link", "show", "type", type]);
  const ruleset = () => inNode("nft", ["list", "ruleset"]);
  const iptables = () => spawnSync("nsenter", [`--net=${ctd.node.path}`, "--", "iptables-save"], { encoding: "utf8" }).stdout ?? "";

  beforeAll(async () => {
    await ctd.start(BIN, conflist(ipamDir()));
    cri = new CriClient(ctd.socket);
  }, 60_000);
  afterAll(async () => {
    cri?.close();
    await ctd.stop();
    deleteAllNetns();
  }, 60_000);

  it("ctr run --cni: pod wired and reachable; task killed -> ctr's DEL (empty CNI_NETNS) leaves nothing", async () => {
    const name = "ctr1";
    const ctr: ChildProcess = ctd.ctrRun(name);
    const exited = new Promise<number | null>((r) => ctr.on("exit", r));
    let pid = 0;
    for (let i = 0; i < 100 && !pid; i++) {
      const row = ctd.ctr(["-n", "default", "task", "ls"]).split("\n").find((l) => l.startsWith(`${name} `));
      if (row?.includes("RUNNING") && cacheFiles().includes(`${NET}-default-${name}-eth0`)) pid = Number(row.split(/\s+/)[1]);
      else await sleep(100);
    }
    expect(pid).toBeGreaterThan(0);
    const addr = JSON.parse(inNetns(pid, "ip", ["-j", "-4", "addr", "show", "eth0"]).stdout)[0].addr_info[0].local;
    expect(addr.startsWith(`${SUBNET}.`)).toBe(true);
    expect(ipFiles()).toContain(addr);
    inNode("ping", ["-c", "1", "-W", "2", addr]);
    expect(ruleset()).toContain(`id: default-${name}`);

    ctd.ctr(["-n", "default", "task", "kill", "-s", "SIGKILL", name]);
    expect(await exited).toBe(137); // ctr exits with the task's status, after its network teardown
    expect(links("veth")).toEqual([]);
    expect(ipFiles()).toEqual([]);
    expect(ruleset()).not.toContain(`default-${name}`);
    expect(cacheFiles()).toEqual([]);
  }, 60_000);

  describe("CRI (kubelet's path)", () => {
    const ids: string[] = [];
    const pids: number[] = [];
    const ips: string[] = [];
    const latencies: number[] = [];

    const sandbox = (i: number, tag = "p"): SandboxConfig => ({
      metadata: { name: `${tag}${i}`, uid: `uid-${tag}${i}`, namespace: "e2e" },
      hostname: `${tag}${i}`,
      portMappings: [{ protocol: "TCP", containerPort: CONTAINER_PORT, hostPort: hostPort(i) }],
      annotations: { "kubernetes.io/ingress-bandwidth": "1M", "kubernetes.io/egress-bandwidth": "10M" },
      linux: { cgroupParent: ctd.cgroupParent },
    });

    async function runAll(tag: string): Promise<{ ids: string[]; ms: number[] }> {
      const ms: number[] = [];
      const out = await Promise.all(Array.from({ length: PODS }, async (_, i) => {
        const t0 = performance.now();
        const id = await cri.runPodSandbox(sandbox(i, tag));
        ms.push(performance.now() - t0);
        return id;
      }));
      return { ids: out, ms };
    }

    async function stopRemoveAll(list: string[]): Promise<void> {
      await Promise.all(list.map((id) => cri.stop(id)));
      await Promise.all(list.map((id) => cri.remove(id)));
    }

    it(`RunPodSandbox x${PODS} in parallel with a port mapping and the bandwidth annotations -> all ready`, async () => {
      const r = await runAll("p");
      ids.push(...r.ids);
      latencies.push(...r.ms);
      for (const id of ids) {
        const { status, info } = await cri.status(id);
        expect(status.state).toBe("SANDBOX_READY");
        const pid = JSON.parse(info.info!).pid as number;
        pids.push(pid);
        const eth0 = JSON.parse(inNetns(pid, "ip", ["-j", "-4", "addr", "show", "eth0"]).stdout)[0].addr_info[0].local;
        expect(status.network?.ip).toBe(eth0); // the IP CRI reports is the pod's eth0
        ips.push(eth0);
      }
      expect(new Set(ips).size).toBe(PODS);
      expect(ipFiles().sort()).toEqual([...ips].sort());
    }, 90_000);

    it("pods: ping from the node and between pods", () => {
      for (const ip of ips) inNode("ping", ["-c", "1", "-W", "2", ip]);
      inNetns(pids[0]!, "ping", ["-c", "1", "-W", "2", ips[1]!]);
      inNetns(pids[PODS - 1]!, "ping", ["-c", "1", "-W", "2", ips[0]!]);
    });

    it("host port: from the node (127.0.0.1 and the bridge IP) and from another pod", async () => {
      const server = spawn("nsenter", [`--net=/proc/${pids[0]}/ns/net`, "--", "python3", "-c",
        `import socket\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", ${CONTAINER_PORT})); s.listen(8)\nwhile True:\n    c,_=s.accept(); c.sendall(b"hello from p0"); c.close()`], { stdio: "ignore" });
      try {
        const fetch = (pid: number | undefined, host: string): string => {
          const code = `import socket,time\nfor i in range(50):\n    try:\n        s=socket.create_connection(("${host}", ${hostPort(0)}), 2); print(s.recv(64).decode()); break\n    except OSError: time.sleep(0.1)`;
          const r = pid ? inNetns(pid, "python3", ["-c", code]) : spawnSync("nsenter", [`--net=${ctd.node.path}`, "--", "python3", "-c", code], { encoding: "utf8" });
          return r.stdout.trim();
        };
        expect(fetch(undefined, "127.0.0.1")).toBe("hello from p0");
        expect(fetch(undefined, GATEWAY)).toBe("hello from p0");
        expect(fetch(pids[1], GATEWAY)).toBe("hello from p0");
      } finally {
        if (server.pid) process.kill(server.pid, "SIGKILL");
      }
    }, 30_000);

    it("bandwidth annotations: tbf on every host veth (1 Mbit/s) and on every ifb (10 Mbit/s)", () => {
      const ifbs = links("ifb").map((l) => l.ifname as string);
      expect(ifbs).toHaveLength(PODS);
      const qdiscs: Json[] = JSON.parse(inNode("tc", ["-j", "qdisc", "show"]));
      const roots = (dev: string) => qdiscs.find((q) => q.dev === dev && q.root);
      for (const v of links("veth").map((l) => l.ifname as string)) expect(roots(v)).toMatchObject({ kind: "tbf", options: { rate: 125_000 } });
      for (const b of ifbs) expect(roots(b)).toMatchObject({ kind: "tbf", options: { rate: 1_250_000 } });
    });

    it("StopPodSandbox + RemovePodSandbox (DEL with the netns, then DEL without) -> nothing left", async () => {
      await stopRemoveAll(ids);
      expect(links("veth")).toEqual([]);
      expect(links("ifb")).toEqual([]);
      expect(ipFiles()).toEqual([]);
      expect(cacheFiles()).toEqual([]);
      const rules = ruleset();
      for (const id of ids) expect(rules).not.toContain(id);
      for (const ip of ips) expect(rules).not.toContain(`${ip} `);
      for (let i = 0; i < PODS; i++) expect(rules).not.toContain(`${hostPort(i)}`);
      expect(iptables()).not.toMatch(/CNI-/);
      const summary = (ms: number[]) => { const s = [...ms].sort((a, b) => a - b); return `median ${s[s.length >> 1]!.toFixed(0)} ms, max ${s.at(-1)!.toFixed(0)} ms`; };
      console.log(`RunPodSandbox x${PODS} in parallel with tscni: ${summary(latencies)}`);
    }, 90_000);

    // A measurement, not a check: ten more pods with the reference plugins, then ten with tscni
    // again (the first batch above also paid containerd's cold start), each batch torn down.
    // Opt-in (TSCNI_E2E_LATENCY=1): a measurement has no place in CI's pass/fail, and on a loaded
    // machine twenty more sandboxes can outlast any fixed test timeout.
    it.skipIf(!hasReference || process.env.TSCNI_E2E_BIN !== undefined || process.env.TSCNI_E2E_LATENCY !== "1")("RunPodSandbox latency, same run: reference (/usr/lib/cni), then tscni again", async () => {
      const batch = async (dir: string, tag: string): Promise<string> => {
        ctd.installPlugins(dir);
        const ms: number[] = [];
        const settled = await Promise.allSettled(Array.from({ length: PODS }, async (_, i) => {
          const t0 = performance.now();
          const id = await cri.runPodSandbox(sandbox(i, tag));
          ms.push(performance.now() - t0);
          return id;
        }));
        const ok = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
        await stopRemoveAll(ok).catch(() => {});
        const s = ms.sort((a, b) => a - b);
        return `${ok.length}/${PODS} ok, median ${s[s.length >> 1]?.toFixed(0)} ms, max ${s.at(-1)?.toFixed(0)} ms`;
      };
      try {
        console.log(`RunPodSandbox x${PODS} in parallel with the reference: ${await batch(REF_DIR, "r")}`);
        console.log(`RunPodSandbox x${PODS} in parallel with tscni (second batch): ${await batch(BIN, "t")}`);
      } finally {
        ctd.installPlugins(BIN);
      }
      expect(links("veth")).toEqual([]);
    }, 600_000);
  });
});
