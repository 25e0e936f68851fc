// host-local through the compiled binary: lifecycle, concurrency, exhaustion, bad input, and store
// compatibility with the reference host-local (/usr/lib/cni) on the same dataDir, both ways.
// Every test runs the plugins inside its own private node netns (tscni-hl-*), with a temp dataDir.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  BIN_DIR, REF_DIR, createNetns, deleteAllNetns, hasReference, runPlugin, runPluginSync, tempDir, type PluginCall,
  type PluginOutcome, type TestNetns,
} from "./harness.ts";

/** TSCNI_BIN_DIR overrides where our host-local is taken from (default: the build's dist/bin). */
const OURS = process.env.TSCNI_BIN_DIR ?? BIN_DIR;
const hasOurs = fs.existsSync(path.join(OURS, "host-local"));
const isRoot = process.getuid?.() === 0;
const NET = "hlnet";

let node: TestNetns;
let ctr: TestNetns;
let data: { path: string; remove(): void };

beforeEach(() => {
  node = createNetns("hl");
  ctr = createNetns("hlc");
  data = tempDir("hl");
});
afterEach(() => {
  node?.delete();
  ctr?.delete();
  data?.remove();
});
afterAll(() => deleteAllNetns());

function conf(ipam: Record<string, unknown>, cniVersion = "1.0.0", extra: Record<string, unknown> = {}) {
  return { cniVersion, name: NET, type: "bridge", ipam: { type: "host-local", dataDir: data.path, ...ipam }, ...extra };
}

type Call = Omit<PluginCall, "plugin" | "node">;
const base = (c: Call): PluginCall => ({ plugin: "host-local", node, netns: ctr.path, dir: OURS, ...c });
const ours = (c: Call): PluginOutcome => runPluginSync(base(c));
const ref = (c: Call): PluginOutcome => runPluginSync(base({ ...c, dir: REF_DIR }));
const oursAsync = (c: Call) => runPlugin(base(c));
const refAsync = (c: Call) => runPlugin(base({ ...c, dir: REF_DIR }));

function ok(o: PluginOutcome): any {
  if (o.code !== 0) throw new Error(`plugin failed (exit ${o.code}): ${o.stdout} ${o.stderr}`);
  return o.json;
}

const storeDir = () => path.join(data.path, NET);
const files = () => (fs.existsSync(storeDir()) ? fs.readdirSync(storeDir()).sort() : []);
const ipFiles = () => files().filter((f) => f !== "lock" && !f.startsWith("last_reserved_ip."));
const holder = (ip: string) => fs.readFileSync(path.join(storeDir(), ip), "utf8");

/** 1.x results differ only in whether an empty "dns" is printed; compare without it. */
function normalise(r: any): any {
  const out = structuredClone(r);
  if (out?.dns && Object.keys(out.dns).length === 0) delete out.dns;
  return out;
}

const run = isRoot && hasOurs ? describe : describe.skip;
const runRef = isRoot && hasOurs && hasReference ? describe : describe.skip;

