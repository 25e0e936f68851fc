// sbr plugin, compiled binary, in private namespaces: a node netns (the plugin runs there; it holds the
// gateway end of each veth) and a pod netns whose interfaces already carry the addresses and routes a
// main plugin would have set. Kernel state via `ip -j rule` / `ip -j route show table all` and real
// traffic from each source address. Differential part: the reference 1.1.1 (/usr/lib/cni/sbr) on an
// identical pod must leave identical rules and tables. Needs root.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { BIN_DIR, createNetns, deleteAllNetns, expectOk, hasReference, REF_DIR, runPluginSync, type PluginOutcome, type TestNetns } from "./harness.ts";

type Json = Record<string, any>;
const isRoot = process.getuid?.() === 0;
const run = isRoot && existsSync(join(BIN_DIR, "sbr")) ? describe : describe.skip;
const runDiff = isRoot && hasReference && existsSync(join(REF_DIR, "sbr")) ? run : describe.skip;

interface Lab {
  node: TestNetns;
  pod: TestNetns;
}
const labs: Lab[] = [];
afterEach(() => {
  for (const l of labs.splice(0)) {
    l.pod.delete();
    l.node.delete();
  }
});
afterAll(() => deleteAllNetns());

/** Interface i of the pod: 10.5<i>.0.10/24 + fd5<i>::10/64, gateways .1 / ::1 on the node's end. */
function wire(l: Lab, ifname: string, i: number): Json {
  const host = `vsbr${i}`;
  l.node.exec("ip", ["link", "add", host, "type", "veth", "peer", "name", ifname, "netns", l.pod.name]);
  l.node.exec("ip", ["addr", "add", `10.5${i}.0.1/24`, "dev", host]);
  l.node.exec("ip", ["addr", "add", `fd5${i}::1/64`, "dev", host, "nodad"]);
  l.node.exec("ip", ["link", "set", host, "up"]);
  l.pod.exec("ip", ["addr", "add", `10.5${i}.0.10/24`, "dev", ifname]);
  l.pod.exec("ip", ["addr", "add", `fd5${i}::10/64`, "dev", ifname, "nodad"]);
  l.pod.exec("ip", ["link", "set", ifname, "up"]);
  return {
    cniVersion: "1.0.0",
    interfaces: [{ name: host }, { name: ifname, sandbox: l.pod.path }],
    ips: [
      { address: `10.5${i}.0.10/24`, gateway: `10.5${i}.0.1`, interface: 1 },
      { address: `fd5${i}::10/64`, gateway: `fd5${i}::1`, interface: 1 },
    ],
  };
}

function lab(): { l: Lab; prev: Json } {
  const l: Lab = { node: createNetns("sbr-node"), pod: createNetns("sbr-pod") };
  labs.push(l);
  const prev = wire(l, "eth0", 0);
  l.pod.exec("ip", ["route", "add", "default", "via", "10.50.0.1"]);
  l.pod.exec("ip", ["-6", "route", "add", "default", "via", "fd50::1"]);
  l.pod.exec("ip", ["route", "add", "10.99.0.0/16", "via", "10.50.0.1"]);
  return { l, prev };
}

const conf = (prev: Json, extra: Json = {}): Json => ({ cniVersion: "1.0.0", name: "sbrnet", type: "sbr", ...extra, prevResult: prev });

function call(l: Lab, command: string, config: Json, o: { ref?: boolean; ifname?: string; netns?: string } = {}): PluginOutcome {
  return runPluginSync({ plugin: "sbr", command, config, dir: o.ref ? REF_DIR : BIN_DIR, node: l.node, containerId: "c1", netns: o.netns ?? l.pod.path, ifname: o.ifname ?? "eth0" });
}

function callAsync(l: Lab, config: Json, ifname: string): Promise<number> {
  return new Promise((done) => {
    const env = { PATH: process.env.PATH, CNI_COMMAND: "ADD", CNI_CONTAINERID: "c1", CNI_NETNS: l.pod.path, CNI_IFNAME: ifname, CNI_PATH: BIN_DIR };
    const child = spawn("nsenter", [`--net=${l.node.path}`, "--", join(BIN_DIR, "sbr")], { env, stdio: ["pipe", "ignore", "ignore"] });
    child.on("close", (code) => done(code ?? -1));
    child.stdin.end(JSON.stringify(config));
  });
}

/** "from SRC lookup T" of every rule with a source, both families, sorted. */
function rules(l: Lab): string[] {
  const out: string[] = [];
  for (const fam of ["-4", "-6"]) for (const r of l.pod.ipJson([fam, "rule"])) if (r.src && r.src !== "all") out.push(`from ${r.src} lookup ${r.table}`);
  return out.sort();
}

/** Routes of every table but local, "table: dst via gw dev", sorted. */
function tables(l: Lab): string[] {
  const out: string[] = [];
  for (const fam of ["-4", "-6"]) {
    for (const r of l.pod.ipJson([fam, "route", "show", "table", "all"])) {
      if (r.table === "local" || r.type === "multicast") continue;
      out.push(`${r.table ?? "main"}: ${r.dst}${r.gateway ? ` via ${r.gateway}` : ""} dev ${r.dev}${r.prefsrc ? ` src ${r.prefsrc}` : ""}`);
    }
  }
  return out.sort();
}

