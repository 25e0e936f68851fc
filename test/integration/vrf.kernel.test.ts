// vrf plugin, compiled binary, on a kernel with VRF support (scripts/test-vm): a node netns (the plugin
// runs there) and a pod netns whose eth0/net1 (veths to the node) already carry what a main plugin set:
// IPv4 and IPv6 addresses, a default route and one more route. Asserts the VRF device and its table,
// the enslaved interfaces, the addresses and routes kept in the VRF's table, traffic through the VRF,
// CHECK, and DEL deleting the VRF with its last interface. Needs root and CONFIG_NET_VRF.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, expect, it } from "vitest";
import { BIN_DIR, createNetns, deleteAllNetns, describeKernel, expectOk, runPluginSync, type PluginOutcome, type TestNetns } from "./harness.ts";

type Json = Record<string, any>;
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

function wire(l: Lab, ifname: string, i: number): Json {
  const host = `vvrf${i}`;
  l.node.exec("ip", ["link", "add", host, "type", "veth", "peer", "name", ifname, "netns", l.pod.name]);
  l.node.exec("ip", ["addr", "add", `10.6${i}.0.1/24`, "dev", host]);
  l.node.exec("ip", ["addr", "add", `fd6${i}::1/64`, "dev", host, "nodad"]);
  l.node.exec("ip", ["link", "set", host, "up"]);
  l.pod.exec("ip", ["addr", "add", `10.6${i}.0.10/24`, "dev", ifname]);
  l.pod.exec("ip", ["addr", "add", `fd6${i}::10/64`, "dev", ifname, "nodad"]);
  l.pod.exec("ip", ["link", "set", ifname, "up"]);
  l.pod.exec("ip", ["route", "add", `10.9${i}.0.0/16`, "via", `10.6${i}.0.1`, "dev", ifname]);
  return {
    cniVersion: "1.0.0",
    interfaces: [{ name: host }, { name: ifname, sandbox: l.pod.path }],
    ips: [
      { address: `10.6${i}.0.10/24`, gateway: `10.6${i}.0.1`, interface: 1 },
      { address: `fd6${i}::10/64`, gateway: `fd6${i}::1`, interface: 1 },
    ],
  };
}

function lab(): { l: Lab; prev: Json } {
  const l: Lab = { node: createNetns("vrf-node"), pod: createNetns("vrf-pod") };
  labs.push(l);
  const prev = wire(l, "eth0", 0);
  l.pod.exec("ip", ["route", "add", "default", "via", "10.60.0.1"]);
  l.pod.exec("ip", ["-6", "route", "add", "default", "via", "fd60::1"]);
  return { l, prev };
}

const conf = (prev: Json, extra: Json = {}): Json => ({ cniVersion: "1.0.0", name: "vrfnet", type: "vrf", vrfname: "blue", ...extra, prevResult: prev });
const call = (l: Lab, command: string, config: Json, ifname = "eth0"): PluginOutcome =>
  runPluginSync({ plugin: "vrf", command, config, node: l.node, containerId: "c1", netns: l.pod.path, ifname });

const link = (l: Lab, dev: string): Json | undefined => l.pod.ipJson(["-d", "link", "show"]).find((x: Json) => x.ifname === dev);
const routesIn = (l: Lab, fam: string, table: number | string): string[] =>
  l.pod.ipJson([fam, "route", "show", "table", String(table)]).filter((r: Json) => r.type !== "local" && r.type !== "multicast" && r.type !== "broadcast" && !String(r.dst).startsWith("fe80"))
    .map((r: Json) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ""}`).sort();

describeKernel(["vrf"], "vrf (compiled binary)", () => {
  it("add: VRF blue created (lowest free table) and up, eth0 enslaved, its IPv6 address and the previous plugin's routes in the VRF table; traffic through the VRF; check; del removes the VRF", () => {
    expect(existsSync(join(BIN_DIR, "vrf"))).toBe(true);
    const { l, prev } = lab();
    expect(expectOk(call(l, "ADD", conf(prev)))).toEqual(prev);
    const blue = link(l, "blue")!;
    expect(blue.linkinfo.info_kind).toBe("vrf");
    expect(blue.linkinfo.info_data.table).toBe(1);
    expect(blue.flags).toContain("UP");
    expect(link(l, "eth0")!.master).toBe("blue");
    const v6 = l.pod.ipJson(["-6", "addr", "show", "dev", "eth0"])[0].addr_info.map((a: Json) => `${a.local}/${a.prefixlen}`);
    expect(v6).toContain("fd60::10/64");
    expect(routesIn(l, "-4", 1)).toEqual(["10.60.0.0/24", "10.90.0.0/16 via 10.60.0.1", "default via 10.60.0.1"]);
    expect(routesIn(l, "-6", 1)).toEqual(["default via fd60::1", "fd60::/64"]);
    l.pod.exec("ping", ["-c1", "-W2", "-I", "blue", "10.60.0.1"]);
    l.pod.exec("ping", ["-6", "-c1", "-W3", "-I", "blue", "fd60::1"]);
    expectOk(call(l, "CHECK", conf(prev)));
    expectOk(call(l, "DEL", conf(prev)));
    expect(link(l, "blue")).toBeUndefined();
    expect(link(l, "eth0")!.master).toBeUndefined();
    expectOk(call(l, "DEL", conf(prev)));
  });

  it("add: two interfaces join one VRF (table 42); DEL of the first keeps it, of the last deletes it; a different table -> error", () => {
    const { l, prev } = lab();
    const prev1 = wire(l, "net1", 1);
    expectOk(call(l, "ADD", conf(prev, { table: 42 })));
    expect(call(l, "ADD", conf(prev1, { table: 43 }), "net1").json.msg).toBe("VRF blue already exist with different routing table 42");
    expect(link(l, "net1")!.master).toBeUndefined();
    expectOk(call(l, "ADD", conf(prev1), "net1"));
    expect(link(l, "blue")!.linkinfo.info_data.table).toBe(42);
    expect(link(l, "net1")!.master).toBe("blue");
    expect(routesIn(l, "-4", 42)).toEqual(expect.arrayContaining(["10.91.0.0/16 via 10.61.0.1", "10.90.0.0/16 via 10.60.0.1"]));
    expectOk(call(l, "DEL", conf(prev)));
    expect(link(l, "blue")).toBeDefined();
    expectOk(call(l, "DEL", conf(prev1), "net1"));
    expect(link(l, "blue")).toBeUndefined();
  });

  it("check: interface released behind the plugin's back -> error; add: interface with a master -> error, nothing created", () => {
    const { l, prev } = lab();
    expectOk(call(l, "ADD", conf(prev)));
    l.pod.exec("ip", ["link", "set", "eth0", "nomaster"]);
    expect(call(l, "CHECK", conf(prev)).json.msg).toBe("Failed to find eth0 associated to vrf blue");
    l.pod.exec("ip", ["link", "add", "red", "type", "vrf", "table", "9"]);
    l.pod.exec("ip", ["link", "set", "eth0", "master", "red"]);
    const o = call(l, "ADD", conf(prev, { vrfname: "green" }));
    expect(o.json.msg).toBe("interface eth0 has already a master set: red");
    expect(link(l, "green")).toBeUndefined();
  });
});
