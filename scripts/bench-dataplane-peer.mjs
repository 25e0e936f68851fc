#!/usr/bin/env node
// The data-plane bench's TCP peers (scripts/bench-dataplane.mjs starts them inside its own tscni-* netns).
//   server PORT                      accept loop: writes one byte to every connection, then ends it
//   rrserver PORT                    echoes every byte back (the request-response latency peer)
//   connect HOST PORT SECONDS MAX CONCURRENCY
//                                    opens new connections (CONCURRENCY in flight) until SECONDS have passed
//                                    or MAX were made; each waits for the server's byte, then closes with
//                                    a reset (no TIME_WAIT to exhaust the ports); prints one JSON line
//                                    (rate, and the client's CPU microseconds per connection)
//   rr HOST PORT COUNT               COUNT one-byte round trips on one connection; prints one JSON line
// Every mode is bounded: servers exit when their stdin closes (the parent is gone) or after MAX_LIFE_MS;
// clients stop at their count or deadline and exit by a hard timer whatever happens.
import { createConnection, createServer } from "node:net";

const MAX_LIFE_MS = 15 * 60 * 1000;
const [mode, ...rest] = process.argv.slice(2);

function serve(port, onConnection) {
  const server = createServer((s) => {
    s.setNoDelay(true);
    s.on("error", () => {});
    onConnection(s);
  });
  server.listen({ port: Number(port), host: "0.0.0.0", backlog: 4096 }, () => process.stdout.write("ready\n"));
  process.stdin.on("end", () => process.exit(0));
  process.stdin.on("error", () => process.exit(0));
  process.stdin.resume();
  setTimeout(() => process.exit(0), MAX_LIFE_MS).unref();
}

function connectLoop(host, port, seconds, max, concurrency) {
  const deadline = performance.now() + seconds * 1000;
  let started = 0, done = 0, errors = 0, inFlight = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const finish = () => {
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    // the client's CPU time (user + system) per connection: the SYN's netfilter walk runs in the
    // sender's softirq, charged to it, so this reads the rule walk with little of the machine's load in it
    const cpuUsPerConnection = done ? (cpu.user + cpu.system) / done : 0;
    process.stdout.write(JSON.stringify({ connections: done, errors, seconds: s, rate: done / s, cpuUsPerConnection }) + "\n");
    process.exit(0);
  };
  const next = () => {
    if (performance.now() >= deadline || started >= max) return inFlight === 0 && finish();
    started++;
    inFlight++;
    const s = createConnection({ host, port: Number(port), noDelay: true });
    let settled = false;
    const settle = (ok) => {
      if (settled) return;
      settled = true;
      inFlight--;
      if (ok) {
        done++;
        s.resetAndDestroy();
      } else {
        errors++;
        s.destroy();
      }
      next();
    };
    s.setTimeout(2000, () => settle(false));
    s.once("data", () => settle(true));
    s.on("error", () => settle(false));
    s.on("close", () => settle(false));
  };
  for (let i = 0; i < concurrency; i++) next();
  setTimeout(finish, seconds * 1000 + 10_000).unref();
}

function roundTrips(host, port, count) {
  const s = createConnection({ host, port: Number(port), noDelay: true });
  const samples = [];
  let t = 0;
  const send = () => {
    t = performance.now();
    s.write("x");
  };
  s.on("connect", send);
  s.on("data", (buf) => {
    for (let i = 0; i < buf.length; i++) samples.push((performance.now() - t) * 1000);
    if (samples.length >= count) {
      samples.sort((a, b) => a - b);
      process.stdout.write(JSON.stringify({ count: samples.length, medianUs: samples[samples.length >> 1], p90Us: samples[Math.floor(samples.length * 0.9)] }) + "\n");
      s.destroy();
      process.exit(0);
    }
    send();
  });
  s.on("error", (e) => {
    process.stderr.write(`rr: ${e.message}\n`);
    process.exit(1);
  });
  setTimeout(() => {
    process.stderr.write(`rr: ${samples.length} of ${count} round trips before the deadline\n`);
    process.exit(1);
  }, 60_000).unref();
}

if (mode === "server") serve(rest[0], (s) => s.end("x"));
else if (mode === "rrserver") serve(rest[0], (s) => s.pipe(s));
else if (mode === "connect") connectLoop(rest[0], rest[1], Number(rest[2]), Number(rest[3]), Number(rest[4]));
else if (mode === "rr") roundTrips(rest[0], rest[1], Number(rest[2]));
else {
  process.stderr.write("usage: bench-dataplane-peer.mjs server PORT | rrserver PORT | connect HOST PORT SECONDS MAX CONCURRENCY | rr HOST PORT COUNT\n");
  process.exit(2);
}