run("host-local binary", () => {
  it("add/check/del/gc/status: lifecycle -> store files created, checked, released", () => {
    const c = conf({ ranges: [[{ subnet: "10.10.0.0/24" }], [{ subnet: "fd10::/64" }]] }, "1.1.0");
    const r = ok(ours({ command: "ADD", config: c, containerId: "life1" }));
    expect(r.ips.map((i: any) => i.address)).toEqual(["10.10.0.2/24", "fd10::2/64"]);
    expect(holder("10.10.0.2")).toBe("life1\r\neth0");
    expect(ok(ours({ command: "CHECK", config: { ...c, prevResult: r }, containerId: "life1" }))).toBeUndefined();
    const missing = ours({ command: "CHECK", config: { ...c, prevResult: r }, containerId: "nobody" });
    expect(missing.code).not.toBe(0);
    expect(missing.json.msg).toBe("host-local: Failed to find address added by container nobody");
    ok(ours({ command: "ADD", config: c, containerId: "life2" }));
    const gc = { ...c, "cni.dev/valid-attachments": [{ containerID: "life2", ifname: "eth0" }] };
    ok(ours({ command: "GC", config: gc, containerId: undefined, ifname: undefined, netns: undefined }));
    expect(ipFiles()).toEqual(["10.10.0.3", "fd10::3"]);
    ok(ours({ command: "DEL", config: c, containerId: "life2" }));
    ok(ours({ command: "DEL", config: c, containerId: "life2" }));
    expect(files()).toEqual(["last_reserved_ip.0", "last_reserved_ip.1", "lock"]);
    ok(ours({ command: "STATUS", config: c }));
  });

  it("status: dataDir under a regular file -> error 50", () => {
    fs.writeFileSync(path.join(data.path, "f"), "");
    const o = ours({ command: "STATUS", config: conf({ subnet: "10.10.0.0/24", dataDir: path.join(data.path, "f") }, "1.1.0") });
    expect([o.code, o.json?.code]).toEqual([1, 50]);
  });

  it("add: range exhausted -> reference's error, no file for the failed container", () => {
    const c = conf({ subnet: "10.11.0.0/29" });
    for (let i = 0; i < 5; i++) ok(ours({ command: "ADD", config: c, containerId: `ex${i}` }));
    const o = ours({ command: "ADD", config: c, containerId: "ex5" });
    expect(o.code).toBe(1);
    expect(o.json.msg).toBe("failed to allocate for range 0: no IP addresses available in range set: 10.11.0.1-10.11.0.6");
    expect(ipFiles().map(holder).filter((h) => h.startsWith("ex5"))).toEqual([]);
  });

  it("add: same container twice -> duplicate allocation error", () => {
    const c = conf({ subnet: "10.12.0.0/24" });
    ok(ours({ command: "ADD", config: c, containerId: "dup" }));
    expect(ours({ command: "ADD", config: c, containerId: "dup" }).json.msg).toBe(
      "failed to allocate for range 0: 10.12.0.2 has been allocated to dup, duplicate allocation is not allowed",
    );
  });

  it("lock: another process holds flock on <store>/lock -> ADD waits for it", async () => {
    const c = conf({ subnet: "10.14.0.0/24" });
    ok(ours({ command: "ADD", config: c, containerId: "l0" }));
    const lockFile = path.join(storeDir(), "lock");
    const holderProc = spawn("flock", ["-x", lockFile, "sleep", "1"], { stdio: "ignore" });
    const holderDone = new Promise((r) => holderProc.on("exit", r));
    try {
      // wait until flock(1) really holds the lock (a non-blocking try fails), whatever the machine's load
      while (spawnSync("flock", ["-n", lockFile, "true"]).status === 0) await new Promise((r) => setTimeout(r, 10));
      let holderExited = false;
      void holderDone.then(() => (holderExited = true));
      ok(await oursAsync({ command: "ADD", config: c, containerId: "l1" }));
      // ordering, not timing: the ADD could only finish once the holder had released the lock
      expect(holderExited).toBe(true);
    } finally {
      holderProc.kill();
    }
  }, 20_000);

  it("add x100 concurrently then del x100 -> 100 distinct IPs, consistent store, then empty", async () => {
    const c = conf({ subnet: "10.13.0.0/24" });
    const ids = Array.from({ length: 100 }, (_, i) => `conc${i}`);
    const adds = await Promise.all(ids.map((id) => oursAsync({ command: "ADD", config: c, containerId: id })));
    const ips = adds.map((o) => ok(o).ips[0].address.split("/")[0]);
    expect(new Set(ips).size).toBe(100);
    expect(ipFiles().length).toBe(100);
    ids.forEach((id, i) => expect(holder(ips[i]!)).toBe(`${id}\r\neth0`));
    const dels = await Promise.all(ids.map((id) => oursAsync({ command: "DEL", config: c, containerId: id })));
    dels.forEach(ok);
    expect(files()).toEqual(["last_reserved_ip.0", "lock"]);
  }, 120_000);
  it("add killed at each of its crash points, then DEL -> no allocation or temp file left, the IP is free again", () => {
    // issue 10 defect 6: a kill between creating and writing the allocation file left an empty file
    // that DEL could not release (the reference has the same hole); now the file is linked in complete
    const c = conf({ subnet: "10.15.0.0/24" });
    const rec = path.join(data.path, "points");
    ok(ours({ command: "ADD", config: c, containerId: "rec", env: { TSCNI_TEST_CRASH_AFTER: `record:${rec}` } }));
    ok(ours({ command: "DEL", config: c, containerId: "rec" }));
    const points = fs.readFileSync(rec, "utf8").trim().split("\n").map((l) => l.split("\t"));
    expect(points.map((p) => p[2])).toEqual(expect.arrayContaining(["write reservation file", "link allocation file"]));
    for (const [, n, step] of points) {
      const killed = ours({ command: "ADD", config: c, containerId: `k${n}`, env: { TSCNI_TEST_CRASH_AFTER: `host-local:${n}` } });
      expect([step, killed.code === 0]).toEqual([step, false]); // SIGKILLed
      ok(ours({ command: "DEL", config: c, containerId: `k${n}` }));
      expect([step, ipFiles()]).toEqual([step, []]);
      expect(fs.readdirSync(path.join(data.path, ".tscni-host-local", NET)).filter((f) => f !== "stamp")).toEqual([]);
    }
    // nothing leaked: a new container gets the range's first address (the rotation resumes after it)
    const r = ok(ours({ command: "ADD", config: c, containerId: "after", cniArgs: "IP=10.15.0.2" }));
    expect(r.ips[0].address).toBe("10.15.0.2/24");
  }, 120_000);

  it("an empty allocation file (a writer killed between create and write) -> the next DEL releases it, never a held one", () => {
    const c = conf({ subnet: "10.16.0.0/24" });
    ok(ours({ command: "ADD", config: c, containerId: "held" }));
    fs.writeFileSync(path.join(storeDir(), "10.16.0.7"), ""); // as the reference leaves it when killed
    ok(ours({ command: "DEL", config: c, containerId: "whoever" }));
    expect(ipFiles()).toEqual(["10.16.0.2"]);
    expect(ok(ours({ command: "ADD", config: c, containerId: "next", cniArgs: "IP=10.16.0.7" })).ips[0].address).toBe("10.16.0.7/24");
  });
});

