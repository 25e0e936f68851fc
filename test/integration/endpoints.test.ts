// `tscni endpoints`: attachments made by `tscni run` (bridge+host-local -> portmap -> bandwidth, and
// ptp+host-local) and a bare host-local allocation, listed from the result cache and the stores; the
// host veth it names is the pod's real veth peer in the node, its IPs are the pod's, and a DEL makes
// the attachment disappear from the list.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN_DIR, createNetns, deleteAllNetns, expectOk, runConflistSync, runPluginSync, tempDir, type TestNetns } from "./harness.ts";

const isRoot = process.getuid?.() === 0;
const CAPS = {
  portMappings: [{ hostPort: 18080, containerPort: 80, protocol: "tcp" }, { hostPort: 15353, containerPort: 53, protocol: "udp", hostIP: "127.0.0.1" }],
  bandwidth: { ingressRate: 8_000_000, ingressBurst: 80_000, egressRate: 16_000_000, egressBurst: 160_000 },
};

afterAll(deleteAllNetns);

/** The node-side name of the pod's eth0 peer, from the kernel. */
function hostPeerOf(node: TestNetns, pod: TestNetns): string {
  const eth0 = pod.ipJson(["link", "show", "eth0"])[0];
  const peer = node.ipJson(["link", "show"]).find((l: { ifindex: number }) => l.ifindex === eth0.link_index);
  return peer.ifname;
}

describe.skipIf(!isRoot)("tscni endpoints", () => {
  let node: TestNetns;
  let pods: TestNetns[];
  let dir: { path: string; remove(): void };
  const cacheDir = () => join(dir.path, "cache");
  const conf = (name: string) => join(dir.path, `${name}.conflist`);
  const run = (verb: "add" | "del", list: string, pod: TestNetns, id: string, flags: string[] = []) =>
    runConflistSync({ verb, conflist: conf(list), netns: pod.path, node, flags: ["--id", id, "--cache-dir", cacheDir(), ...flags] });
  const endpoints = (args: string[]) =>
    spawnSync(join(BIN_DIR, "tscni"), ["endpoints", "--cache-dir", cacheDir(), "--data-dir", join(dir.path, "other"), ...args], { encoding: "utf8" });

  beforeEach(() => {
    node = createNetns("ep");
    pods = [createNetns("epp"), createNetns("epp"), createNetns("epp")];
    dir = tempDir("ep");
    const ipam = (subnet: string) => ({ type: "host-local", ranges: [[{ subnet }]], dataDir: join(dir.path, "ipam") });
    writeFileSync(conf("epnet"), JSON.stringify({
      cniVersion: "1.0.0",
      name: "epnet",
      plugins: [
        { type: "bridge", bridge: "tscni-ep0", isGateway: true, ipam: ipam("10.81.0.0/24") },
        { type: "portmap", capabilities: { portMappings: true } },
        { type: "bandwidth", capabilities: { bandwidth: true } },
      ],
    }));
    writeFileSync(conf("epptp"), JSON.stringify({ cniVersion: "0.4.0", name: "epptp", plugins: [{ type: "ptp", ipam: ipam("10.82.0.0/24") }] }));
  });
  afterEach(() => {
    for (const p of pods) p.delete();
    node.delete();
    dir.remove();
  });

  it("endpoints: cached attachments and a bare allocation -> IPs, host veth, ports, shaping, chain; del -> gone", () => {
    const a = expectOk(run("add", "epnet", pods[0]!, "pod-a", ["--cap-args", JSON.stringify(CAPS)]));
    const b = expectOk(run("add", "epnet", pods[1]!, "pod-b"));
    const c = expectOk(run("add", "epptp", pods[2]!, "pod-c"));
    // an allocation no cache entry knows (host-local run alone, as a crashed runtime leaves it)
    expectOk(runPluginSync({ plugin: "host-local", command: "ADD", containerId: "lonely", ifname: "net1", netns: pods[2]!.path,
      config: { cniVersion: "1.0.0", name: "orphans", type: "bridge", ipam: { type: "host-local", subnet: "10.83.0.0/24", dataDir: join(dir.path, "other") } } }));

    const out = endpoints(["--json"]);
    expect(out.status, out.stderr).toBe(0);
    const list = JSON.parse(out.stdout);
    expect(list.map((e: any) => `${e.network}/${e.containerId}/${e.ifName}`)).toEqual(["epnet/pod-a/eth0", "epnet/pod-b/eth0", "epptp/pod-c/eth0", "orphans/lonely/net1"]);
    const [ea, eb, ec, eo] = list;
    const ipOf = (r: any) => r.ips.map((i: any) => i.address);
    expect(ea).toMatchObject({
      netns: pods[0]!.path, ips: ipOf(a), allocations: [ipOf(a)[0].split("/")[0]], hostInterface: hostPeerOf(node, pods[0]!), bridge: "tscni-ep0",
      portMappings: CAPS.portMappings, bandwidth: CAPS.bandwidth, plugins: ["bridge", "portmap", "bandwidth"], ipam: "host-local", sources: ["cache", "host-local"],
    });
    expect(node.ipJson(["link", "show", ea.ifb])[0].link_type).toBe("ether"); // the ifb it names exists
    expect(pods[0]!.ipJson(["addr", "show", "eth0"])[0].addr_info.map((i: any) => `${i.local}/${i.prefixlen}`)).toContain(ea.ips[0]);
    expect(eb).toMatchObject({ ips: ipOf(b), hostInterface: hostPeerOf(node, pods[1]!), portMappings: [], ifb: "" });
    expect(eb.bandwidth).toBeUndefined();
    expect(ec).toMatchObject({ ips: ipOf(c), hostInterface: hostPeerOf(node, pods[2]!), plugins: ["ptp"], bridge: "" });
    expect(eo).toMatchObject({ ips: [], allocations: ["10.83.0.2"], plugins: [], ipam: "host-local", sources: ["host-local"], netns: "" });

    const table = endpoints([]);
    expect(table.status).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NETWORK +CONTAINER +IFNAME +IPS +HOST-IF +PORTS +SHAPING +PLUGINS +SOURCE$/);
    expect(lines).toHaveLength(5);
    expect(lines[1]!.split(/ {2,}/)).toEqual(["epnet", "pod-a", "eth0", ea.ips[0], ea.hostInterface,
      "18080->80/tcp,127.0.0.1:15353->53/udp", "in 8Mbit out 16Mbit", "bridge(host-local),portmap,bandwidth", "cache+ipam"]);
    expect(lines[4]!.split(/ {2,}/)).toEqual(["orphans", "lonely", "net1", "10.83.0.2", "-", "-", "-", "(host-local)", "ipam"]);

    const only = endpoints(["--network", "epptp", "--json"]);
    expect(JSON.parse(only.stdout).map((e: any) => e.containerId)).toEqual(["pod-c"]);

    expect(run("del", "epnet", pods[0]!, "pod-a").code).toBe(0);
    expect(JSON.parse(endpoints(["--json"]).stdout).map((e: any) => e.containerId)).toEqual(["pod-b", "pod-c", "lonely"]);
  });

  it("endpoints: a bad flag -> usage on stderr, exit 2; nothing on the node -> header only", () => {
    const bad = endpoints(["--bogus"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^tscni endpoints: unknown flag --bogus\nusage: tscni endpoints/);
    const none = endpoints([]);
    expect(none.status).toBe(0);
    expect(none.stdout).toMatch(/^NETWORK +CONTAINER .*SOURCE\n$/);
    expect(JSON.parse(endpoints(["--json"]).stdout)).toEqual([]);
  });
});
