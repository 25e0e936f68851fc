// macvlan plugin, compiled binary, in private namespaces (pod-link-harness.ts): a macvlan of the node's
// veth end hv0 lands in the pod, and traffic from the pod reaches ext0 (the veth peer) through it.
// Kernel state via `ip -j -d`; IPAM static or host-local (dataDir in a temp dir). Needs root.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BIN_DIR, hasReference, type TestNetns } from "./harness.ts";
import { addrs, isRoot, LinkLab, linkOf, nonLo, normalized, ping, routes, sysctl, type Json } from "./pod-link-harness.ts";

const hasBinary = existsSync(join(BIN_DIR, "macvlan"));
const run = isRoot && hasBinary ? describe : describe.skip;

let lab: LinkLab;
let n = 40;
afterEach(() => lab?.cleanup());

function newLab(): LinkLab {
  lab = new LinkLab("macvlan", n++);
  return lab;
}

function staticConf(l: LinkLab, extra: Json = {}, ipam: Json = {}): Json {
  return {
    cniVersion: "1.0.0",
    name: "mvnet",
    type: "macvlan",
    master: "hv0",
    ...extra,
    ipam: {
      type: "static",
      addresses: [{ address: l.ip4(5), gateway: l.gw4 }, { address: `${l.gw6.slice(0, -1)}5/64`, gateway: l.gw6 }],
      routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }],
      ...ipam,
    },
  };
}

function hostLocalConf(l: LinkLab, dataDir: string, extra: Json = {}): Json {
  return { cniVersion: "1.0.0", name: "mvnet", type: "macvlan", master: "hv0", ...extra, ipam: { type: "host-local", dataDir, ranges: [[{ subnet: l.subnet, rangeStart: l.ip4(10).split("/")[0] }]] } };
}

const reservations = (dataDir: string): string[] => {
  const dir = join(dataDir, "mvnet");
  return existsSync(dir) ? readdirSync(dir).filter((f) => f !== "lock" && !f.startsWith("last_reserved_ip")) : [];
};

const mode = (pod: TestNetns, dev = "eth0"): string => linkOf(pod, dev)?.linkinfo?.info_data?.mode;

