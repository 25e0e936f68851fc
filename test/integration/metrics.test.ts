// metricsFile: every plugin invocation of a conflist whose plugins name it updates one Prometheus
// textfile, under a lock (parallel ADDs lose no count) and atomically; Debian's node-exporter
// (its textfile collector parses with Prometheus' own strict text parser) reads it without error and
// exposes exactly the counts made. Without the key nothing is written.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNetns, deleteAllNetns, expectOk, runConflist, runConflistSync, runPluginSync, tempDir, type TestNetns } from "./harness.ts";

const isRoot = process.getuid?.() === 0;
const PODS = 8;
const EXPORTER = "/usr/bin/prometheus-node-exporter";

afterAll(deleteAllNetns);

/** Scrapes node-exporter's /metrics from inside the node netns (busybox wget), retrying until it listens. */
async function scrape(node: TestNetns, port: number): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const r = spawnSync("nsenter", [`--net=${node.path}`, "--", "busybox", "wget", "-qO-", `http://127.0.0.1:${port}/metrics`], { encoding: "utf8" });
    if (r.status === 0) return r.stdout;
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error("node-exporter did not answer");
}

/** The value of one exposed sample line (labels in the exporter's order, which is ours). */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.skipIf(!isRoot)("metricsFile", () => {
  let node: TestNetns;
  let pods: TestNetns[];
  let dir: { path: string; remove(): void };
  let exporter: ChildProcess | undefined;
  const textDir = () => join(dir.path, "textfile");
  const conflist = (metrics: boolean) => {
    const file = join(dir.path, metrics ? "m.conflist" : "plain.conflist");
    const m = metrics ? { metricsFile: join(textDir(), "cni.prom") } : {};
    writeFileSync(file, JSON.stringify({
      cniVersion: "1.1.0",
      name: "metnet",
      plugins: [
        { type: "bridge", bridge: "tscni-met0", isGateway: true, ipam: { type: "host-local", ranges: [[{ subnet: "10.84.0.0/24" }]], dataDir: join(dir.path, "ipam") }, ...m },
        { type: "portmap", capabilities: { portMappings: true }, ...m },
      ],
    }));
    return file;
  };

  beforeEach(() => {
    node = createNetns("met");
    pods = Array.from({ length: PODS }, () => createNetns("metp"));
    dir = tempDir("met");
    mkdirSync(textDir());
  });
  afterEach(() => {
    if (exporter?.pid) process.kill(exporter.pid, "SIGTERM");
    exporter = undefined;
    for (const p of pods) p.delete();
    node.delete();
    dir.remove();
  });

  it("add x8 in parallel, a failing check, del x8 -> exact counts and latency histograms, read by node-exporter without error", async () => {
    const list = conflist(true);
    const flags = (i: number) => ["--id", `met${i}`, "--cache-dir", join(dir.path, "cache")];
    const adds = await Promise.all(pods.map((p, i) =>
      runConflist({ verb: "add", conflist: list, netns: p.path, node, flags: [...flags(i), "--cap-args", JSON.stringify({ portMappings: [{ hostPort: 18300 + i, containerPort: 80, protocol: "tcp" }] })] })));
    for (const a of adds) expect(a.code, a.stdout + a.stderr).toBe(0);
    pods[0]!.exec("ip", ["addr", "flush", "dev", "eth0"]);
    const check = runConflistSync({ verb: "check", conflist: list, netns: pods[0]!.path, node, flags: flags(0) });
    expect(check.code).toBe(1);
    const checkCode = check.json.code as number;
    for (const [i, p] of pods.entries()) expect(runConflistSync({ verb: "del", conflist: list, netns: p.path, node, flags: flags(i) }).code).toBe(0);
    // the lock file and the textfile only: no temporary file left behind
    expect(readdirSync(textDir()).sort()).toEqual([".cni.prom.lock", "cni.prom"]);

    const port = 9100;
    exporter = spawn("nsenter", [`--net=${node.path}`, "--", EXPORTER, "--collector.disable-defaults", "--collector.textfile",
      `--collector.textfile.directory=${textDir()}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
    const text = await scrape(node, port);
    expect(sample(text, "node_textfile_scrape_error")).toBe(0);
    const calls = (plugin: string, verb: string, code: number) => sample(text, `tscni_cni_calls_total{code="${code}",plugin="${plugin}",verb="${verb}"}`);
    expect(calls("bridge", "ADD", 0)).toBe(PODS);
    expect(calls("portmap", "ADD", 0)).toBe(PODS);
    expect(calls("bridge", "DEL", 0)).toBe(PODS);
    expect(calls("portmap", "DEL", 0)).toBe(PODS);
    expect(calls("bridge", "CHECK", checkCode)).toBe(1); // CHECK stops at the first failing plugin
    expect(sample(text, `tscni_cni_errors_total{code="${checkCode}",plugin="bridge",verb="CHECK"}`)).toBe(1);
    expect(sample(text, `tscni_cni_duration_seconds_count{plugin="bridge",verb="ADD"}`)).toBe(PODS);
    expect(sample(text, `tscni_cni_duration_seconds_bucket{plugin="bridge",verb="ADD",le="+Inf"}`)).toBe(PODS);
    const sum = sample(text, `tscni_cni_duration_seconds_sum{plugin="bridge",verb="ADD"}`)!;
    expect(sum).toBeGreaterThan(0);
    expect(text).toMatch(/# TYPE tscni_cni_duration_seconds histogram/);
  }, 300_000);

  it("no metricsFile -> nothing written; metricsFile in a missing dir -> ADD still succeeds, stderr says why", () => {
    expectOk(runConflistSync({ verb: "add", conflist: conflist(false), netns: pods[0]!.path, node, flags: ["--id", "plain", "--cache-dir", join(dir.path, "cache")] }));
    expect(readdirSync(textDir())).toEqual([]);
    const missing = join(dir.path, "nope", "cni.prom");
    const r = runPluginSync({ plugin: "loopback", command: "ADD", netns: pods[1]!.path, ifname: "lo", config: { cniVersion: "1.0.0", name: "lo", type: "loopback", metricsFile: missing } });
    expect(r.code, r.stdout).toBe(0);
    expect(r.json.interfaces[0].name).toBe("lo");
    expect(r.stderr).toMatch(/^metrics: .*nope\/cni\.prom: /);
    expect(existsSync(join(dir.path, "nope"))).toBe(false);
  });
});
