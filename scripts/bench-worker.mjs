#!/usr/bin/env node
// Bench worker: runs inside one suite's private node netns (started under nsenter once), execs plugins
// on request and reports wall time, so the measurement contains the plugin and nothing else.
// Protocol: one JSON request per stdin line {bin, env, stdin}; one JSON reply per line {ms, status, stdout, stderr}.
import { spawnSync } from "node:child_process";
import { createInterface } from "node:readline";

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const req = JSON.parse(line);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(req.bin, [], { input: req.stdin, env: req.env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(JSON.stringify({ ms, status: r.status, stdout: r.stdout, stderr: r.stderr }) + "\n");
});