const ping = (l: Lab, src: string, dst: string) => l.pod.exec("ping", ["-c1", "-W2", "-I", src, dst]);

run("sbr", () => {
  it("add: a rule and a table per IP (100: v4, 101: v6) holding the default route and the link's routes; main emptied; traffic from each source", () => {
    const { l, prev } = lab();
    expect(expectOk(call(l, "ADD", conf(prev)))).toEqual(prev);
    expect(rules(l)).toEqual(["from 10.50.0.10 lookup 100", "from fd50::10 lookup 101"]);
    expect(tables(l)).toEqual([
      "100: 10.50.0.0/24 dev eth0 src 10.50.0.10",
      "100: 10.99.0.0/16 via 10.50.0.1 dev eth0",
      "100: default via 10.50.0.1 dev eth0",
      "100: fd50::/64 dev eth0",
      "100: fe80::/64 dev eth0",
      "101: default via fd50::1 dev eth0",
      "101: fd50::/64 dev eth0",
      "101: fe80::/64 dev eth0",
    ]);
    ping(l, "10.50.0.10", "10.50.0.1");
    ping(l, "fd50::10", "fd50::1");
    expectOk(call(l, "DEL", conf(prev)));
    expect(rules(l)).toEqual([]);
    expectOk(call(l, "DEL", conf(prev)));
  });

  it("add: two interfaces (eth0, net1) at once -> distinct tables (the netns lock), each rule to its own table", async () => {
    const { l, prev } = lab();
    const prev1 = wire(l, "net1", 1);
    const codes = await Promise.all([callAsync(l, conf(prev), "eth0"), callAsync(l, conf(prev1), "net1")]);
    expect(codes).toEqual([0, 0]);
    const got = rules(l);
    expect(got).toHaveLength(4);
    const used = got.map((r) => r.split(" ").at(-1));
    expect(new Set(used).size).toBe(4);
    expect(used.sort()).toEqual(["100", "101", "102", "103"]);
    ping(l, "10.51.0.10", "10.51.0.1");
    ping(l, "10.50.0.10", "10.50.0.1");
  });

  it("add with table: only the rules into that table; the routes stay in main", () => {
    const { l, prev } = lab();
    const before = tables(l);
    expectOk(call(l, "ADD", conf(prev, { table: 500 })));
    expect(rules(l)).toEqual(["from 10.50.0.10 lookup 500", "from fd50::10 lookup 500"]);
    expect(tables(l)).toEqual(before);
    expectOk(call(l, "DEL", conf(prev, { table: 500 })));
    expect(rules(l)).toEqual([]);
  });

  it("add: failing half-way (a gateway no route reaches) -> rule removed, the main table intact", () => {
    const { l, prev } = lab();
    const before = tables(l);
    const bad = { ...prev, ips: [prev.ips[0], { ...prev.ips[1], gateway: "fd77::1" }] };
    const o = call(l, "ADD", conf(bad));
    expect(o.code).not.toBe(0);
    expect(o.json.msg).toMatch(/fd77::1/);
    expect(rules(l)).toEqual([]);
    expect(tables(l)).toEqual(before);
  });

  it("del: netns gone (no file left at its path), empty CNI_NETNS, link gone -> success", () => {
    const { l, prev } = lab();
    expectOk(call(l, "ADD", conf(prev)));
    expectOk(call(l, "DEL", conf(prev), { ifname: "gone0" }));
    expect(rules(l)).toHaveLength(2);
    expectOk(call(l, "DEL", conf(prev), { netns: "" }));
    const path = l.pod.path;
    l.pod.delete();
    expectOk(call(l, "DEL", conf(prev), { netns: path }));
    expect(existsSync(path)).toBe(false);
  });

  it("add: no prevResult, no IPs -> error, nothing changed", () => {
    const { l, prev } = lab();
    const { prevResult: _, ...noPrev } = conf(prev);
    expect(call(l, "ADD", noPrev).json).toMatchObject({ code: 7, msg: "This plugin must be called as chained plugin" });
    expect(call(l, "ADD", conf({ ...prev, ips: [] })).json).toMatchObject({ code: 7, msg: "No IP addresses supplied on interface: eth0" });
    expect(rules(l)).toEqual([]);
  });
});

runDiff("sbr vs the reference 1.1.1 (/usr/lib/cni/sbr)", () => {
  it("add: the same rules and tables, the same result; each suite's DEL clears the other's rules", () => {
    const a = lab();
    const b = lab();
    const ours = expectOk(call(a.l, "ADD", conf(a.prev)));
    const ref = expectOk(call(b.l, "ADD", conf(b.prev), { ref: true }));
    const strip = ({ dns: _, ...r }: Json) => ({ ...r, interfaces: r.interfaces.map((i: Json) => i.name) });
    expect(strip(ours)).toEqual(strip(ref));
    expect(rules(a.l)).toEqual(rules(b.l));
    expect(tables(a.l)).toEqual(tables(b.l));
    expectOk(call(a.l, "DEL", conf(a.prev), { ref: true }));
    expectOk(call(b.l, "DEL", conf(b.prev)));
    expect(rules(a.l)).toEqual([]);
    expect(rules(b.l)).toEqual([]);
  });
});
