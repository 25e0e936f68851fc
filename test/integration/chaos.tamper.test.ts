// External tampering: an operator or a firewall service empties tscni's nft state between two ADDs
// (`nft flush table` of each of its tables, `nft delete table`, `nft flush ruleset` as Debian's
// nftables.service does on restart). The next ADD must still give its pod masquerade and host-port DNAT:
// ADD, then CHECK, then real traffic from an "outside" namespace that has no route to the pods (so only a
// masqueraded packet gets an answer, and only a DNATed connection reaches the pod). Everything happens
// in a private node namespace; the host's ruleset is never touched.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "./harness.ts";
import { chainAdd, chainDel, deleteOwnNetns, execPlugin, exitText, inNetns, newNetns, pluginStdin, type Attach, type ChaosNetns, type NetList } from "./chaos.ts";

afterAll(deleteOwnNetns);
const work = tempDir("tamper");
afterAll(() => work.remove());


const NODE_IP = "192.0.2.1";
const OUTSIDE_IP = "192.0.2.2";

const list = (dataDir: string): NetList => ({
  cniVersion: "1.1.0",
  name: "tampernet",
  plugins: [
    { type: "bridge", bridge: "tscni-tm0", isGateway: true, ipMasq: true, ipam: { type: "host-local", subnet: "10.55.0.0/24", routes: [{ dst: "0.0.0.0/0" }], dataDir } },
    { type: "portmap", capabilities: { portMappings: true }, snat: true },
  ],
});

const withPort = (l: NetList, hostPort: number): NetList => ({
  ...l,
  plugins: [l.plugins[0]!, { ...l.plugins[1]!, runtimeConfig: { portMappings: [{ hostPort, containerPort: 80, protocol: "tcp" }] } }],
});

/** The distribution's python (a version manager's shim on PATH can take seconds to start under load). */
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

const SERVER = `
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 80)); s.listen(8)
print("ready", flush=True)
while True:
    c, _ = s.accept(); c.sendall(b"pod"); c.close()
`;

const CLIENT = `
import socket, sys
try:
    s = socket.socket(); s.settimeout(3); s.connect((sys.argv[1], int(sys.argv[2]))); print(s.recv(10).decode())
except Exception as e:
    print("ERR " + type(e).__name__)
`;

let node: ChaosNetns;
let outside: ChaosNetns;
let tables: string[] = [];
const servers: ChildProcess[] = [];

afterAll(async () => {
  for (const s of servers) if (s.pid !== undefined && s.exitCode === null) process.kill(s.pid, "SIGKILL");
  await outside?.delete();
  await node?.delete();
});

/** The pod's TCP server on port 80 (python3; ended by PID in afterAll). */
function serve(pod: ChaosNetns): Promise<void> {
  const child = spawn("nsenter", [`--net=${pod.path}`, "--", PYTHON, "-c", SERVER], { stdio: ["ignore", "pipe", "ignore"] });
  servers.push(child);
  return new Promise((ok, fail) => {
    const t = setTimeout(() => fail(new Error("pod server did not start")), 120_000);
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && (clearTimeout(t), ok()));
  });
}

/** What ADD, CHECK and traffic say for one new pod on the node as it is now; [] when all is well. */
async function podWorks(i: number): Promise<string[]> {
  const l = withPort(list(join(work.path, "ipam")), 18000 + i);
  const pod = await newNetns("tmp");
  const a: Attach = { node: node.path, containerId: `tamper${i}`, netns: pod.path };
  const problems: string[] = [];
  try {
    const add = await chainAdd(l, a);
    if (add.failure) return [`ADD: ${add.failure.plugin} ${exitText(add.failure)}`];
    for (const conf of l.plugins) {
      const r = await execPlugin({ plugin: String(conf.type), command: "CHECK", stdin: pluginStdin(l, conf, add.result), ...a });
      if (r.code !== 0) problems.push(`CHECK: ${conf.type} ${exitText(r)}`);
    }
    // masquerade: the outside namespace has no route to 10.55.0.0/24, so only a masqueraded ping is answered
    const ping = await inNetns(pod.path, "ping", ["-c", "1", "-W", "3", OUTSIDE_IP], true);
    if (ping.code !== 0) problems.push(`masquerade: pod -> ${OUTSIDE_IP} unanswered`);
    await serve(pod);
    const hp = await inNetns(outside.path, PYTHON, ["-c", CLIENT, NODE_IP, String(18000 + i)], true);
    if (hp.stdout.trim() !== "pod") problems.push(`host port: ${OUTSIDE_IP} -> ${NODE_IP}:${18000 + i} got "${hp.stdout.trim()}"`);
    problems.push(...(await chainDel(l, a, add.result)).map((p) => `DEL: ${p}`));
    return problems;
  } finally {
    await pod.delete();
  }
}

