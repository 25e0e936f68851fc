// ipvlan plugin, compiled binary, in private namespaces (pod-link-harness.ts): an ipvlan of the node's
// veth end hv0 lands in the pod, and traffic reaches ext0 (the veth peer) through it. Needs a kernel
// with ipvlan: skipped here otherwise; scripts/test-vm runs it in a VM with Debian's kernel.
import { afterEach, expect, it } from "vitest";
import { hasReference, type TestNetns } from "./harness.ts";
import { addrs, describeKernel, LinkLab, linkOf, nonLo, normalized, ping, routes, sysctl, yieldToEventLoop, type Json } from "./pod-link-harness.ts";

let lab: LinkLab;
let n = 60;
afterEach(async () => {
  lab?.cleanup();
  await yieldToEventLoop();
});

function newLab(): LinkLab {
  lab = new LinkLab("ipvlan", n++);
  return lab;
}

function conf(l: LinkLab, extra: Json = {}, ipam: Json = {}): Json {
  return {
    cniVersion: "1.0.0",
    name: "ipvnet",
    type: "ipvlan",
    master: "hv0",
    ...extra,
    ipam: { type: "static", addresses: [{ address: l.ip4(5), gateway: l.gw4 }], routes: [{ dst: "0.0.0.0/0" }], ...ipam },
  };
}

const mode = (pod: TestNetns): string => linkOf(pod, "eth0")?.linkinfo?.info_data?.mode;

