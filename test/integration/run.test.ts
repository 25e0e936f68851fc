// `tscni run`: the conflist executor, against the compiled plugins in a private node netns. What a
// runtime's libcni does: ADD chains prevResult (bandwidth's ifb joins bridge's interfaces), caches
// the final result in libcni's format, CHECK and DEL read it back (DEL in reverse, with or without
// the netns), GC deletes what is not valid and calls each plugin's GC, STATUS asks each plugin.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNetns, deleteAllNetns, runConflistSync, tempDir, type TestNetns } from "./harness.ts";

const isRoot = process.getuid?.() === 0;
const NET = "runnet";
const CAPS = JSON.stringify({
  portMappings: [{ hostPort: 18080, containerPort: 80, protocol: "tcp" }],
  bandwidth: { ingressRate: 8_000_000, ingressBurst: 80_000, egressRate: 8_000_000, egressBurst: 80_000 },
});

afterAll(deleteAllNetns);

describe.skipIf(!isRoot)("tscni run (conflist executor)", () => {
  let node: TestNetns;
  let pods: TestNetns[];
  let dir: { path: string; remove(): void };
  let conflist: string;
  const cacheDir = () => join(dir.path, "cache");
  const ipamDir = () => join(dir.path, "ipam", NET);
  const run = (verb: "add" | "check" | "del" | "gc" | "status", netns: string | undefined, flags: string[]) =>
    runConflistSync({ verb, conflist, netns, node, flags: [...flags, "--cache-dir", cacheDir()] });
  const ipFiles = () => (existsSync(ipamDir()) ? readdirSync(ipamDir()).filter((f) => !/^(lock|last_reserved_ip\.\d+)$/.test(f)) : []);
  const nft = () => node.exec("nft", ["list", "ruleset"]);

  beforeEach(() => {
    node = createNetns("run");
    pods = [createNetns("runp"), createNetns("runp")];
    dir = tempDir("run");
    conflist = join(dir.path, "net.conflist");
    writeFileSync(conflist, JSON.stringify({
      cniVersion: "1.1.0",
      name: NET,
      plugins: [
        { type: "bridge", bridge: "tscni-run0", isGateway: true, ipMasq: true,
          ipam: { type: "host-local", ranges: [[{ subnet: "10.78.0.0/24" }]], dataDir: join(dir.path, "ipam") } },
        { type: "portmap", capabilities: { portMappings: true }, snat: true },
        { type: "bandwidth", capabilities: { bandwidth: true } },
      ],
    }));
  });
  afterEach(() => {
    for (const p of pods) p.delete();
    node.delete();
    dir.remove();
  });

  it("add: chain in order, prevResult chained, result cached in libcni's format; check ok; del -> nothing left", () => {
    const add = run("add", pods[0]!.path, ["--id", "c1", "--cap-args", CAPS, "--args", "IgnoreUnknown=1;K8S_POD_NAME=p1"]);
    expect(add.code, add.stdout + add.stderr).toBe(0);
    const names = add.json.interfaces.map((i: { name: string }) => i.name);
    expect(names[0]).toBe("tscni-run0");
    expect(names[2]).toBe("eth0");
    expect(names[3]).toMatch(/^bwp[0-9a-f]{12}$/); // bandwidth saw bridge's result and appended its ifb
    const podIp = add.json.ips[0].address.split("/")[0];
    expect(pods[0]!.ipJson(["addr", "show", "eth0"])[0].addr_info.map((a: { local: string }) => a.local)).toContain(podIp);
    const file = JSON.parse(readFileSync(join(cacheDir(), "results", `${NET}-c1-eth0`), "utf8"));
    expect(file).toMatchObject({ kind: "cniCacheV1", containerId: "c1", ifName: "eth0", networkName: NET, netns: pods[0]!.path,
      cniArgs: [["IgnoreUnknown", "1"], ["K8S_POD_NAME", "p1"]], capabilityArgs: JSON.parse(CAPS), result: add.json });
    expect(Buffer.from(file.config, "base64").toString()).toBe(readFileSync(conflist, "utf8"));
    expect(nft()).toContain("tcp . 18080");

    expect(run("check", pods[0]!.path, ["--id", "c1"]).code).toBe(0);
    pods[0]!.exec("ip", ["addr", "flush", "dev", "eth0"]);
    const bad = run("check", pods[0]!.path, ["--id", "c1"]);
    expect(bad.code).toBe(1);
    expect(bad.json.msg).toMatch(/^plugin type="bridge" name="runnet" failed \(check\)/);

    // DEL as ctr does it: no netns; the cached capability args reach portmap
    const del = run("del", undefined, ["--id", "c1"]);
    expect(del.code, del.stdout).toBe(0);
    expect(existsSync(join(cacheDir(), "results", `${NET}-c1-eth0`))).toBe(false);
    expect(ipFiles()).toEqual([]);
    expect(node.ipJson(["link", "show", "type", "ifb"])).toEqual([]);
    expect(nft()).not.toMatch(/18080|id: c1|"c1 net/);
    expect(run("del", undefined, ["--id", "c1"]).code).toBe(0); // idempotent, nothing cached
  });

  it("gc: the attachment not in --valid is deleted with its cached netns and args; the valid one kept", () => {
    expect(run("add", pods[0]!.path, ["--id", "keep"]).code).toBe(0);
    expect(run("add", pods[1]!.path, ["--id", "stale", "--cap-args", CAPS]).code).toBe(0);
    expect(ipFiles()).toHaveLength(2);
    const gc = run("gc", undefined, ["--valid", "keep/eth0"]);
    expect(gc.code, gc.stdout).toBe(0);
    expect(readdirSync(join(cacheDir(), "results"))).toEqual([`${NET}-keep-eth0`]);
    expect(ipFiles()).toHaveLength(1);
    expect(readFileSync(join(ipamDir(), ipFiles()[0]!), "utf8")).toMatch(/^keep/);
    expect(pods[1]!.ipJson(["link", "show"]).map((l: { ifname: string }) => l.ifname)).toEqual(["lo"]); // stale pod's veth gone
    expect(node.ipJson(["link", "show", "type", "veth"])).toHaveLength(1);
    expect(nft()).not.toMatch(/18080|"stale net/);
  });

  it("status: every plugin answers -> 0; a plugin missing from the dir -> error naming it", () => {
    expect(run("status", undefined, []).code).toBe(0);
    const missing = runConflistSync({ verb: "status", conflist, node, dir: join(dir.path, "empty"), flags: ["--cache-dir", cacheDir()] });
    expect(missing.code).toBe(1);
    expect(missing.json.msg).toContain('failed to find plugin "bridge"');
  });

  it("add: a plugin fails -> exit 1 with its error code and which plugin failed", () => {
    const add = run("add", pods[0]!.path, ["--id", "c1", "--cap-args", JSON.stringify({ portMappings: [{ hostPort: 0, containerPort: 80, protocol: "tcp" }] })]);
    expect(add.code).toBe(1);
    expect(add.json).toMatchObject({ code: 7 });
    expect(add.json.msg).toMatch(/^plugin type="portmap" name="runnet" failed \(add\): /);
    expect(existsSync(join(cacheDir(), "results", `${NET}-c1-eth0`))).toBe(false);
  });
});