runRef("host-local vs reference /usr/lib/cni/host-local", () => {
  it("store: interleaved ADDs by both suites -> no duplicates; each releases the other's", () => {
    const c = conf({ subnet: "10.20.0.0/24" });
    const got: string[] = [];
    for (let i = 0; i < 6; i++) {
      const call = { command: "ADD", config: c, containerId: `mix${i}` };
      got.push(ok(i % 2 ? ref(call) : ours(call)).ips[0].address);
    }
    expect(got).toEqual(["10.20.0.2/24", "10.20.0.3/24", "10.20.0.4/24", "10.20.0.5/24", "10.20.0.6/24", "10.20.0.7/24"]);
    expect(holder("10.20.0.3")).toBe("mix1\r\neth0"); // the reference's file, same format
    // each sees the other's allocation as a duplicate and as present for CHECK
    expect(ours({ command: "ADD", config: c, containerId: "mix1" }).json.msg).toContain("duplicate allocation is not allowed");
    expect(ref({ command: "ADD", config: c, containerId: "mix0" }).json.msg).toContain("duplicate allocation is not allowed");
    ok(ours({ command: "CHECK", config: { ...c, prevResult: { cniVersion: "1.0.0", ips: [] } }, containerId: "mix1" }));
    ok(ref({ command: "CHECK", config: { ...c, prevResult: { cniVersion: "1.0.0", ips: [] } }, containerId: "mix0" }));
    // cross release
    for (let i = 0; i < 6; i++) ok((i % 2 ? ours : ref)({ command: "DEL", config: c, containerId: `mix${i}` }));
    expect(files()).toEqual(["last_reserved_ip.0", "lock"]);
  });

  it("store: 60 concurrent ADDs split between suites -> 60 distinct IPs; cross DEL empties it", async () => {
    const c = conf({ subnet: "10.21.0.0/24" });
    const ids = Array.from({ length: 60 }, (_, i) => `cc${i}`);
    const adds = await Promise.all(
      ids.map((id, i) => (i % 2 ? refAsync : oursAsync)({ command: "ADD", config: c, containerId: id })),
    );
    const ips = adds.map((o) => ok(o).ips[0].address);
    expect(new Set(ips).size).toBe(60);
    expect(ipFiles().length).toBe(60);
    const dels = await Promise.all(
      ids.map((id, i) => (i % 2 ? oursAsync : refAsync)({ command: "DEL", config: c, containerId: id })),
    );
    dels.forEach(ok);
    expect(files()).toEqual(["last_reserved_ip.0", "lock"]);
  }, 120_000);

  it("store: 90 concurrent mixed ADD/DEL/duplicate ADD by both suites -> distinct IPs, each live holder found and released by tscni's index", async () => {
    const c = conf({ subnet: "10.23.0.0/24" });
    const add = (id: string, suite: "ours" | "ref") => (suite === "ours" ? oursAsync : refAsync)({ command: "ADD", config: c, containerId: id });
    const del = (id: string, suite: "ours" | "ref") => (suite === "ours" ? oursAsync : refAsync)({ command: "DEL", config: c, containerId: id });
    // 30 pods already there, every other one the reference's
    const pre = Array.from({ length: 30 }, (_, i) => `pre${i}`);
    (await Promise.all(pre.map((id, i) => add(id, i % 2 ? "ref" : "ours")))).forEach(ok);
    const gone = pre.slice(0, 15); // deleted now, by the other suite half the time
    const kept = pre.slice(15);
    const fresh = Array.from({ length: 40 }, (_, i) => `new${i}`);
    const ops: Array<Promise<PluginOutcome>> = [
      ...fresh.map((id, i) => add(id, i % 4 === 3 ? "ref" : "ours")),
      ...gone.map((id, i) => del(id, i % 3 === 2 ? "ref" : "ours")),
      ...kept.slice(0, 10).map((id) => add(id, "ours")), // duplicates: must fail
      ...Array.from({ length: 10 }, (_, i) => del(`never${i}`, "ours")),
      ...fresh.slice(0, 15).map((id) => del(`${id}-other`, "ours")),
    ];
    const outs = await Promise.all(ops);
    outs.slice(0, fresh.length + gone.length).forEach(ok);
    for (const o of outs.slice(fresh.length + gone.length, fresh.length + gone.length + 10)) expect(o.json?.msg).toContain("duplicate allocation is not allowed");
    outs.slice(fresh.length + gone.length + 10).forEach(ok);
    // exactly one file per live holder (IP files are distinct by name), none for the deleted ones
    const live = [...kept, ...fresh];
    expect(ipFiles().map(holder).sort()).toEqual(live.map((id) => `${id}\r\neth0`).sort());
    // tscni finds every live holder (whoever allocated it) as a duplicate, then releases each
    const dups = await Promise.all(live.map((id) => add(id, "ours")));
    dups.forEach((o) => expect(o.json?.msg).toContain("duplicate allocation is not allowed"));
    (await Promise.all(live.map((id) => del(id, "ours")))).forEach(ok);
    expect(ipFiles()).toEqual([]);
  }, 300_000);

  it("store: round-robin continues from the other suite's last_reserved_ip", () => {
    const c = conf({ subnet: "10.22.0.0/24" });
    ok(ref({ command: "ADD", config: c, containerId: "rr1", cniArgs: "IP=10.22.0.50" }));
    expect(ok(ours({ command: "ADD", config: c, containerId: "rr2" })).ips[0].address).toBe("10.22.0.51/24");
    expect(ok(ref({ command: "ADD", config: c, containerId: "rr3" })).ips[0].address).toBe("10.22.0.52/24");
    expect(fs.statSync(path.join(storeDir(), "10.22.0.51")).mode & 0o777).toBe(fs.statSync(path.join(storeDir(), "10.22.0.50")).mode & 0o777);
  });

  for (const version of ["0.2.0", "0.3.1", "0.4.0", "1.0.0"]) {
    it(`add: result for cniVersion ${version} -> same JSON as the reference`, () => {
      const rc = path.join(data.path, "resolv.conf");
      fs.writeFileSync(rc, "nameserver 10.0.0.53\ndomain ex.com\nsearch a.com b.com\noptions ndots:2\n");
      const ipam = (dir: string) => ({
        dataDir: path.join(data.path, dir),
        resolvConf: rc,
        ranges: [[{ subnet: "10.30.0.0/24", rangeStart: "10.30.0.10" }], [{ subnet: "FD30::/64" }]],
        routes: [{ dst: "0.0.0.0/0", gw: "10.30.0.1" }, { dst: "fd99::5/64" }],
      });
      const o = ok(ours({ command: "ADD", config: conf(ipam("a"), version), containerId: "v" }));
      const r = ok(ref({ command: "ADD", config: conf(ipam("b"), version), containerId: "v" }));
      expect(normalise(o)).toEqual(normalise(r));
    });
  }

  it("add: requested IPs (CNI_ARGS, args.cni.ips, runtimeConfig.ips) -> same result as the reference", () => {
    const mk = (dir: string) =>
      conf({ dataDir: path.join(data.path, dir), ranges: [[{ subnet: "10.31.0.0/24" }], [{ subnet: "fd31::/64" }]] }, "1.0.0", {
        args: { cni: { ips: ["fd31::99"] } },
        runtimeConfig: { ips: ["10.31.0.77/24"] },
      });
    const o = ok(ours({ command: "ADD", config: mk("a"), containerId: "req", cniArgs: "IgnoreUnknown=1;K8S_POD_NAME=x" }));
    const r = ok(ref({ command: "ADD", config: mk("b"), containerId: "req", cniArgs: "IgnoreUnknown=1;K8S_POD_NAME=x" }));
    expect(normalise(o)).toEqual(normalise(r));
    expect(o.ips.map((i: any) => i.address)).toEqual(["10.31.0.77/24", "fd31::99/64"]);
  });

  const good = () => JSON.stringify(conf({ subnet: "10.40.0.0/24" }));
  const badInputs: Array<[string, () => Call]> = [
    ["malformed JSON", () => ({ command: "ADD", stdin: "{not json", config: undefined })],
    ["empty stdin", () => ({ command: "ADD", stdin: "", config: undefined })],
    ["missing CNI_CONTAINERID", () => ({ command: "ADD", stdin: good(), config: undefined, env: { CNI_CONTAINERID: undefined } })],
    ["missing CNI_IFNAME", () => ({ command: "ADD", stdin: good(), config: undefined, env: { CNI_IFNAME: undefined } })],
    ["unknown CNI_COMMAND", () => ({ command: "FROB", stdin: good(), config: undefined })],
    ["bad container ID", () => ({ command: "ADD", stdin: good(), config: undefined, containerId: "-bad id" })],
    ["ifname a/b", () => ({ command: "ADD", stdin: good(), config: undefined, ifname: "a/b" })],
    ["unknown cniVersion", () => ({ command: "ADD", config: { ...conf({ subnet: "10.40.0.0/24" }), cniVersion: "9.9.9" } })],
    ["bad CNI_ARGS pair", () => ({ command: "ADD", stdin: good(), config: undefined, cniArgs: "IP" })],
    ["unknown CNI_ARGS key", () => ({ command: "ADD", stdin: good(), config: undefined, cniArgs: "FOO=bar" })],
    ["invalid subnet", () => ({ command: "ADD", config: conf({ subnet: "10.40.0.1/24" }) })],
    ["no ipam", () => ({ command: "ADD", config: { cniVersion: "1.0.0", name: NET, type: "bridge" } })],
  ];
  for (const [what, call] of badInputs) {
    it(`add: ${what} -> fails like the reference, no allocation left`, () => {
      const o = ours(call());
      const r = ref(call());
      expect(o.code).not.toBe(0);
      expect(r.code).not.toBe(0);
      const codes = { ours: o.json?.code, ref: r.json?.code };
      // our config-validation errors are 7 (invalid config) where the reference's are untyped (999)
      if (codes.ref === 999 && codes.ours === 7) codes.ours = 999;
      expect(codes.ours).toBe(codes.ref);
      expect(ipFiles()).toEqual([]);
    });
  }

  const badConfigs: Array<[string, Record<string, unknown>, string?]> = [
    ["/31", { subnet: "10.41.0.0/31" }],
    ["/128", { subnet: "fd41::/128" }],
    ["host bits", { subnet: "10.41.0.1/24" }],
    ["v4-mapped subnet", { subnet: "::ffff:10.41.0.0/120" }],
    ["start outside", { subnet: "10.41.0.0/24", rangeStart: "10.42.0.1" }],
    ["end outside", { subnet: "10.41.0.0/24", rangeEnd: "10.42.0.1" }],
    ["start after end", { subnet: "10.41.0.0/24", rangeStart: "10.41.0.100", rangeEnd: "10.41.0.50" }],
    ["bad CIDR", { subnet: "bogus" }],
    ["empty ranges", { ranges: [] }],
    ["empty range set", { ranges: [[]] }],
    ["range without subnet", { ranges: [[{ rangeStart: "10.41.0.5" }]] }],
    ["overlap in a set", { ranges: [[{ subnet: "10.41.0.0/24" }, { subnet: "10.41.0.0/25" }]] }],
    ["overlapping sets", { ranges: [[{ subnet: "10.41.0.0/24" }], [{ subnet: "10.41.0.0/25" }]] }],
    ["mixed families", { ranges: [[{ subnet: "10.41.0.0/24" }, { subnet: "fd41::/64" }]] }],
    ["requested gateway", { subnet: "10.41.0.0/24" }, "IP=10.41.0.1"],
    ["requested outside", { subnet: "10.41.0.0/24" }, "IP=10.99.0.1"],
    ["bad requested", { subnet: "10.41.0.0/24" }, "IP=bogus"],
    ["missing resolvConf", { subnet: "10.41.0.0/24", resolvConf: "/nonexistent/resolv.conf" }],
  ];
  for (const [what, ipam, cniArgs] of badConfigs) {
    it(`add: ${what} -> same message as the reference, nothing allocated`, () => {
      const o = ours({ command: "ADD", config: conf(ipam), cniArgs });
      const r = ref({ command: "ADD", config: conf(ipam), cniArgs });
      expect(r.code).toBe(1);
      expect(o.code).toBe(1);
      // ours may name the field first ("ipam.subnet: invalid CIDR address: bogus")
      expect(o.json.msg === r.json.msg ? r.json.msg : o.json.msg.replace(/^[\w.[\]]+: /, "")).toBe(r.json.msg);
      expect(ipFiles()).toEqual([]);
    });
  }

  it("add: huge stdin (2 MiB) -> error 6 and no allocation (the reference has no limit and allocates)", () => {
    const stdin = JSON.stringify({ ...conf({ subnet: "10.40.0.0/24" }), pad: "x".repeat(2 << 20) });
    const o = ours({ command: "ADD", config: undefined, stdin });
    expect([o.code, o.json?.code]).toEqual([1, 6]);
    expect(ipFiles()).toEqual([]);
    expect(ok(ref({ command: "ADD", config: undefined, stdin })).ips[0].address).toBe("10.40.0.2/24");
  });

  it("del/check: stdin over 1 MiB (a prevResult with 36000 routes) -> accepted (limit 16 MiB), IP released; 17 MiB -> error 6", () => {
    const c = conf({ subnet: "10.41.0.0/24" });
    const added = ok(ours({ command: "ADD", config: c }));
    const routes = Array.from({ length: 36_000 }, (_, i) => ({ dst: `10.${(i >> 8) & 255}.${i & 255}.0/24`, gw: "10.41.0.1" }));
    const stdin = JSON.stringify({ ...c, prevResult: { ...added, routes } });
    expect(stdin.length).toBeGreaterThan(1 << 20);
    ok(ours({ command: "CHECK", config: undefined, stdin }));
    expect(ipFiles()).toEqual(["10.41.0.2"]);
    ok(ours({ command: "DEL", config: undefined, stdin }));
    expect(ipFiles()).toEqual([]);
    const over = ours({ command: "DEL", config: undefined, stdin: JSON.stringify({ ...c, pad: "x".repeat(17 << 20) }) });
    expect([over.code, over.json?.code, over.json?.msg]).toEqual([1, 6, `error unmarshall network config: input exceeds ${16 << 20} bytes`]);
  });
});
