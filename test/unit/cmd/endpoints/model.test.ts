import { describe, expect, it } from "vitest";
import { endpointFromCache, withAllocations, cachedDataDirs } from "../../../../cmd/endpoints/model.ts";
import type { CachedAttachment } from "../../../../cmd/run/cache.ts";
import { ifbDeviceName } from "../../../../plugins/meta/bandwidth/config.ts";
import { parseIP, type IP } from "../../../../shared/ip/index.ts";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const LIST = {
  cniVersion: "1.0.0",
  name: "net1",
  plugins: [
    { type: "bridge", ipam: { type: "host-local", subnet: "10.1.0.0/24", dataDir: "/d1" } },
    { type: "portmap", capabilities: { portMappings: true } },
    { type: "bandwidth", capabilities: { bandwidth: true } },
  ],
};
const RESULT = {
  cniVersion: "1.0.0",
  interfaces: [{ name: "cni0", mac: "02:00:00:00:00:01" }, { name: "veth1234", mac: "02:00:00:00:00:02" }, { name: "eth0", sandbox: "/run/netns/p1" }, { name: ifbDeviceName("net1", "c1") }],
  ips: [{ address: "10.1.0.5/24", gateway: "10.1.0.1", interface: 2 }],
};
const entry = (over: Partial<CachedAttachment> = {}): CachedAttachment => ({
  containerId: "c1", ifName: "eth0", networkName: "net1", netns: "/run/netns/p1", cniArgs: [],
  capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "TCP" }], bandwidth: { ingressRate: 1000, ingressBurst: 10 } },
  config: enc(LIST), result: RESULT, ...over,
});
const ip = (s: string): IP => parseIP(s)!;

describe("endpointFromCache", () => {
  it("cache entry -> IPs, host veth (not the bridge, not the ifb), ports, shaping, chain", () => {
    expect(endpointFromCache(entry())).toMatchObject({
      network: "net1", containerId: "c1", ifName: "eth0", netns: "/run/netns/p1", ips: ["10.1.0.5/24"],
      hostInterface: "veth1234", bridge: "cni0", ifb: ifbDeviceName("net1", "c1"),
      portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }], bandwidth: { ingressRate: 1000, ingressBurst: 10 },
      plugins: ["bridge", "portmap", "bandwidth"], ipam: "host-local", sources: ["cache"],
    });
  });

  it("capability no plugin declares -> not shown (libcni never passed it); the bandwidth plugin's own keys win", () => {
    const list = { ...LIST, plugins: [LIST.plugins[0], { type: "portmap" }, { type: "bandwidth", egressRate: 5000, egressBurst: 50 }] };
    const e = endpointFromCache(entry({ config: enc(list) }));
    expect(e.portMappings).toEqual([]);
    expect(e.bandwidth).toEqual({ egressRate: 5000, egressBurst: 50 });
  });

  it("an older result version (0.3.1) -> read through the one converter", () => {
    const r = { cniVersion: "0.3.1", interfaces: [{ name: "vethx" }, { name: "eth0", sandbox: "/p" }], ips: [{ version: "4", address: "10.9.0.2/24", interface: 1 }] };
    const e = endpointFromCache(entry({ config: enc({ ...LIST, cniVersion: "0.3.1", plugins: [{ type: "ptp" }] }), result: r }));
    expect(e).toMatchObject({ ips: ["10.9.0.2/24"], hostInterface: "vethx", bridge: "", plugins: ["ptp"], ipam: "" });
  });

  it("a broken conflist or result -> what can be read, nothing thrown", () => {
    const e = endpointFromCache(entry({ config: enc({ nope: 1 }), result: { ips: "x" } as never }));
    expect(e).toMatchObject({ plugins: [], ips: [], hostInterface: "", ipam: "" });
    expect(e.portMappings).toHaveLength(1); // no list to say it was not declared: shown as the runtime passed it
  });

  it("cachedDataDirs: host-local dataDirs of the cached conflist", () => {
    expect(cachedDataDirs(entry())).toEqual(["/d1"]);
    expect(cachedDataDirs(entry({ config: enc({ nope: 1 }) }))).toEqual([]);
  });
});

describe("withAllocations", () => {
  const alloc = (a: string, containerId: string, ifname?: string) => ({ ip: ip(a), file: `/d1/net1/${a}`, containerId, ...(ifname !== undefined && { ifname }) });

  it("allocation held by a cached attachment -> merged; unknown holder -> an IPAM-only endpoint; empty file -> left out", () => {
    const out = withAllocations([endpointFromCache(entry())], [
      { network: "net1", dataDir: "/d1", allocations: [alloc("10.1.0.5", "c1", "eth0"), alloc("10.1.0.9", "zz", "net1"), alloc("10.1.0.7", "")] },
    ]);
    expect(out.map((e) => [e.containerId, e.ifName, e.allocations, e.allocationFiles, e.sources])).toEqual([
      ["c1", "eth0", ["10.1.0.5"], ["/d1/net1/10.1.0.5"], ["cache", "host-local"]],
      ["zz", "net1", ["10.1.0.9"], ["/d1/net1/10.1.0.9"], ["host-local"]],
    ]);
  });

  it("legacy cid-only file -> joins that container's attachment on the network; none -> IPAM-only with no ifname", () => {
    const out = withAllocations([endpointFromCache(entry())], [
      { network: "net1", dataDir: "/d1", allocations: [alloc("10.1.0.5", "c1"), alloc("10.1.0.6", "old")] },
      { network: "net2", dataDir: "/d1", allocations: [alloc("10.2.0.5", "c1")] },
    ]);
    expect(out.map((e) => `${e.network}/${e.containerId}/${e.ifName}:${e.allocations.join(",")}`)).toEqual(["net1/c1/eth0:10.1.0.5", "net1/old/:10.1.0.6", "net2/c1/:10.2.0.5"]);
  });

  it("the same store read twice (two data dir spellings) -> each IP once", () => {
    const s = { network: "net1", dataDir: "/d1", allocations: [alloc("10.1.0.5", "c1", "eth0")] };
    expect(withAllocations([endpointFromCache(entry())], [s, { ...s, dataDir: "/d1/" }])[0]!.allocations).toEqual(["10.1.0.5"]);
  });
});
