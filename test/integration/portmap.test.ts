// portmap, compiled binaries, real traffic: a private node netns (tscni-pmn-*) holding a dual-stack
// bridge (bridge + host-local, isGateway, hairpinMode) and a "node address" on a veth pair; pods are
// netns made by the harness. Servers run inside pods (python3, started and killed by PID); clients
// run in the node or in other pods. Every namespace is deleted in finally/afterAll. Needs root.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { familyOf } from "../../shared/ip/index.ts";
import {
  BIN_DIR, createNetns, deleteAllNetns, expectOk, runPlugin, runPluginSync, tempDir, type PluginOutcome, type TestNetns,
} from "./harness.ts";

const isRoot = process.getuid?.() === 0;
const hasBinary = existsSync(join(BIN_DIR, "portmap"));
const NET = "pmnet";
const NODE_V4 = "192.168.61.1";
const NODE_V6 = "fd61::1";
type Json = Record<string, any>;
type Mapping = { hostPort: number; containerPort: number; protocol?: string; hostIP?: string };

let node: TestNetns;
let ipamDir: { path: string; remove(): void };

function bridgeConf(extra: Json = {}): Json {
  return {
    cniVersion: "1.0.0", name: NET, type: "bridge", bridge: "cnipm0", isGateway: true, hairpinMode: true,
    ipam: {
      type: "host-local", dataDir: ipamDir.path,
      ranges: [[{ subnet: "10.61.0.0/16" }], [{ subnet: "fd62::/64" }]],
      routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }],
    },
    ...extra,
  };
}

function portmapConf(mappings: Mapping[] | undefined, prevResult: Json | undefined, keys: Json = {}): Json {
  return { cniVersion: "1.0.0", name: NET, type: "portmap", ...keys, ...(mappings ? { runtimeConfig: { portMappings: mappings } } : {}), ...(prevResult ? { prevResult } : {}) };
}

interface Pod {
  ns: TestNetns;
  cid: string;
  result: Json;
  v4: string;
  v6: string;
}

async function call(plugin: string, command: string, config: Json, pod: { ns: TestNetns; cid: string }): Promise<PluginOutcome> {
  return runPlugin({ plugin, command, config, containerId: pod.cid, netns: pod.ns.path, ifname: "eth0", node });
}

async function addPod(tag: string, mappings: Mapping[] | undefined, keys: Json = {}): Promise<Pod> {
  const ns = createNetns(tag);
  const cid = `c-${ns.name.slice(-8)}`;
  const bridge = expectOk(await call("bridge", "ADD", bridgeConf(), { ns, cid }));
  const result = expectOk(await call("portmap", "ADD", portmapConf(mappings, bridge, keys), { ns, cid }));
  const addr = (fam: string) => (result.ips as Json[]).map((i) => String(i.address).split("/")[0]!).find((a) => familyOf(a) === Number(fam))!;
  return { ns, cid, result, v4: addr("4"), v6: addr("6") };
}

async function delPod(p: Pod, mappings: Mapping[] | undefined): Promise<void> {
  try {
    expectOk(await call("portmap", "DEL", portmapConf(mappings, p.result), p));
    expectOk(await call("bridge", "DEL", bridgeConf({ prevResult: p.result }), p));
  } finally {
    p.ns.delete();
  }
}

const SERVER = `
import socket, sys, threading
def tcp(fam, addr):
    s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, 80)); s.listen(64)
    while True:
        c, a = s.accept(); c.sendall(("tcp:" + sys.argv[1]).encode()); c.close()
def udp(fam, addr):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, 53))
    while True:
        d, a = s.recvfrom(100); s.sendto(b"udp:" + sys.argv[1].encode() + b":" + d, a)
for f in (tcp, udp):
    for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        threading.Thread(target=f, args=(fam, addr), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
`;

const CLIENT = `
import socket, sys
proto, host, port, wait = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
try:
    if proto == "tcp":
        s = socket.socket(fam); s.settimeout(wait); s.connect((host, port)); print(s.recv(100).decode())
    else:
        s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(wait); s.sendto(b"ping", (host, port)); print(s.recvfrom(100)[0].decode())
except Exception as e:
    print("ERR " + type(e).__name__)
`;

