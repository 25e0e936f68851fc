// ipvlan plugin, compiled binary, in private namespaces (pod-link-harness.ts): an ipvlan of the node's
// veth end hv0 lands in the pod, and traffic reaches ext0 (the veth peer) through it. Needs a kernel
// with ipvlan: skipped here otherwise; scripts/test-vm runs it in a VM with Debian's kernel, where every
// process costs ~1 s (QEMU TCG): one lab for the file, few plugin runs per test. Two ipvlans of one
// master cannot hold the same address (EADDRINUSE): every pod gets its own.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel, hasReference, type TestNetns } from "./harness.ts";
import { addrs, LinkLab, linkOf, nonLo, normalized, ping, routes, sysctl, type Json } from "./pod-link-harness.ts";

let l: LinkLab;

function conf(host: number, extra: Json = {}, ipam: Json = {}): Json {
  return {
    cniVersion: "1.0.0",
    name: "ipvnet",
    type: "ipvlan",
    master: "hv0",
    ...extra,
    ipam: { type: "static", addresses: [{ address: l.ip4(host), gateway: l.gw4 }], routes: [{ dst: "0.0.0.0/0" }], ...ipam },
  };
}

const mode = (pod: TestNetns): string => linkOf(pod, "eth0")?.linkinfo?.info_data?.mode;

describeKernel(["ipvlan"], "ipvlan", () => {
  beforeAll(() => {
    l = new LinkLab("ipvlan", 60);
  });
  afterAll(() => l?.cleanup());

  it("add: l2 (default), mtu, v4+v6 -> ipvlan of hv0 with its MAC, addresses, routes, notify sysctls, traffic; CHECK; mode tampered -> CHECK fails; DEL twice", () => {
    const pod = l.pod();
    const v6 = `${l.gw6.slice(0, -1)}5/64`;
    const c = conf(5, { mtu: 1400 }, { addresses: [{ address: l.ip4(5), gateway: l.gw4 }, { address: v6, gateway: l.gw6 }], routes: [{ dst: "0.0.0.0/0" }] });
    const r = l.add(c, { pod });
    const eth0 = linkOf(pod, "eth0")!;
    expect([eth0.linkinfo.info_kind, mode(pod), eth0.mtu]).toEqual(["ipvlan", "l2", 1400]);
    expect(eth0.address).toBe(linkOf(l.node, "hv0")!.address);
    expect(r.interfaces).toEqual([{ name: "eth0", mac: eth0.address, sandbox: pod.path }]);
    expect(r.ips.map((i: Json) => i.interface)).toEqual([0, 0]);
    expect(addrs(pod, "eth0")).toEqual([l.ip4(5), v6].sort());
    expect(routes(pod)).toContain(`default via ${l.gw4} dev eth0`);
    expect([sysctl(pod, "net/ipv4/conf/eth0/arp_notify"), sysctl(pod, "net/ipv6/conf/eth0/ndisc_notify")]).toEqual(["1", "1"]);
    expect(nonLo(l.node)).toEqual(["hv0"]);
    ping(pod, l.gw4);
    expect(l.run("CHECK", c, { pod, prevResult: r }).code).toBe(0);
    pod.exec("ip", ["link", "set", "eth0", "type", "ipvlan", "mode", "l3"]);
    expect(l.run("CHECK", c, { pod, prevResult: r }).json.msg).toContain("ipvlan mode l3 does not match expected value: l2");
    expect(l.run("DEL", c, { pod }).code).toBe(0);
    expect(nonLo(pod)).toEqual([]);
    expect(l.run("DEL", c, { pod }).code).toBe(0);
  });

  it("add: chained without master and ipam.type -> master = prevResult's only interface, its IPs and routes applied; two interfaces -> chained master failure", () => {
    const pod = l.pod();
    const prevResult = { cniVersion: "1.0.0", interfaces: [{ name: "hv0" }], ips: [{ address: l.ip4(7), gateway: l.gw4 }], routes: [{ dst: "10.201.0.0/16" }], dns: { nameservers: ["1.1.1.1"] } };
    const c: Json = { cniVersion: "1.0.0", name: "ipvnet", type: "ipvlan", dns: { nameservers: ["9.9.9.9"] } };
    const r = l.add(c, { pod, cid: "chained", prevResult });
    expect(r.ips).toEqual([{ address: l.ip4(7), gateway: l.gw4, interface: 0 }]);
    expect(r.routes).toEqual([{ dst: "10.201.0.0/16" }]);
    expect(r.dns).toEqual({ nameservers: ["9.9.9.9"] });
    expect(routes(pod)).toContain(`10.201.0.0/16 via ${l.gw4} dev eth0`);
    ping(pod, l.gw4);
    const two = { ...prevResult, interfaces: [{ name: "hv0" }, { name: "x" }] };
    expect(l.run("ADD", c, { pod: l.pod(), cid: "two", prevResult: two }).json.msg).toContain("chained master failure");
  });

  it("add: IPAM returns no IP -> link removed (the reference leaks it); mode l3s -> kernel mode; del: netns gone, no master and no default route -> success", () => {
    const pod = l.pod();
    expect(l.run("ADD", conf(8, {}, { addresses: [] }), { pod, cid: "noip" }).json.msg).toBe("IPAM plugin returned missing IP config");
    expect(nonLo(pod)).toEqual([]);
    const gone = l.pod();
    l.add(conf(9, { mode: "l3s" }), { pod: gone, cid: "gone" });
    expect(mode(gone)).toBe("l3s");
    gone.delete();
    expect(l.run("DEL", conf(9), { cid: "gone", netns: gone.path }).code).toBe(0);
    const noMaster = conf(9);
    delete noMaster.master;
    expect(l.run("DEL", noMaster, { pod, cid: "nm" }).code).toBe(0);
  });

  (hasReference ? it : it.skip)("differential: reference 1.1.1 -> same result and kernel state; on IPAM failure it leaks the link, tscni does not", () => {
    const c = conf(20, { mode: "l2", dns: { nameservers: ["9.9.9.9"] } });
    const ours = l.pod();
    const theirs = l.pod();
    const a = l.add(c, { pod: ours, cid: "ours" });
    const b = l.add(conf(21, { mode: "l2", dns: { nameservers: ["9.9.9.9"] } }), { pod: theirs, cid: "theirs", reference: true });
    const theirResult = normalized(b);
    theirResult.ips[0].address = l.ip4(20);
    expect(normalized(a)).toEqual(theirResult);
    const state = (p: TestNetns) => {
      const k = linkOf(p, "eth0")!;
      return { kind: k.linkinfo.info_kind, mode: k.linkinfo.info_data.mode, mtu: k.mtu, mac: k.address, routes: routes(p) };
    };
    expect(state(ours)).toEqual(state(theirs));
    const leak = l.pod();
    expect(l.run("ADD", conf(22, {}, { addresses: [] }), { pod: leak, cid: "x", reference: true }).code).not.toBe(0);
    expect(nonLo(leak)).toEqual(["eth0"]); // the reference's known leak
  });
});