describe("tampering: tscni's nft state flushed from outside between ADDs", () => {
  beforeAll(async () => {
    node = await newNetns("tmn");
    outside = await newNetns("tmo");
    for (const args of [
      ["link", "add", "tscni-up0", "type", "veth", "peer", "name", "tscni-dn0"],
      ["link", "set", "tscni-dn0", "netns", outside.path],
      ["addr", "add", `${NODE_IP}/24`, "dev", "tscni-up0"],
      ["link", "set", "tscni-up0", "up"],
    ]) await inNetns(node.path, "ip", args);
    await inNetns(outside.path, "ip", ["addr", "add", `${OUTSIDE_IP}/24`, "dev", "tscni-dn0"]);
    await inNetns(outside.path, "ip", ["link", "set", "tscni-dn0", "up"]);
    // the first pod creates the tables; their names come from the node, not from this file
    const first = await podWorks(0);
    expect(first).toEqual([]);
    const listed = await inNetns(node.path, "nft", ["list", "tables"]);
    tables = listed.stdout.split("\n").map((l) => l.replace(/^table /, "").trim()).filter(Boolean);
  }, 600_000);

  it("untampered node: ADD, CHECK, masquerade and host port work for a second pod (the probes can pass)", { timeout: 600_000 }, async () => {
    expect(tables.length).toBeGreaterThan(0);
    expect(await podWorks(1)).toEqual([]);
  });

  it("untampered node: a pod whose masquerade and DNAT are gone fails the probes (the probes can fail)", { timeout: 600_000 }, async () => {
    // the same probes against a pod ADDed by bridge alone (no portmap, ipMasq off): both must report
    const l: NetList = { ...list(join(work.path, "ipam")), plugins: [{ ...list(join(work.path, "ipam")).plugins[0]!, ipMasq: false }] };
    const pod = await newNetns("tmp");
    const a: Attach = { node: node.path, containerId: "bare", netns: pod.path };
    try {
      const add = await chainAdd(l, a);
      expect(add.failure).toBeUndefined();
      expect((await inNetns(pod.path, "ping", ["-c", "1", "-W", "2", OUTSIDE_IP], true)).code).not.toBe(0);
      await serve(pod);
      expect((await inNetns(outside.path, PYTHON, ["-c", CLIENT, NODE_IP, "18999"], true)).stdout.trim()).not.toBe("pod");
      expect(await chainDel(l, a, add.result)).toEqual([]);
    } finally {
      await pod.delete();
    }
  });

  // an emptied table failed before issue 10's defect 2 was fixed (ADD did not rebuild the base rules)
  const ACTIONS: [string, () => string[][]][] = [
    ["nft flush table, each of tscni's tables", () => tables.map((t) => ["flush", "table", ...t.split(" ")])],
    ["nft delete table, each of tscni's tables", () => tables.map((t) => ["delete", "table", ...t.split(" ")])],
    ["nft flush ruleset (nftables.service restart)", () => [["flush", "ruleset"]]],
  ];
  ACTIONS.forEach(([what, cmds], i) => {
    it(`${what} -> the next ADD, CHECK, masquerade and host port work again`, { timeout: 600_000 }, async () => {
      for (const c of cmds()) await inNetns(node.path, "nft", c);
      expect(await podWorks(10 + i)).toEqual([]);
    });
  });
});
