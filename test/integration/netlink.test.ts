// shared/netlink against the real kernel: a bun script builds a bridge + veth across two private
// namespaces (addresses, routes, VLANs, hairpin), then `ip -j` and `bridge -j` check the result.
import { execFileSync, spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ipJson, runScenario, type IpLink, type Scenario } from "./netlink-scenario.ts";

const isRoot = process.getuid?.() === 0;

interface IpAddr { addr_info: { family: string; local: string; prefixlen: number; broadcast?: string; nodad?: boolean }[] }
interface IpRoute { dst: string; gateway?: string; dev: string; metric?: number; metrics?: { mtu?: number; advmss?: number }[]; protocol?: string }

let NS = "";
let CNS = "";
let out: Scenario;
let remove = (): void => {};

describe.skipIf(!isRoot)("shared/netlink against the kernel", () => {
  beforeAll(() => {
    ({ NS, CNS, out, remove } = runScenario());
  });

  afterAll(() => remove());

  it("createBridge: mtu, up -> ip sees a bridge with that mtu; vlan_filtering as the kernel allows", () => {
    const [br] = ipJson<IpLink[]>(NS, ["link", "show", "br-nl"]);
    expect(br!.linkinfo?.info_kind).toBe("bridge");
    expect(br!.mtu).toBe(1400);
    expect(br!.flags).toContain("UP");
    expect(br!.linkinfo?.info_data?.vlan_filtering).toBe(out.vlanSupported ? 1 : 0);
    expect(out.bridge).toMatchObject({ ifindex: br!.ifindex, name: "br-nl", mtu: 1400, mac: br!.address, kind: "bridge", up: true });
  });

  it("createVeth in the container, peer to the host -> both ends exist, linked, mac and mtu as asked", () => {
    const [peer] = ipJson<IpLink[]>(NS, ["link", "show", "veth-nl0"]);
    const [eth0] = ipJson<IpLink[]>(CNS, ["link", "show", "eth0"]);
    expect(eth0!.address).toBe("02:00:00:00:00:05");
    expect(eth0!.mtu).toBe(1400);
    expect(peer!.mtu).toBe(1400);
    expect(eth0!.flags).toContain("UP");
    expect(peer!.master).toBe("br-nl");
    expect(out.peer).toMatchObject({ ifindex: peer!.ifindex, kind: "veth", master: out.bridge.ifindex, linkIndex: eth0!.ifindex });
    const ourEth0 = out.contLinks.find((l) => l.name === "eth0");
    expect(ourEth0).toMatchObject({ ifindex: eth0!.ifindex, linkIndex: peer!.ifindex, mac: "02:00:00:00:00:05" });
  });

  it("setBridgePortFlags: hairpin + isolated -> ip -d shows them on the port", () => {
    const [peer] = ipJson<IpLink[]>(NS, ["link", "show", "veth-nl0"]);
    expect(peer!.linkinfo?.info_slave_kind).toBe("bridge");
    expect(peer!.linkinfo?.info_slave_data).toMatchObject({ hairpin: true, isolated: true });
    expect(out.ports[0]!.port).toMatchObject({ hairpin: true, isolated: true });
  });

  it("addAddress: v4 with computed broadcast, v6 nodad -> ip addr agrees", () => {
    const [c] = ipJson<IpAddr[]>(CNS, ["addr", "show", "eth0"]);
    expect(c!.addr_info).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ family: "inet", local: "10.1.0.5", prefixlen: 24, broadcast: "10.1.0.255" }),
        expect.objectContaining({ family: "inet6", local: "fd00:1::5", prefixlen: 64, nodad: true }),
      ]),
    );
    const [h] = ipJson<IpAddr[]>(NS, ["addr", "show", "br-nl"]);
    expect(h!.addr_info.map((a) => a.local)).toEqual(expect.arrayContaining(["10.1.0.1", "fd00:1::1"]));
    expect(out.contAddrs4.map((a) => `${a.local}/${a.prefixLen}`)).toEqual(["10.1.0.5/24"]);
    expect(out.contAddrs6.map((a) => a.address)).toContain("fd00:1::5");
  });

  it("addRoute: default v4/v6 and a /16 with metric, mtu, advmss -> ip route agrees", () => {
    const r4 = ipJson<IpRoute[]>(CNS, ["route", "show"]);
    expect(r4).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ dst: "default", gateway: "10.1.0.1", dev: "eth0" }),
        expect.objectContaining({ dst: "10.9.0.0/16", gateway: "10.1.0.1", dev: "eth0", metric: 50, metrics: [{ mtu: 1300, advmss: 1260 }] }),
      ]),
    );
    const r6 = ipJson<IpRoute[]>(CNS, ["-6", "route", "show"]);
    expect(r6).toEqual(expect.arrayContaining([expect.objectContaining({ dst: "default", gateway: "fd00:1::1", dev: "eth0" })]));
    const ours = out.contRoutes4.find((r) => r.dst === "10.9.0.0");
    expect(ours).toMatchObject({ dstLen: 16, priority: 50, mtu: 1300, advmss: 1260, gateway: "10.1.0.1" });
  });

  it("errors: duplicate address, batch with two refusals, unreachable gw, missing link -> named ops and errnos", () => {
    expect(out.dupAddr.message).toMatch(/^add 10\.1\.0\.5\/24 to eth0: EEXIST/);
    expect(out.batchErrors).toHaveLength(2);
    expect(out.batchErrors[0]).toMatch(/^add 10\.1\.0\.5\/24 to eth0: EEXIST/);
    expect(out.batchErrors[1]).toMatch(/^add route 10\.9\.0\.0\/16 via 10\.1\.0\.1 dev eth0: EEXIST/);
    expect(out.badGw.errnoName).toBe("ENETUNREACH");
    expect(out.missingDelete).toEqual({ message: "delete link ifb-gone: ENODEV", errnoName: "ENODEV" });
  });

  it("createIfb/deleteLink/listLinks -> ifb up with txqlen; deleted link gone; filters by master and kind", () => {
    const [ifb] = ipJson<IpLink[]>(NS, ["link", "show", "ifb-nl"]);
    expect(ifb!.txqlen).toBe(32);
    expect(ifb!.flags).toContain("UP");
    expect(out.ifb).toMatchObject({ kind: "ifb", txqlen: 32, mtu: 1400, up: true });
    expect(out.deletedGone).toBe(true);
    expect(spawnSync("ip", ["-n", NS, "link", "show", "ifb-gone"]).status).not.toBe(0);
    expect(out.hostLinks).toEqual(["veth-nl0"]);
    expect(out.bridges).toEqual(["br-nl"]);
  });

  it("sysctl: write in the container netns -> lands there, not on the node", () => {
    expect(out.rpFilter).toBe("2");
    const node = execFileSync("ip", ["netns", "exec", NS, "cat", "/proc/sys/net/ipv4/conf/all/rp_filter"], { encoding: "utf8" }).trim();
    expect(out.hostRpFilter).toBe(node);
    const cont = execFileSync("ip", ["netns", "exec", CNS, "cat", "/proc/sys/net/ipv4/conf/eth0/rp_filter"], { encoding: "utf8" }).trim();
    expect(cont).toBe("2");
  });
});
