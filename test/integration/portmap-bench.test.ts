// Measurement, not an assertion: median ADD and DEL wall time of tscni's portmap against the reference
// /usr/lib/cni/portmap for the same mapping and prevResult, interleaved in one run, in a private node
// netns. Opt-in: TSCNI_PM_BENCH=1 (N iterations via TSCNI_PM_BENCH_N, default 21). Needs root.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN_DIR, createNetns, deleteAllNetns, REF_DIR, runPluginSync } from "./harness.ts";

const enabled = process.env.TSCNI_PM_BENCH === "1" && process.getuid?.() === 0 && existsSync(join(REF_DIR, "portmap")) && existsSync(join(BIN_DIR, "portmap"));
const N = Number(process.env.TSCNI_PM_BENCH_N ?? 21);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe.skipIf(!enabled)("portmap ADD/DEL timing vs the reference", () => {
  afterAll(() => deleteAllNetns());

  it("bench: median ADD and DEL, tscni vs reference", () => {
    const node = createNetns("pmbench");
    const pod = createNetns("pmbenchpod");
    try {
      node.exec("sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
      const conf = {
        cniVersion: "1.0.0", name: "benchnet", type: "portmap",
        runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }, { hostPort: 5353, containerPort: 53, protocol: "udp" }] },
        prevResult: { cniVersion: "1.0.0", interfaces: [{ name: "eth0", sandbox: "/run/netns/x" }], ips: [{ address: "10.90.0.2/24", interface: 0 }] },
      };
      const time = (dir: string, command: string) => {
        const t0 = process.hrtime.bigint();
        const r = runPluginSync({ plugin: "portmap", command, config: conf, containerId: "bench1", netns: pod.path, node, dir });
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (r.code !== 0) throw new Error(`${dir} ${command}: ${r.stdout}${r.stderr}`);
        return ms;
      };
      const t = { ours: { ADD: [] as number[], DEL: [] as number[] }, ref: { ADD: [] as number[], DEL: [] as number[] } };
      for (let i = 0; i < N; i++) {
        t.ours.ADD.push(time(BIN_DIR, "ADD"));
        t.ours.DEL.push(time(BIN_DIR, "DEL"));
        t.ref.ADD.push(time(REF_DIR, "ADD"));
        t.ref.DEL.push(time(REF_DIR, "DEL"));
      }
      const line = (k: "ours" | "ref") => `${k === "ours" ? "tscni    " : "reference"} ADD ${median(t[k].ADD).toFixed(1)} ms  DEL ${median(t[k].DEL).toFixed(1)} ms`;
      console.log(`portmap, N=${N} (nsenter + exec included):\n${line("ours")}\n${line("ref")}`);
      expect(t.ours.ADD).toHaveLength(N);
    } finally {
      pod.delete();
      node.delete();
    }
  }, 120_000);
});
