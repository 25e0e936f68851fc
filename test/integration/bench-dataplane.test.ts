// Smoke test of the data-plane bench (scripts/bench-dataplane.mjs) with tiny counts: it must produce a
// figure for every row and leave no namespace behind, also when it fails half-way. No figure is judged:
// only that traffic crossed (a connection rate above zero needs the host port's DNAT to work).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN_DIR, REF_DIR, ROOT, hasReference } from "./harness.ts";

const isRoot = process.getuid?.() === 0;
const hasTools = spawnSync("iperf3", ["--version"]).status === 0 && spawnSync("ping", ["-V"]).status === 0;
const enabled = isRoot && hasReference && existsSync(join(BIN_DIR, "portmap")) && hasTools;
const work = mkdtempSync(join(tmpdir(), "tscni-dp-test-"));

const benchNetns = () => spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout.split("\n").map((l) => l.split(" ")[0] ?? "").filter((n) => n.startsWith("tscni-dp-"));

/** Runs the bench as a child without blocking the test worker (a minute-long spawnSync stalls vitest's RPC). */
function bench(extra: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const tiny = ["--pods", "3", "--seconds", "0.5", "--reps", "1", "--real", "1", "--iperf-seconds", "1", "--pings", "5", "--rr-count", "20"];
  const child = spawn(process.execPath, [join(ROOT, "scripts/bench-dataplane.mjs"), "--tscni", BIN_DIR, "--ref", REF_DIR, ...tiny, ...extra]);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGTERM"), 300_000); // the bench deletes its netns on SIGTERM
  return new Promise((res) => child.on("close", (status) => (clearTimeout(timer), res({ status, stdout, stderr }))));
}

describe.skipIf(!enabled)("bench-dataplane (tiny counts)", () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("run: every row has a figure, 3 mappings on each node, namespaces deleted", async () => {
    const before = benchNetns();
    const out = join(work, "dp.json");
    const r = await bench(["--out", out]);
    expect(r.status, r.stderr).toBe(0);
    const dp = JSON.parse(readFileSync(out, "utf8"));
    expect(dp.rate.map((row: { pods: number }) => row.pods)).toEqual([3]);
    for (const row of dp.rate) {
      for (const suite of ["tscni", "reference"]) {
        expect(row[suite].rate).toBeGreaterThan(0);
        expect(row[suite].cpuUs).toBeGreaterThan(0);
      }
    }
    expect(dp.rate[0].reference.copied + dp.rate[0].reference.realAdds).toBe(2);
    expect(dp.bridge.rows).toHaveLength(8);
    for (const row of dp.bridge.rows) {
      expect(row.tscni).toBeGreaterThan(0);
      expect(row.hand).toBeGreaterThan(0);
    }
    expect(r.stdout).toContain("### Data plane");
    expect(benchNetns()).toEqual(before);
  }, 320_000);

  it("run: a suite that fails half-way -> non-zero exit, namespaces deleted", async () => {
    const before = benchNetns();
    const r = await bench(["--ref", join(work, "no-such-plugin-dir")]);
    expect(r.status).not.toBe(0);
    expect(benchNetns()).toEqual(before);
  }, 320_000);
});