run("macvlan", () => {
  it("add: static v4+v6 -> macvlan (bridge) of hv0 in the pod, addresses, routes, notify sysctls, traffic to the master's peer", () => {
    const l = newLab();
    const pod = l.pod();
    const result = l.add(staticConf(l), { pod });
    const eth0 = linkOf(pod, "eth0")!;
    expect(eth0.linkinfo.info_kind).toBe("macvlan");
    expect(mode(pod)).toBe("bridge");
    expect(eth0.mtu).toBe(1500);
    expect(eth0.flags).toContain("UP");
    expect(result).toEqual({
      cniVersion: "1.0.0",
      interfaces: [{ name: "eth0", mac: eth0.address, sandbox: pod.path }],
      ips: [
        { address: l.ip4(5), gateway: l.gw4, interface: 0 },
        { address: `${l.gw6.slice(0, -1)}5/64`, gateway: l.gw6, interface: 0 },
      ],
      routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }],
    });
    expect(addrs(pod, "eth0")).toEqual([l.ip4(5), `${l.gw6.slice(0, -1)}5/64`].sort());
    expect(routes(pod)).toEqual(expect.arrayContaining([`default via ${l.gw4} dev eth0`, `default via ${l.gw6} dev eth0`]));
    expect(sysctl(pod, "net/ipv4/conf/eth0/arp_notify")).toBe("1");
    expect(sysctl(pod, "net/ipv6/conf/eth0/ndisc_notify")).toBe("1");
    expect(nonLo(l.node)).toEqual(["hv0"]); // nothing left on the node, no temporary name anywhere
    ping(pod, l.gw4);
    ping(pod, l.gw6);
  });

  it("add: host-local IPAM -> address from the range, released by DEL", () => {
    const l = newLab();
    const pod = l.pod();
    const data = l.dataDir();
    const r = l.add(hostLocalConf(l, data), { pod });
    expect(r.ips).toEqual([{ address: l.ip4(10), gateway: l.gw4, interface: 0 }]);
    expect(reservations(data)).toEqual([l.ip4(10).split("/")[0]]);
    ping(pod, l.gw4);
    expect(l.run("DEL", hostLocalConf(l, data), { pod }).code).toBe(0);
    expect(reservations(data)).toEqual([]);
    expect(nonLo(pod)).toEqual([]);
  });

  it.each(["bridge", "private", "vepa", "passthru"])("add: mode %s -> the kernel's macvlan mode", (m) => {
    const l = newLab();
    const pod = l.pod();
    l.add(staticConf(l, { mode: m }), { pod });
    expect(mode(pod)).toBe(m);
    if (m === "passthru") expect(linkOf(pod, "eth0")!.address).toBe(linkOf(l.node, "hv0")!.address);
  });

  it("add: mode unknown -> error 7 naming the mode, nothing created", () => {
    const l = newLab();
    const pod = l.pod();
    const o = l.run("ADD", staticConf(l, { mode: "l2" }), { pod });
    expect(o.code).not.toBe(0);
    expect(o.json).toMatchObject({ code: 7 });
    expect(o.json.msg).toContain('unknown macvlan mode: "l2"');
    expect(nonLo(pod)).toEqual([]);
  });

  it("add: mtu 1400 -> link mtu; mtu above the master's -> error, nothing created", () => {
    const l = newLab();
    const pod = l.pod();
    l.add(staticConf(l, { mtu: 1400 }), { pod });
    expect(linkOf(pod, "eth0")!.mtu).toBe(1400);
    const pod2 = l.pod();
    const o = l.run("ADD", staticConf(l, { mtu: 9000 }), { pod: pod2, cid: "c2" });
    expect(o.code).not.toBe(0);
    expect(o.json.msg).toContain("invalid MTU 9000, must be [0, master MTU(1500)]");
    expect(nonLo(pod2)).toEqual([]);
  });

  it("add: MAC from mac < CNI_ARGS MAC < runtimeConfig.mac", () => {
    const l = newLab();
    const conf = staticConf(l, { mac: "02:00:00:00:00:01" });
    const [a, b, c] = [l.pod(), l.pod(), l.pod()];
    const ips = (i: number) => ({ addresses: [{ address: l.ip4(i) }], routes: [] });
    l.add({ ...conf, ipam: { ...conf.ipam, ...ips(11) } }, { pod: a, cid: "a" });
    l.add({ ...conf, ipam: { ...conf.ipam, ...ips(12) } }, { pod: b, cid: "b", cniArgs: "IgnoreUnknown=1;K8S_POD_NAME=x;MAC=02:00:00:00:00:02" });
    const withRuntime = { ...conf, ipam: { ...conf.ipam, ...ips(13) }, runtimeConfig: { mac: "02:00:00:00:00:03" } };
    const r = l.add(withRuntime, { pod: c, cid: "c", cniArgs: "IgnoreUnknown=1;MAC=02:00:00:00:00:02" });
    expect(linkOf(a, "eth0")!.address).toBe("02:00:00:00:00:01");
    expect(linkOf(b, "eth0")!.address).toBe("02:00:00:00:00:02");
    expect(linkOf(c, "eth0")!.address).toBe("02:00:00:00:00:03");
    expect(r.interfaces[0].mac).toBe("02:00:00:00:00:03");
  });

  it("add: CNI_ARGS with an unknown key and no IgnoreUnknown -> error, nothing created", () => {
    const l = newLab();
    const pod = l.pod();
    const o = l.run("ADD", staticConf(l), { pod, cniArgs: "FOO=1" });
    expect(o.code).not.toBe(0);
    expect(o.json.msg).toContain("ARGS: unknown args");
    expect(nonLo(pod)).toEqual([]);
  });

  it("add: bcqueuelen 321 -> the macvlan's broadcast queue length", () => {
    const l = newLab();
    const pod = l.pod();
    l.add(staticConf(l, { bcqueuelen: 321 }), { pod });
    expect(linkOf(pod, "eth0")!.linkinfo.info_data.bcqueuelen).toBe(321);
  });

  it("add: no master -> the default route's interface; no default route -> error", () => {
    const l = newLab();
    const pod = l.pod();
    const conf = staticConf(l);
    delete conf.master;
    const o = l.run("ADD", conf, { pod });
    expect(o.json.msg).toContain("no default route interface found");
    expect(nonLo(pod)).toEqual([]);
    l.node.exec("ip", ["addr", "add", l.ip4(254), "dev", "hv0"]);
    l.node.exec("ip", ["route", "add", "default", "via", l.gw4]);
    l.add(conf, { pod });
    expect(linkOf(pod, "eth0")!.link_netnsid).toBeDefined();
    ping(pod, l.gw4);
  });

  it("add: linkInContainer -> master looked up and macvlan created in the pod netns", () => {
    const l = newLab();
    const pod = l.pod();
    const far = l.netns("macvlan-far");
    pod.exec("ip", ["link", "add", "pm0", "type", "veth", "peer", "name", "far0", "netns", far.name]);
    pod.exec("ip", ["link", "set", "pm0", "up"]);
    far.exec("ip", ["link", "set", "far0", "up"]);
    far.exec("ip", ["addr", "add", "10.99.0.1/24", "dev", "far0"]);
    const conf = staticConf(l, { master: "pm0", linkInContainer: true }, { addresses: [{ address: "10.99.0.5/24" }], routes: [] });
    l.add(conf, { pod });
    expect(linkOf(pod, "eth0")!.link).toBe("pm0");
    expect(nonLo(l.node)).toEqual(["hv0"]);
    ping(pod, "10.99.0.1");
    const missing = l.run("ADD", { ...conf, master: "hv0" }, { pod: l.pod(), cid: "c2" });
    expect(missing.json.msg).toContain('failed to lookup master "hv0"');
  });

  it("add: no ipam -> L2 only: link up, result has only the interface", () => {
    const l = newLab();
    const pod = l.pod();
    const r = l.add({ cniVersion: "1.0.0", name: "mvnet", type: "macvlan", master: "hv0" }, { pod });
    expect(r).toEqual({ cniVersion: "1.0.0", interfaces: [{ name: "eth0", mac: linkOf(pod, "eth0")!.address, sandbox: pod.path }] });
    expect(linkOf(pod, "eth0")!.flags).toContain("UP");
    expect(addrs(pod, "eth0")).toEqual([]);
  });

  it("add: dns -> the network's dns replaces IPAM's; without it IPAM's is dropped (as the reference)", () => {
    const l = newLab();
    const ipamDns = { routes: [], dns: { nameservers: ["1.1.1.1"] } };
    const withDns = l.add(staticConf(l, { dns: { nameservers: ["9.9.9.9"], search: ["example"] } }, ipamDns), { pod: l.pod(), cid: "a" });
    expect(withDns.dns).toEqual({ nameservers: ["9.9.9.9"], search: ["example"] });
    const without = l.add(staticConf(l, {}, { ...ipamDns, addresses: [{ address: l.ip4(6) }] }), { pod: l.pod(), cid: "b" });
    expect(without.dns).toBeUndefined();
  });

  it("add: ifname already in the pod -> rename fails, the temporary macvlan is gone, no IP taken", () => {
    const l = newLab();
    const pod = l.pod();
    const data = l.dataDir();
    pod.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "x0"]);
    const o = l.run("ADD", hostLocalConf(l, data), { pod });
    expect(o.code).not.toBe(0);
    expect(o.json.msg).toContain('failed to rename macvlan to "eth0"');
    expect(nonLo(pod).sort()).toEqual(["eth0", "x0"]);
    expect(reservations(data)).toEqual([]);
  });

  it("add: IPAM plugin missing -> error, link removed", () => {
    const l = newLab();
    const pod = l.pod();
    const o = l.run("ADD", { ...staticConf(l), ipam: { type: "no-such-ipam" } }, { pod });
    expect(o.code).not.toBe(0);
    expect(o.json.msg).toContain("no-such-ipam");
    expect(nonLo(pod)).toEqual([]);
  });

  it("add: IPAM returns no IP -> 'IPAM plugin returned missing IP config', link removed", () => {
    const l = newLab();
    const pod = l.pod();
    const o = l.run("ADD", staticConf(l, {}, { addresses: [] }), { pod });
    expect(o.json.msg).toBe("IPAM plugin returned missing IP config");
    expect(nonLo(pod)).toEqual([]);
  });

  it("add: a route that cannot be added -> link removed and the IP released", () => {
    const l = newLab();
    const pod = l.pod();
    const data = l.dataDir();
    const conf = hostLocalConf(l, data);
    conf.ipam.routes = [{ dst: "192.168.77.0/24", gw: "172.31.9.9" }];
    const o = l.run("ADD", conf, { pod });
    expect(o.code).not.toBe(0);
    expect(nonLo(pod)).toEqual([]);
    expect(reservations(data)).toEqual([]);
  });

  it("add: master missing -> error, nothing created", () => {
    const l = newLab();
    const pod = l.pod();
    const o = l.run("ADD", staticConf(l, { master: "nosuch0" }), { pod });
    expect(o.json.msg).toContain('failed to lookup master "nosuch0"');
    expect(nonLo(pod)).toEqual([]);
  });

  it("del: repeated, empty CNI_NETNS, netns gone, link gone, master gone -> success each time, IP released", () => {
    const l = newLab();
    const data = l.dataDir();
    const conf = hostLocalConf(l, data);
    const pod = l.pod();
    l.add(conf, { pod });
    expect(l.run("DEL", conf, { pod }).code).toBe(0);
    expect(l.run("DEL", conf, { pod }).code).toBe(0);
    expect(nonLo(pod)).toEqual([]);
    l.add(conf, { pod, cid: "b" });
    expect(l.run("DEL", conf, { cid: "b", netns: "" }).code).toBe(0);
    expect(reservations(data)).toEqual([]);
    const gone = l.pod();
    l.add(conf, { pod: gone, cid: "c" });
    gone.delete();
    expect(l.run("DEL", conf, { cid: "c", netns: gone.path }).code).toBe(0);
    expect(reservations(data)).toEqual([]);
    const pod2 = l.pod();
    l.add(conf, { pod: pod2, cid: "d" });
    pod2.exec("ip", ["link", "del", "eth0"]);
    expect(l.run("DEL", conf, { pod: pod2, cid: "d" }).code).toBe(0);
    const pod3 = l.pod();
    l.add(conf, { pod: pod3, cid: "e" });
    l.node.exec("ip", ["link", "del", "hv0"]);
    const o = l.run("DEL", conf, { pod: pod3, cid: "e" });
    expect(o.code, o.stdout).toBe(0);
    expect(reservations(data)).toEqual([]);
  });

  it("check: intact -> ok; MAC, mode, address, route, link or master tampered -> error each", () => {
    const l = newLab();
    const cases: [string, (pod: TestNetns) => void, string][] = [
      ["mac", (p) => p.exec("ip", ["link", "set", "eth0", "address", "02:00:00:00:99:99"]), "Mac"],
      ["mode", (p) => p.exec("ip", ["link", "set", "eth0", "type", "macvlan", "mode", "private"]), "macvlan mode private does not match expected value: bridge"],
      ["address", (p) => p.exec("ip", ["addr", "del", l.ip4(5), "dev", "eth0"]), "addr"],
      ["route", (p) => p.exec("ip", ["route", "del", "default", "via", l.gw4]), "route"],
      ["link", (p) => p.exec("ip", ["link", "del", "eth0"]), "not found"],
    ];
    const conf = staticConf(l, {}, { addresses: [{ address: l.ip4(5), gateway: l.gw4 }], routes: [{ dst: "0.0.0.0/0" }] });
    for (const [what, tamper, msg] of cases) {
      const pod = l.pod();
      const prevResult = l.add(conf, { pod, cid: what });
      expect(l.run("CHECK", conf, { pod, cid: what, prevResult }).code, what).toBe(0);
      tamper(pod);
      const o = l.run("CHECK", conf, { pod, cid: what, prevResult });
      expect(o.code, what).not.toBe(0);
      expect(o.json.msg, what).toContain(msg);
    }
    const pod = l.pod();
    const prevResult = l.add(conf, { pod, cid: "master" });
    l.node.exec("ip", ["link", "del", "hv0"]);
    expect(l.run("CHECK", conf, { pod, cid: "master", prevResult }).json.msg).toContain('failed to lookup master "hv0"');
  });

  it("check: prevResult of another sandbox -> error", () => {
    const l = newLab();
    const pod = l.pod();
    const conf = staticConf(l);
    const prevResult = l.add(conf, { pod });
    prevResult.interfaces[0].sandbox = "/run/netns/elsewhere";
    expect(l.run("CHECK", conf, { pod, prevResult }).json.msg).toContain("doesn't match configured netns");
  });

  (hasReference ? it : it.skip)("differential: same config as the reference 1.1.1 -> same result and kernel state", () => {
    const l = newLab();
    const conf = staticConf(l, { mode: "vepa", mtu: 1400, dns: { nameservers: ["9.9.9.9"] } }, { addresses: [{ address: l.ip4(5), gateway: l.gw4 }], routes: [{ dst: "0.0.0.0/0" }, { dst: "10.200.0.0/16", gw: l.gw4 }] });
    const ours = l.pod();
    const theirs = l.pod();
    const a = l.add(conf, { pod: ours, cid: "ours" });
    const b = l.add({ ...conf, ipam: { ...conf.ipam, addresses: [{ address: l.ip4(6), gateway: l.gw4 }] } }, { pod: theirs, cid: "theirs", reference: true });
    const theirResult = normalized(b);
    theirResult.ips[0].address = l.ip4(5);
    expect(normalized(a)).toEqual(theirResult);
    const state = (p: TestNetns) => {
      const k = linkOf(p, "eth0")!;
      return { kind: k.linkinfo.info_kind, mode: k.linkinfo.info_data.mode, mtu: k.mtu, up: k.flags.includes("UP"), routes: routes(p), arp: sysctl(p, "net/ipv4/conf/eth0/arp_notify") };
    };
    expect(state(ours)).toEqual(state(theirs));
    ping(ours, l.gw4);
    ping(theirs, l.gw4);
    // CHECK of each other's results: both accept (same prevResult shape)
    expect(l.run("CHECK", conf, { pod: ours, cid: "ours", prevResult: a }).code).toBe(0);
    expect(l.run("CHECK", conf, { pod: theirs, cid: "theirs", prevResult: b, reference: true }).code).toBe(0);
    // DEL with the master gone: the reference 1.1.1 fails (pl#953), tscni succeeds
    l.node.exec("ip", ["link", "del", "hv0"]);
    expect(l.run("DEL", conf, { pod: theirs, cid: "theirs", reference: true }).code).not.toBe(0);
    expect(l.run("DEL", conf, { pod: ours, cid: "ours" }).code).toBe(0);
  });
});
