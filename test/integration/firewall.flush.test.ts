// Firewall state flushed from outside (issue 10, defect 2): `nft flush table` of tscni's tables or
// `nft flush ruleset` (Debian's nftables.service on restart) between ADDs. A later ADD used to report
// success yet leave the masquerade base chain and the portmap lookup rules out, so every new pod got
// no masquerade and no host-port DNAT. Now ADD repairs the base structure it depends on, CHECK passes,
// real traffic works; `tscni run gc` puts back the per-pod rules of the pods that already existed.
// Everything happens inside a private node netns (tscni-fl-*), never on the host's ruleset.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { hasBinary, isRoot } from "./bridge-world.ts";
import { createNetns, deleteAllNetns, expectOk, runConflistSync, tempDir, type TestNetns } from "./harness.ts";

afterAll(deleteAllNetns);

const NET = "flushnet";

describe.skipIf(!isRoot || !hasBinary)("firewall flushed from outside between ADDs", () => {
  let node: TestNetns;
  let outside: TestNetns;
  let dir: { path: string; remove(): void };
  let conflist: string;
  const pods: TestNetns[] = [];

  const run = (verb: "add" | "check" | "del" | "gc", netns: string | undefined, flags: string[]) =>
    runConflistSync({ verb, conflist, netns, node, flags: [...flags, "--cache-dir", join(dir.path, "cache")] });

  beforeEach(() => {
    node = createNetns("fl");
    outside = createNetns("flo");
    dir = tempDir("fl");
    conflist = join(dir.path, "net.conflist");
    writeFileSync(conflist, JSON.stringify({
      cniVersion: "1.1.0",
      name: NET,
      plugins: [
        { type: "bridge", bridge: "tscni-fl0", isGateway: true, isDefaultGateway: true, ipMasq: true,
          ipam: { type: "host-local", ranges: [[{ subnet: "10.79.0.0/24" }]], dataDir: join(dir.path, "ipam") } },
        { type: "portmap", capabilities: { portMappings: true }, snat: true },
      ],
    }));
    // the "outside world": no route back to the pod subnet, so a pod reaches it only when masqueraded
    node.exec("ip", ["link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", outside.name]);
    node.exec("ip", ["addr", "add", "192.0.2.1/24", "dev", "up0"]);
    node.exec("ip", ["link", "set", "up0", "up"]);
    outside.exec("ip", ["addr", "add", "192.0.2.2/24", "dev", "eth0"]);
    outside.exec("ip", ["link", "set", "eth0", "up"]);
  });
  afterEach(() => {
    for (const p of pods.splice(0)) p.delete();
    outside.delete();
    node.delete();
    dir.remove();
  });

  /** ADD a pod forwarding udp hostPort -> 80; a counter in the pod counts what arrives on port 80. */
  function addPod(id: string, hostPort: number): TestNetns {
    const pod = createNetns("flp");
    pods.push(pod);
    const caps = JSON.stringify({ portMappings: [{ hostPort, containerPort: 80, protocol: "udp" }] });
    expectOk(run("add", pod.path, ["--id", id, "--cap-args", caps]));
    pod.exec("nft", ["add table inet t; add chain inet t in { type filter hook input priority 0 ; } ; add rule inet t in udp dport 80 counter"]);
    return pod;
  }

  function masqueraded(pod: TestNetns): boolean {
    for (let i = 0; i < 3; i++) if (/1 received/.test(pod.exec("ping", ["-c", "1", "-W", "2", "192.0.2.2"], { allowFail: true }))) return true;
    return false;
  }

  function forwarded(pod: TestNetns, hostPort: number): boolean {
    const counted = () => Number(/packets (\d+)/.exec(pod.exec("nft", ["list", "chain", "inet", "t", "in"]))?.[1] ?? 0);
    const before = counted();
    for (let i = 0; i < 3; i++) node.exec("bash", ["-c", `echo hi > /dev/udp/192.0.2.1/${hostPort}`], { allowFail: true });
    return counted() > before;
  }

  const works = (pod: TestNetns, hostPort: number) => ({ masq: masqueraded(pod), dnat: forwarded(pod, hostPort) });

  it("add after `nft flush table` of tscni's tables, then after `nft flush ruleset` -> masquerade, DNAT and CHECK work; gc restores the older pods", () => {
    const p1 = addPod("p1", 18081);
    expect(works(p1, 18081)).toEqual({ masq: true, dnat: true });

    for (const t of ["inet cni_plugins_masquerade", "ip cni_hostport"]) node.exec("nft", ["flush", "table", ...t.split(" ")]);
    const p2 = addPod("p2", 18082);
    expect(works(p2, 18082)).toEqual({ masq: true, dnat: true });
    expectOk(run("check", p2.path, ["--id", "p2"]));
    // the flush kept p1's map elements: the repaired lookup rules serve it again; its masquerade rule is gone
    expect(works(p1, 18081)).toEqual({ masq: false, dnat: true });

    node.exec("nft", ["flush", "ruleset"]);
    const p3 = addPod("p3", 18083);
    expect(works(p3, 18083)).toEqual({ masq: true, dnat: true });
    expectOk(run("check", p3.path, ["--id", "p3"]));
    expect(run("check", p2.path, ["--id", "p2"]).code).not.toBe(0);

    // GC with every pod valid: nothing deleted, the per-pod rules of p1 and p2 rebuilt from libcni's cache
    const gc = run("gc", undefined, ["--valid", "p1/eth0,p2/eth0,p3/eth0"]);
    expect(gc.code, gc.stdout + gc.stderr).toBe(0);
    expect(gc.stderr).toContain("restored masquerade of p1/eth0");
    for (const [id, pod, port] of [["p1", p1, 18081], ["p2", p2, 18082], ["p3", p3, 18083]] as const) {
      expect(works(pod, port), id).toEqual({ masq: true, dnat: true });
      expectOk(run("check", pod.path, ["--id", id]));
    }
    for (const [id, pod] of [["p1", p1], ["p2", p2], ["p3", p3]] as const) expectOk(run("del", pod.path, ["--id", id]));
  });
});