/** Starts the tcp/udp server in a pod; resolves once it listens. Killed by PID via the returned function. */
function startServer(pod: Pod, name: string): Promise<() => void> {
  const child: ChildProcess = spawn("ip", ["netns", "exec", pod.ns.name, "python3", "-c", SERVER, name], { stdio: ["ignore", "pipe", "inherit"] });
  const stop = () => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGKILL");
  };
  return new Promise((ok, fail) => {
    const t = setTimeout(() => (stop(), fail(new Error("server did not start"))), 30_000); // python start-up on a loaded machine
    child.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("ready")) (clearTimeout(t), ok(stop));
    });
    child.on("error", (e) => (clearTimeout(t), fail(e)));
  });
}

/** One request; `wait` seconds for the answer (short when the path is expected to be closed). */
function probe(from: TestNetns, proto: "tcp" | "udp", host: string, port: number, wait = 1.5): string {
  const r = spawnSync("ip", ["netns", "exec", from.name, "python3", "-c", CLIENT, proto, host, String(port), String(wait)], { encoding: "utf8", timeout: 60_000 }); // a hang guard only: python start-up alone can take seconds on a loaded machine
  return r.stdout.trim();
}

function ruleset(): Json[] {
  return JSON.parse(node.exec("nft", ["-j", "list", "ruleset"])).nftables;
}

/** Every element or rule comment in the node's cni_hostport tables. */
function comments(): string[] {
  const out: string[] = [];
  for (const item of ruleset()) {
    const holder = item.map ?? item.set;
    if (holder?.table === "cni_hostport") {
      for (const e of holder.elem ?? []) {
        const el = Array.isArray(e) ? e[0] : e;
        if (el?.elem?.comment) out.push(el.elem.comment);
      }
    }
    if (item.rule?.table === "cni_hostport" && item.rule.comment && !String(item.rule.comment).startsWith("tscni portmap")) out.push(item.rule.comment);
  }
  return out;
}

const ownedBy = (cid: string) => comments().filter((c) => c === cid || c.startsWith(`${cid} `));