describeKernel(["ipvlan"], "ipvlan", () => {
  it("add: l2 (default) -> ipvlan of hv0 with the master's MAC, addresses, routes, notify sysctls, traffic to the master's peer", () => {
    const l = newLab();
    const pod = l.pod();
    const r = l.add(conf(l, {}, { addresses: [{ address: l.ip4(5), gateway: l.gw4 }, { address: `${l.gw6.slice(0, -1)}5/64`, gateway: l.gw6 }], routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }] }), { pod });
    const eth0 = linkOf(pod, "eth0")!;
    expect(eth0.linkinfo.info_kind).toBe("ipvlan");
    expect(mode(pod)).toBe("l2");
    expect(eth0.address).toBe(linkOf(l.node, "hv0")!.address);
    expect(r.interfaces).toEqual([{ name: "eth0", mac: eth0.address, sandbox: pod.path }]);
    expect(r.ips.map((i: Json) => i.interface)).toEqual([0, 0]);
    expect(addrs(pod, "eth0")).toEqual([l.ip4(5), `${l.gw6.slice(0, -1)}5/64`].sort());
    expect(routes(pod)).toEqual(expect.arrayContaining([`default via ${l.gw4} dev eth0`, `default via ${l.gw6} dev eth0`]));
    expect(sysctl(pod, "net/ipv4/conf/eth0/arp_notify")).toBe("1");
    expect(sysctl(pod, "net/ipv6/conf/eth0/ndisc_notify")).toBe("1");
    expect(nonLo(l.node)).toEqual(["hv0"]);
    ping(pod, l.gw4);
    ping(pod, l.gw6);
  });

  it.each(["l2", "l3", "l3s"])("add: mode %s -> the kernel's ipvlan mode", (m) => {
    const l = newLab();
    const pod = l.pod();
    l.add(conf(l, { mode: m }), { pod });
    expect(mode(pod)).toBe(m);
  });

  it("add: unknown mode -> error 7, nothing created", () => {
    const l = newLab();
    const pod = l.pod();
    const o = l.run("ADD", conf(l, { mode: "bridge" }), { pod });
    expect(o.json).toMatchObject({ code: 7 });
    expect(o.json.msg).toContain('unknown ipvlan mode: "bridge"');
    expect(nonLo(pod)).toEqual([]);
  });

  it("add: mtu 1400 -> link mtu", () => {
    const l = newLab();
    const pod = l.pod();
    l.add(conf(l, { mtu: 1400 }), { pod });
    expect(linkOf(pod, "eth0")!.mtu).toBe(1400);
  });

  it("add: no master, no prevResult -> the default route's interface; none -> error", () => {
    const l = newLab();
    const c = conf(l);
    delete c.master;
    const pod = l.pod();
    expect(l.run("ADD", c, { pod }).json.msg).toContain("no default route interface found");
    l.node.exec("ip", ["addr", "add", l.ip4(254), "dev", "hv0"]);
    l.node.exec("ip", ["route", "add", "default", "via", l.gw4]);
    l.add(c, { pod });
    ping(pod, l.gw4);
  });

  it("add: chained without master and ipam.type -> master is prevResult's only interface, its IPs and routes reused", () => {
    const l = newLab();
    const pod = l.pod();
    const c: Json = { cniVersion: "1.0.0", name: "ipvnet", type: "ipvlan", dns: { nameservers: ["9.9.9.9"] } };
    const prevResult = { cniVersion: "1.0.0", interfaces: [{ name: "hv0" }], ips: [{ address: l.ip4(7), gateway: l.gw4 }], routes: [{ dst: "10.201.0.0/16" }], dns: { nameservers: ["1.1.1.1"] } };
    const r = l.add(c, { pod, prevResult });
    expect(r.ips).toEqual([{ address: l.ip4(7), gateway: l.gw4, interface: 0 }]);
    expect(r.routes).toEqual([{ dst: "10.201.0.0/16" }]);
    expect(r.dns).toEqual({ nameservers: ["9.9.9.9"] });
    expect(linkOf(pod, "eth0")!.address).toBe(linkOf(l.node, "hv0")!.address);
    expect(routes(pod)).toContain(`10.201.0.0/16 via ${l.gw4} dev eth0`);
    ping(pod, l.gw4);
    const two = { ...prevResult, interfaces: [{ name: "hv0" }, { name: "x" }] };
    expect(l.run("ADD", c, { pod: l.pod(), cid: "b", prevResult: two }).json.msg).toContain("chained master failure");
  });

  it("add: linkInContainer -> master in the pod netns", () => {
    const l = newLab();
    const pod = l.pod();
    const far = l.netns("ipvlan-far");
    pod.exec("ip", ["link", "add", "pm0", "type", "veth", "peer", "name", "far0", "netns", far.name]);
    pod.exec("ip", ["link", "set", "pm0", "up"]);
    far.exec("ip", ["link", "set", "far0", "up"]);
    far.exec("ip", ["addr", "add", "10.98.0.1/24", "dev", "far0"]);
    l.add(conf(l, { master: "pm0", linkInContainer: true }, { addresses: [{ address: "10.98.0.5/24" }], routes: [] }), { pod });
    expect(linkOf(pod, "eth0")!.link).toBe("pm0");
    ping(pod, "10.98.0.1");
  });

  it("add: IPAM returns no IP -> error and the link is removed (the reference leaks it)", () => {
    const l = newLab();
    const pod = l.pod();
    const o = l.run("ADD", conf(l, {}, { addresses: [] }), { pod });
    expect(o.json.msg).toBe("IPAM plugin returned missing IP config");
    expect(nonLo(pod)).toEqual([]);
  });

  it("add: a route that cannot be added -> link removed, ifname already present -> rename fails, nothing left", () => {
    const l = newLab();
    const pod = l.pod();
    expect(l.run("ADD", conf(l, {}, { routes: [{ dst: "192.168.77.0/24", gw: "172.31.9.9" }] }), { pod }).code).not.toBe(0);
    expect(nonLo(pod)).toEqual([]);
    pod.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "x0"]);
    expect(l.run("ADD", conf(l), { pod }).json.msg).toContain('failed to rename ipvlan to "eth0"');
    expect(nonLo(pod).sort()).toEqual(["eth0", "x0"]);
  });

  it("del: repeated, netns gone, link gone, master gone, no master and no default route -> success", () => {
    const l = newLab();
    const c = conf(l);
    const pod = l.pod();
    l.add(c, { pod });
    expect(l.run("DEL", c, { pod }).code).toBe(0);
    expect(l.run("DEL", c, { pod }).code).toBe(0);
    expect(nonLo(pod)).toEqual([]);
    const gone = l.pod();
    l.add(c, { pod: gone, cid: "b" });
    gone.delete();
    expect(l.run("DEL", c, { cid: "b", netns: gone.path }).code).toBe(0);
    const noMaster = { ...c };
    delete noMaster.master;
    expect(l.run("DEL", noMaster, { pod: l.pod(), cid: "c" }).code).toBe(0);
    const pod3 = l.pod();
    l.add(c, { pod: pod3, cid: "d" });
    l.node.exec("ip", ["link", "del", "hv0"]);
    expect(l.run("DEL", c, { pod: pod3, cid: "d" }).code).toBe(0);
  });

  it("check: intact -> ok; mode, address, route, link or master tampered -> error each", () => {
    const l = newLab();
    const c = conf(l);
    const cases: [string, (p: TestNetns) => void, string][] = [
      ["mode", (p) => p.exec("ip", ["link", "set", "eth0", "type", "ipvlan", "mode", "l3"]), "ipvlan mode l3 does not match expected value: l2"],
      ["address", (p) => p.exec("ip", ["addr", "del", l.ip4(5), "dev", "eth0"]), "addr"],
      ["route", (p) => p.exec("ip", ["route", "del", "default"]), "route"],
      ["link", (p) => p.exec("ip", ["link", "del", "eth0"]), "not found"],
    ];
    for (const [what, tamper, msg] of cases) {
      const pod = l.pod();
      const prevResult = l.add(c, { pod, cid: what });
      expect(l.run("CHECK", c, { pod, cid: what, prevResult }).code, what).toBe(0);
      tamper(pod);
      const o = l.run("CHECK", c, { pod, cid: what, prevResult });
      expect(o.json?.msg, what).toContain(msg);
    }
    const pod = l.pod();
    const prevResult = l.add(c, { pod, cid: "m" });
    l.node.exec("ip", ["link", "del", "hv0"]);
    expect(l.run("CHECK", c, { pod, cid: "m", prevResult }).code).not.toBe(0);
  });

  (hasReference ? it : it.skip)("differential: reference 1.1.1 -> same result and kernel state; on IPAM failure it leaks the link, tscni does not", () => {
    const l = newLab();
    const c = conf(l, { mode: "l3", mtu: 1400, dns: { nameservers: ["9.9.9.9"] } });
    const ours = l.pod();
    const theirs = l.pod();
    const a = l.add(c, { pod: ours, cid: "ours" });
    const b = l.add({ ...c, ipam: { ...c.ipam, addresses: [{ address: l.ip4(6), gateway: l.gw4 }] } }, { pod: theirs, cid: "theirs", reference: true });
    const theirResult = normalized(b);
    theirResult.ips[0].address = l.ip4(5);
    expect(normalized(a)).toEqual(theirResult);
    const state = (p: TestNetns) => {
      const k = linkOf(p, "eth0")!;
      return { kind: k.linkinfo.info_kind, mode: k.linkinfo.info_data.mode, mtu: k.mtu, mac: k.address, routes: routes(p) };
    };
    expect(state(ours)).toEqual(state(theirs));
    const failing = { ...c, ipam: { ...c.ipam, addresses: [] } };
    const leakRef = l.pod();
    expect(l.run("ADD", failing, { pod: leakRef, cid: "x", reference: true }).code).not.toBe(0);
    expect(nonLo(leakRef)).toEqual(["eth0"]); // the reference's known leak
    const clean = l.pod();
    expect(l.run("ADD", failing, { pod: clean, cid: "y" }).code).not.toBe(0);
    expect(nonLo(clean)).toEqual([]);
  });
});