describe.skipIf(!isRoot || !hasBinary)("portmap (compiled, node netns)", () => {
  beforeAll(() => {
    ipamDir = tempDir("pm-ipam");
    node = createNetns("pmn");
    node.exec("ip", ["link", "add", "ext0", "type", "veth", "peer", "name", "ext1"]);
    node.exec("ip", ["addr", "add", `${NODE_V4}/24`, "dev", "ext0"]);
    node.exec("ip", ["addr", "add", `${NODE_V6}/64`, "dev", "ext0", "nodad"]);
    node.exec("ip", ["link", "set", "ext0", "up"]);
    node.exec("ip", ["link", "set", "ext1", "up"]);
    node.exec("sysctl", ["-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"]);
  });
  afterAll(() => {
    deleteAllNetns();
    ipamDir?.remove();
  });

  it("add: tcp+udp mappings -> node address, 127.0.0.1, another pod, same pod, IPv6 all reach the pod; del -> none do, no residue", async () => {
    const maps: Mapping[] = [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }, { hostPort: 5353, containerPort: 53, protocol: "UDP" }];
    const a = await addPod("pma", maps);
    const b = await addPod("pmb", undefined);
    const stops: (() => void)[] = [];
    try {
      stops.push(await startServer(a, "A"));
      expect(a.result.ips).toHaveLength(2);
      expect(node.exec("sysctl", ["-n", "net.ipv4.conf.cnipm0.route_localnet"]).trim()).toBe("1");
      const paths: [TestNetns, string][] = [[node, NODE_V4], [node, "127.0.0.1"], [b.ns, NODE_V4], [a.ns, NODE_V4], [node, NODE_V6], [b.ns, NODE_V6]];
      for (const [from, host] of paths) {
        expect(probe(from, "tcp", host, 8080), `tcp ${host}`).toBe("tcp:A");
        expect(probe(from, "udp", host, 5353), `udp ${host}`).toBe("udp:A:ping");
      }
      expect(probe(node, "tcp", "::1", 8080)).toMatch(/^ERR/); // ::1 is never mapped
      expect(ownedBy(a.cid).length).toBeGreaterThan(0);
      expectOk(await call("portmap", "CHECK", portmapConf(maps, a.result), a));

      expectOk(await call("portmap", "DEL", portmapConf(maps, a.result), a));
      expectOk(await call("portmap", "DEL", portmapConf(maps, a.result), a)); // idempotent
      expect(ownedBy(a.cid)).toEqual([]);
      for (const [from, host] of paths) {
        expect(probe(from, "tcp", host, 8080, 0.5), `tcp ${host} after DEL`).toMatch(/^ERR/);
        expect(probe(from, "udp", host, 5353, 0.5), `udp ${host} after DEL`).toMatch(/^ERR/);
      }
      const check = await call("portmap", "CHECK", portmapConf(maps, a.result), a);
      expect(check.code).not.toBe(0);
    } finally {
      for (const s of stops) s();
      await delPod(a, maps);
      await delPod(b, undefined);
    }
  }, 300_000); // 15 probes, each a python start-up: slow on a loaded machine

  it("add: hostIP 127.0.0.1 -> only that address forwards; conflicting port of another pod -> error 100 naming the holder", async () => {
    const maps: Mapping[] = [{ hostPort: 9090, containerPort: 80, hostIP: "127.0.0.1", protocol: "tcp" }];
    const a = await addPod("pmh", maps);
    const stops: (() => void)[] = [];
    const c = createNetns("pmc");
    try {
      stops.push(await startServer(a, "H"));
      expect(probe(node, "tcp", "127.0.0.1", 9090)).toBe("tcp:H");
      expect(probe(node, "tcp", NODE_V4, 9090)).toMatch(/^ERR/);
      const conflict = await call("portmap", "ADD", portmapConf(maps, { cniVersion: "1.0.0", ips: [{ address: "10.61.9.9/16" }] }), { ns: c, cid: "other" });
      expect(conflict.json).toMatchObject({ code: 100 });
      expect(conflict.json.msg).toContain(a.cid);
      expect(ownedBy("other")).toEqual([]);
    } finally {
      for (const s of stops) s();
      c.delete();
      await delPod(a, maps);
    }
  }, 180_000);

  it.each([
    ["unknown protocol", 7, { mappings: [{ hostPort: 7001, containerPort: 80, protocol: "icmp" }] }],
    ["missing protocol (the reference fails too)", 7, { mappings: [{ hostPort: 7006, containerPort: 80 }] }],
    ["empty protocol", 7, { mappings: [{ hostPort: 7007, containerPort: 80, protocol: "" }] }],
    ["host port 0", 7, { mappings: [{ hostPort: 0, containerPort: 80, protocol: "tcp" }] }],
    ["host port 70000", 7, { mappings: [{ hostPort: 70000, containerPort: 80, protocol: "tcp" }] }],
    ["negative container port", 7, { mappings: [{ hostPort: 7002, containerPort: -80, protocol: "tcp" }] }],
    ["hostIP of the wrong family", 7, { mappings: [{ hostPort: 7003, containerPort: 80, hostIP: "fd61::1", protocol: "tcp" }], v4only: true }],
    ["markMasqBit 40", 7, { mappings: [{ hostPort: 7004, containerPort: 80, protocol: "tcp" }], keys: { markMasqBit: 40 } }],
    ["iptables-syntax conditions", 7, { mappings: [{ hostPort: 7005, containerPort: 80, protocol: "tcp" }], keys: { conditionsV4: ["-s", "1.2.3.4"] } }],
  ])("add: %s -> CNI error %i, no residue", async (_n, code, c: { mappings: Mapping[]; keys?: Json; v4only?: boolean }) => {
    const before = comments();
    const pod = { ns: createNetns("pmbad"), cid: "bad-input" };
    try {
      const prev = { cniVersion: "1.0.0", ips: [{ address: "10.61.200.1/16" }, ...(c.v4only ? [] : [{ address: "fd62::200/64" }])] };
      const out = await call("portmap", "ADD", portmapConf(c.mappings, prev, c.keys), pod);
      expect(out.code).not.toBe(0);
      expect(out.json).toMatchObject({ code });
      expect(comments()).toEqual(before);
    } finally {
      pod.ns.delete();
    }
  });

  it("gc: valid attachments without a pod -> its entries removed, the valid pod's kept", async () => {
    const prev = (ip: string) => ({ cniVersion: "1.1.0", ips: [{ address: `${ip}/16` }] });
    const ns = createNetns("pmgc");
    try {
      expectOk(await call("portmap", "ADD", { ...portmapConf([{ hostPort: 7101, containerPort: 80, protocol: "tcp" }], prev("10.61.201.1")), cniVersion: "1.1.0" }, { ns, cid: "gc-keep" }));
      expectOk(await call("portmap", "ADD", { ...portmapConf([{ hostPort: 7102, containerPort: 80, protocol: "tcp" }], prev("10.61.201.2")), cniVersion: "1.1.0" }, { ns, cid: "gc-stale" }));
      const gc = runPluginSync({
        plugin: "portmap", command: "GC", node, netns: "", containerId: "",
        config: { cniVersion: "1.1.0", name: NET, type: "portmap", "cni.dev/valid-attachments": [{ containerID: "gc-keep", ifname: "eth0" }] },
        env: { CNI_CONTAINERID: undefined, CNI_NETNS: undefined, CNI_IFNAME: undefined },
      });
      expectOk(gc);
      expect(ownedBy("gc-stale")).toEqual([]);
      expect(ownedBy("gc-keep").length).toBeGreaterThan(0);
      expectOk(await call("portmap", "DEL", portmapConf([{ hostPort: 7101, containerPort: 80, protocol: "tcp" }], undefined), { ns, cid: "gc-keep" }));
      expect(ownedBy("gc-keep")).toEqual([]);
    } finally {
      ns.delete();
    }
  });

  it("chain: bridge+host-local -> portmap -> bandwidth -> traffic flows, all three DEL cleanly", async () => {
    const maps: Mapping[] = [{ hostPort: 8181, containerPort: 80, protocol: "tcp" }];
    const a = await addPod("pmbw", maps);
    const stops: (() => void)[] = [];
    let bw: Json | undefined;
    try {
      const bwConf = (prevResult: Json) => ({ cniVersion: "1.0.0", name: NET, type: "bandwidth", ingressRate: 8_000_000, ingressBurst: 80_000, egressRate: 8_000_000, egressBurst: 80_000, prevResult });
      bw = expectOk(await call("bandwidth", "ADD", bwConf(a.result), a));
      expect(bw!.interfaces.length).toBe(a.result.interfaces.length + 1); // + the ifb
      stops.push(await startServer(a, "BW"));
      expect(probe(node, "tcp", NODE_V4, 8181)).toBe("tcp:BW");
      expectOk(await call("bandwidth", "CHECK", bwConf(bw!), a));
      expectOk(await call("portmap", "CHECK", portmapConf(maps, bw!), a));
      expectOk(await call("bandwidth", "DEL", bwConf(bw!), a));
    } finally {
      for (const s of stops) s();
      await delPod(bw ? { ...a, result: bw } : a, maps);
    }
    expect(ownedBy(a.cid)).toEqual([]);
  }, 180_000); // three plugins, a python server and probes: slow on a loaded machine

  it("scale: 100 pods with distinct host ports, then DEL of all -> maps and sets empty again", async () => {
    const pods: Pod[] = [];
    const mapsOf = (i: number): Mapping[] => [{ hostPort: 20000 + i, containerPort: 80, protocol: "tcp" }, { hostPort: 30000 + i, containerPort: 53, protocol: "udp" }];
    try {
      for (let i = 0; i < 100; i += 10) {
        pods.push(...(await Promise.all(Array.from({ length: 10 }, (_, k) => addPod("pms", mapsOf(i + k))))));
      }
      const held = comments().filter((c) => c.startsWith("c-"));
      expect(new Set(held.map((c) => c.split(" ")[0])).size).toBe(100);
      const t = spawnSync("ip", ["netns", "exec", pods[57]!.ns.name, "true"]);
      expect(t.status).toBe(0);
    } finally {
      for (let i = 0; i < pods.length; i += 10) {
        await Promise.all(pods.slice(i, i + 10).map((p) => delPod(p, mapsOf(pods.indexOf(p)))));
      }
    }
    expect(comments()).toEqual([]);
    for (const item of ruleset()) {
      const holder = item.map ?? item.set;
      if (holder?.table === "cni_hostport") expect(holder.elem ?? [], `${holder.family} ${holder.name}`).toEqual([]);
    }
  }, 900_000); // generous: 200 plugin execs on a 2-core machine that may be loaded (took >300 s at load 34)
});
