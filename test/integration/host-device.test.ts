// host-device plugin, compiled binary, in private namespaces (pod-link-harness.ts): the node's veth end
// hv0 is the "host device"; it moves into the pod as eth0 (its peer ext0 stays in the ext netns, so
// traffic from the pod crosses it) and back to the node on DEL. Selection by PCI address, deviceID and
// DPDK mode runs against a fake /sys/bus bind-mounted in a private mount namespace around the plugin;
// kernelpath against the node netns's own sysfs (`ip netns exec`). Needs root.
import { existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BIN_DIR, hasReference, REF_DIR, type TestNetns } from "./harness.ts";
import { addrs, isRoot, LinkLab, linkOf, nonLo, normalized, ping, routes, type Json, type RunOpts } from "./pod-link-harness.ts";

const hasBinary = existsSync(join(BIN_DIR, "host-device"));
const run = isRoot && hasBinary ? describe : describe.skip;
const hasRefHostDevice = hasReference && existsSync(join(REF_DIR, "host-device"));

let lab: LinkLab;
let n = 60;
afterEach(() => lab?.cleanup());

function newLab(): LinkLab {
  lab = new LinkLab("host-device", n++);
  return lab;
}

const v6 = (l: LinkLab, host: number) => `${l.gw6.slice(0, -1)}${host}/64`;

function staticConf(l: LinkLab, extra: Json = {}, ipam: Json = {}): Json {
  return {
    cniVersion: "1.0.0",
    name: "hdnet",
    type: "host-device",
    device: "hv0",
    ...extra,
    ipam: {
      type: "static",
      addresses: [{ address: l.ip4(5), gateway: l.gw4 }, { address: v6(l, 5), gateway: l.gw6 }],
      routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }],
      ...ipam,
    },
  };
}

function hostLocalConf(l: LinkLab, dataDir: string, extra: Json = {}): Json {
  return { cniVersion: "1.0.0", name: "hdnet", type: "host-device", device: "hv0", ...extra, ipam: { type: "host-local", dataDir, ranges: [[{ subnet: l.subnet, rangeStart: l.ip4(10).split("/")[0] }]] } };
}

const l2Conf = (extra: Json = { device: "hv0" }): Json => ({ cniVersion: "1.0.0", name: "hdnet", type: "host-device", ...extra });

const reservations = (dataDir: string): string[] => {
  const dir = join(dataDir, "hdnet");
  return existsSync(dir) ? readdirSync(dir).filter((f) => f !== "lock" && !f.startsWith("last_reserved_ip")) : [];
};

/** hv0 as the node sees it: present, name, alias, up, MAC. */
function nodeDevice(l: LinkLab, name = "hv0"): { alias?: string; up: boolean; mac: string } | undefined {
  const k = linkOf(l.node, name);
  return k && { alias: k.ifalias, up: k.flags.includes("UP"), mac: k.address };
}

/** A fake /sys/bus tree (PCI devices with a driver and a net/ entry, auxiliary devices) in a temp dir. */
function fakeSysBus(l: LinkLab, o: { pci?: { id: string; driver: string; netdev?: string; virtio?: boolean }[]; aux?: { id: string; netdev: string }[] }): string {
  const root = l.dataDir();
  for (const p of o.pci ?? []) {
    const dev = join(root, "pci/devices", p.id);
    mkdirSync(join(root, "pci/drivers", p.driver), { recursive: true });
    mkdirSync(dev, { recursive: true });
    symlinkSync(join("../../drivers", p.driver), join(dev, "driver"));
    if (p.netdev) mkdirSync(join(dev, p.virtio ? "virtio3/net" : "net", p.netdev), { recursive: true });
  }
  for (const a of o.aux ?? []) mkdirSync(join(root, "auxiliary/devices", a.id, "net", a.netdev), { recursive: true });
  return root;
}

/** Runs the plugin in the node netns with `fake` bind-mounted over /sys/bus in a private mount namespace. */
const withSysBus = (fake: string, node: TestNetns): RunOpts["launch"] => (bin) => [
  "unshare",
  ["--mount", "--propagation", "private", "--", "sh", "-c", 'mount --bind "$1" /sys/bus && exec nsenter --net="$2" -- "$3"', "sh", fake, node.path, bin],
];

/** Runs the plugin through `ip netns exec`, which mounts the node netns's own sysfs. */
const withNodeSysfs = (node: TestNetns): RunOpts["launch"] => (bin) => ["ip", ["netns", "exec", node.name, bin]];

run("host-device", () => {
  it("add: device by name, static v4+v6 -> hv0 in the pod as eth0 (alias hv0, same MAC), addresses, routes, traffic; del -> back on the node as hv0", () => {
    const l = newLab();
    const pod = l.pod();
    const mac = nodeDevice(l)!.mac;
    const conf = staticConf(l);
    const result = l.add(conf, { pod });
    const eth0 = linkOf(pod, "eth0")!;
    expect(eth0.address).toBe(mac);
    expect(eth0.ifalias).toBe("hv0");
    expect(eth0.flags).toContain("UP");
    expect(result).toEqual({
      cniVersion: "1.0.0",
      interfaces: [{ name: "eth0", mac, sandbox: pod.path }],
      ips: [
        { address: l.ip4(5), gateway: l.gw4, interface: 0 },
        { address: v6(l, 5), gateway: l.gw6, interface: 0 },
      ],
      routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }],
    });
    expect(addrs(pod, "eth0")).toEqual([l.ip4(5), v6(l, 5)].sort());
    expect(routes(pod)).toEqual(expect.arrayContaining([`default via ${l.gw4} dev eth0`, `default via ${l.gw6} dev eth0`]));
    expect(nonLo(l.node)).toEqual([]); // moved, not copied; no temporary name left anywhere
    ping(pod, l.gw4);
    ping(pod, l.gw6);
    expect(l.run("DEL", conf, { pod }).code).toBe(0);
    expect(nonLo(pod)).toEqual([]);
    expect(nodeDevice(l)).toEqual({ alias: undefined, up: false, mac }); // down after DEL, as the reference
    expect(addrs(l.node, "hv0")).toEqual([]);
    expect(l.run("DEL", conf, { pod }).code).toBe(0); // repeated: the reference fails ("Link not found")
  });

  it("add: no ipam -> L2 only: the link up in the pod, result has only the interface", () => {
    const l = newLab();
    const pod = l.pod();
    const r = l.add(l2Conf(), { pod, ifname: "net1" });
    expect(r).toEqual({ cniVersion: "1.0.0", interfaces: [{ name: "net1", mac: linkOf(pod, "net1")!.address, sandbox: pod.path }] });
    expect(linkOf(pod, "net1")!.flags).toContain("UP");
    expect(addrs(pod, "net1")).toEqual([]);
  });

  it("add: hwaddr (any case, '-' or ':') -> the node link with that MAC moves", () => {
    const l = newLab();
    l.node.exec("ip", ["link", "add", "other0", "type", "veth", "peer", "name", "other1"]);
    const mac: string = linkOf(l.node, "hv0")!.address;
    const pod = l.pod();
    l.add(l2Conf({ hwaddr: mac.toUpperCase().replaceAll(":", "-") }), { pod });
    expect(linkOf(pod, "eth0")!.ifalias).toBe("hv0");
    expect(nonLo(l.node).sort()).toEqual(["other0", "other1"]);
    const none = l.run("ADD", l2Conf({ hwaddr: "02:00:00:00:00:99" }), { pod: l.pod(), cid: "c2" });
    expect(none.code).not.toBe(0);
    expect(none.json.msg).toContain("failed to find host device");
  });

  it("add: kernelpath -> the first net device under it (the node's own sysfs)", () => {
    const l = newLab();
    const pod = l.pod();
    // /sys/devices/virtual/net of the node netns holds hv0 and lo: hv0 sorts first
    l.add(l2Conf({ kernelpath: "/sys/devices/virtual" }), { pod, launch: withNodeSysfs(l.node) });
    expect(linkOf(pod, "eth0")!.ifalias).toBe("hv0");
    const bad = l.run("ADD", l2Conf({ kernelpath: "/etc" }), { pod: l.pod(), cid: "c2" });
    expect(bad.json).toMatchObject({ code: 7 });
    expect(bad.json.msg).toContain("must be absolute and begin with /sys/devices/");
  });

  it("add: pciBusID (net/ or virtio*/net/), deviceID of a PCI or an auxiliary device -> that device moves; del -> back", () => {
    const l = newLab();
    const fake = fakeSysBus(l, {
      pci: [
        { id: "0000:00:1f.6", driver: "e1000e", netdev: "hv0" },
        { id: "0000:00:05.0", driver: "virtio-pci", netdev: "hv0", virtio: true },
      ],
      aux: [{ id: "mlx5_core.sf.2", netdev: "hv0" }],
    });
    const launch = withSysBus(fake, l.node);
    const cases: [string, Json][] = [
      ["pci", l2Conf({ pciBusID: "0000:00:1f.6" })],
      ["virtio", l2Conf({ pciBusID: "0000:00:05.0" })],
      ["deviceID-pci", l2Conf({ pciBusID: "0000:99:00.0", runtimeConfig: { deviceID: "0000:00:1f.6" } })],
      ["deviceID-aux", l2Conf({ runtimeConfig: { deviceID: "mlx5_core.sf.2" } })],
    ];
    for (const [what, conf] of cases) {
      const pod = l.pod();
      l.add(conf, { pod, cid: what, launch });
      expect(linkOf(pod, "eth0")?.ifalias, what).toBe("hv0");
      expect(l.run("DEL", conf, { pod, cid: what, launch }).code, what).toBe(0);
      expect(nodeDevice(l), what).toBeDefined();
    }
    const missing = l.run("ADD", l2Conf({ runtimeConfig: { deviceID: "0000:00:09.9" } }), { pod: l.pod(), launch });
    expect(missing.json.msg).toContain("runtime config DeviceID 0000:00:09.9 not found or unsupported");
    // DEL reads no sysfs: the device's sysfs entry vanishing (a removed VF) does not block it
    const pod = l.pod();
    l.add(cases[2]![1], { pod, cid: "gone", launch });
    expect(l.run("DEL", cases[2]![1], { pod, cid: "gone" }).code).toBe(0);
    expect(nodeDevice(l)).toBeDefined();
  });

  it("add: DPDK driver on the PCI device -> nothing moved, result names ifname with IPAM's IPs unapplied; check and del succeed", () => {
    const l = newLab();
    const fake = fakeSysBus(l, { pci: [{ id: "0000:00:1f.7", driver: "vfio-pci" }] });
    const launch = withSysBus(fake, l.node);
    const pod = l.pod();
    const conf = staticConf(l, { device: undefined, pciBusID: "0000:00:1f.7", dns: { nameservers: ["9.9.9.9"] } }, { addresses: [{ address: l.ip4(5) }], routes: [] });
    const r = l.add(conf, { pod, ifname: "net1", launch });
    expect(r).toEqual({ cniVersion: "1.0.0", interfaces: [{ name: "net1", sandbox: pod.path }], ips: [{ address: l.ip4(5), interface: 0 }], dns: { nameservers: ["9.9.9.9"] } });
    expect(nonLo(pod)).toEqual([]);
    expect(nodeDevice(l)).toBeDefined();
    expect(l.run("CHECK", conf, { pod, ifname: "net1", launch, prevResult: r }).code).toBe(0);
    expect(l.run("DEL", conf, { pod, ifname: "net1", launch }).code).toBe(0);
    const noDriver = fakeSysBus(l, { pci: [{ id: "0000:00:1f.7", driver: "x" }] });
    const o = l.run("ADD", l2Conf({ pciBusID: "0000:00:1f.6" }), { pod: l.pod(), launch: withSysBus(noDriver, l.node) });
    expect(o.json.msg).toContain("error with host device");
  });

  it("add: config errors -> code 7 naming the key, nothing moved", () => {
    const l = newLab();
    const pod = l.pod();
    const cases: [Json, string][] = [
      [l2Conf({}), 'specify either "device", "hwaddr", "kernelpath" or "pciBusID"'],
      [l2Conf({ hwaddr: "02:00:00:00:00" }), "hwaddr: failed to parse MAC address"],
      [l2Conf({ pciBusID: "../../../etc" }), "pciBusID: invalid PCI address"],
      [l2Conf({ runtimeConfig: { deviceID: ".." } }), "runtimeConfig.deviceID: invalid device ID"],
      [l2Conf({ device: "a/b" }), "device: invalid interface name"],
    ];
    for (const [conf, msg] of cases) {
      const o = l.run("ADD", conf, { pod });
      expect(o.json, msg).toMatchObject({ code: 7 });
      expect(o.json.msg).toContain(msg);
    }
    expect(nodeDevice(l)).toBeDefined();
    expect(nonLo(pod)).toEqual([]);
  });

  it("add: device missing -> error, nothing moved", () => {
    const l = newLab();
    const o = l.run("ADD", l2Conf({ device: "nosuch0" }), { pod: l.pod() });
    expect(o.code).not.toBe(0);
    expect(o.json.msg).toContain('failed to find host device: link "nosuch0" not found');
  });

  it("add: failures after the move (IPAM missing, no IP, route refused, ifname taken) -> hv0 back on the node with its name, alias and up state; IP released", () => {
    const l = newLab();
    l.node.exec("ip", ["link", "set", "hv0", "alias", "uplink-a"]);
    const data = l.dataDir();
    const badRoute = hostLocalConf(l, data);
    badRoute.ipam.routes = [{ dst: "192.168.77.0/24", gw: "172.31.9.9" }];
    const cases: [string, Json, (p: TestNetns) => void, string][] = [
      ["ipam missing", { ...staticConf(l), ipam: { type: "no-such-ipam" } }, () => {}, "no-such-ipam"],
      ["no IP", staticConf(l, {}, { addresses: [] }), () => {}, "IPAM plugin returned missing IP config"],
      ["route", badRoute, () => {}, ""],
      ["ifname taken", hostLocalConf(l, data), (p) => p.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "x0"]), 'failed to rename host-device to "eth0"'],
    ];
    const before = nodeDevice(l)!;
    expect(before).toMatchObject({ alias: "uplink-a", up: true });
    for (const [what, conf, setup, msg] of cases) {
      const pod = l.pod();
      setup(pod);
      const o = l.run("ADD", conf, { pod, cid: what.replaceAll(" ", "-") });
      expect(o.code, what).not.toBe(0);
      expect(o.json.msg, what).toContain(msg);
      expect(nodeDevice(l), what).toEqual(before);
      expect(nonLo(pod).filter((x) => x.startsWith("veth") || x === "hv0"), what).toEqual([]);
      expect(reservations(data), what).toEqual([]);
    }
    const pod = l.pod(); // and it still works afterwards, traffic included
    l.add(staticConf(l), { pod });
    ping(pod, l.gw4);
  });

  it("del: empty CNI_NETNS, netns gone, link gone, alias removed, node name taken, device back on the node by itself -> success each time, IP released", () => {
    const l = newLab();
    const data = l.dataDir();
    const conf = hostLocalConf(l, data);
    const a = l.pod();
    l.add(conf, { pod: a, cid: "a" });
    expect(l.run("DEL", conf, { cid: "a", netns: "" }).code).toBe(0);
    expect(reservations(data)).toEqual([]);
    expect(l.run("DEL", conf, { pod: a, cid: "a" }).code).toBe(0);
    expect(nodeDevice(l)).toBeDefined();

    const b = l.pod(); // node name taken meanwhile: back as devN, alias keeps the name
    l.add(conf, { pod: b, cid: "b" });
    l.node.exec("ip", ["link", "add", "hv0", "type", "veth", "peer", "name", "squat1"]);
    const o = l.run("DEL", conf, { pod: b, cid: "b" });
    expect(o.code, o.stdout).toBe(0);
    expect(o.stderr).toContain("hv0 is taken on the node");
    const back = linkOf(l.node, "dev0")!;
    expect(back.ifalias).toBe("hv0");
    l.node.exec("ip", ["link", "del", "hv0"]);
    l.node.exec("ip", ["link", "set", "dev0", "name", "hv0"]);
    l.node.exec("ip", ["link", "set", "hv0", "alias", ""]);

    const c = l.pod(); // alias removed: left in the pod
    l.add(conf, { pod: c, cid: "c" });
    c.exec("ip", ["link", "set", "eth0", "alias", ""]);
    expect(l.run("DEL", conf, { pod: c, cid: "c" }).code).toBe(0);
    expect(linkOf(c, "eth0")).toBeDefined();
    expect(reservations(data)).toEqual([]);
    c.exec("ip", ["link", "set", "eth0", "netns", l.node.name]);
    l.node.exec("ip", ["link", "set", "eth0", "name", "hv0"]);

    const d = l.pod(); // link gone (deleted in the pod: the veth pair goes with it)
    l.add(conf, { pod: d, cid: "d" });
    d.exec("ip", ["link", "del", "eth0"]);
    expect(l.run("DEL", conf, { pod: d, cid: "d" }).code).toBe(0);
    expect(reservations(data)).toEqual([]);

    l.node.exec("ip", ["link", "add", "hv0", "type", "veth", "peer", "name", "hv1"]);
    const e = l.pod(); // netns gone
    l.add(conf, { pod: e, cid: "e" });
    e.delete();
    expect(l.run("DEL", conf, { cid: "e", netns: e.path }).code).toBe(0);
    expect(reservations(data)).toEqual([]);

    // a physical device in a destroyed pod netns returns to the node by itself under its pod name (a
    // veth is destroyed instead, so the return is staged): DEL renames it back and clears the alias
    l.node.exec("ip", ["link", "add", "hv0", "type", "veth", "peer", "name", "hv1"]);
    const f = l.pod();
    l.add(conf, { pod: f, cid: "f" });
    f.exec("ip", ["link", "set", "eth0", "down"]);
    f.exec("ip", ["link", "set", "eth0", "netns", l.node.name]);
    f.delete();
    expect(linkOf(l.node, "eth0")!.ifalias).toBe("hv0");
    const reclaimed = l.run("DEL", conf, { cid: "f", netns: f.path });
    expect(reclaimed.code, reclaimed.stdout).toBe(0);
    expect(reclaimed.stderr).toContain("hv0 was back on the node as eth0");
    expect(linkOf(l.node, "eth0")).toBeUndefined();
    expect(nodeDevice(l)).toMatchObject({ alias: undefined, up: false });
    // an up link aliased hv0, or one while hv0 exists, is left alone
    l.node.exec("ip", ["link", "add", "x9", "type", "veth", "peer", "name", "x8"]);
    l.node.exec("ip", ["link", "set", "x9", "alias", "hv0"]);
    expect(l.run("DEL", conf, { cid: "f", netns: f.path }).code).toBe(0);
    expect(linkOf(l.node, "x9")!.ifalias).toBe("hv0");
  });

  it("gc: ADD whose result never reached the runtime, pod netns gone -> GC keeps the IP while valid or for another network, releases it when not valid", () => {
    const l = newLab();
    const data = l.dataDir();
    const conf = hostLocalConf(l, data);
    const pod = l.pod();
    l.add(conf, { pod, cid: "lost" });
    pod.delete();
    const gc = (name: string, valid: { containerID: string; ifname: string }[]) => {
      const o = l.run("GC", { ...conf, cniVersion: "1.1.0", name, "cni.dev/valid-attachments": valid });
      expect(o.code, o.stdout + o.stderr).toBe(0);
    };
    expect(reservations(data)).toHaveLength(1);
    gc("hdnet", [{ containerID: "lost", ifname: "eth0" }]);
    gc("othernet", []);
    expect(reservations(data)).toHaveLength(1);
    gc("hdnet", []);
    expect(reservations(data)).toEqual([]);
  });

  it("check: intact -> ok; MAC, address, route or link tampered -> error each; other sandbox -> error", () => {
    const l = newLab();
    const cases: [string, (pod: TestNetns) => void, string][] = [
      ["mac", (p) => p.exec("ip", ["link", "set", "eth0", "address", "02:00:00:00:99:99"]), "Mac"],
      ["address", (p) => p.exec("ip", ["addr", "del", l.ip4(5), "dev", "eth0"]), "addr"],
      ["route", (p) => p.exec("ip", ["route", "del", "default", "via", l.gw4]), "route"],
      ["link", (p) => p.exec("ip", ["link", "set", "eth0", "name", "eth9"]), "not found"],
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
      pod.exec("ip", ["link", "set", what === "link" ? "eth9" : "eth0", "netns", l.node.name]);
      l.node.exec("ip", ["link", "set", what === "link" ? "eth9" : "eth0", "name", "hv0"]);
      l.node.exec("ip", ["link", "set", "hv0", "up"]);
    }
    const pod = l.pod();
    const prevResult = l.add(conf, { pod });
    prevResult.interfaces[0].sandbox = "/run/netns/elsewhere";
    expect(l.run("CHECK", conf, { pod, prevResult }).json.msg).toContain("doesn't match configured netns");
    expect(l.run("CHECK", conf, { pod }).json.msg).toMatch(/required prevResult missing/i);
  });

  (hasRefHostDevice ? it : it.skip)("differential: same config as the reference 1.1.1 -> same result and kernel state; DEL of a gone netns or twice: reference fails, tscni succeeds", () => {
    const l = newLab();
    l.node.exec("ip", ["link", "add", "hw1", "type", "veth", "peer", "name", "hw1p"]);
    const conf = (device: string, host: number) =>
      staticConf(l, { device, dns: { nameservers: ["9.9.9.9"] } }, { addresses: [{ address: l.ip4(host), gateway: l.gw4 }], routes: [{ dst: "0.0.0.0/0" }, { dst: "10.200.0.0/16", gw: l.gw4 }] });
    const ours = l.pod();
    const theirs = l.pod();
    const a = l.add(conf("hv0", 5), { pod: ours, cid: "ours", ifname: "net1" });
    const b = l.add(conf("hw1", 6), { pod: theirs, cid: "theirs", ifname: "net1", reference: true });
    const theirResult = normalized(b);
    theirResult.ips[0].address = l.ip4(5);
    expect(normalized(a)).toEqual(theirResult);
    const state = (p: TestNetns, alias: string) => {
      const k = linkOf(p, "net1")!;
      return { alias: k.ifalias === alias, up: k.flags.includes("UP"), routes: routes(p).map((r) => r.replace(/10\.\d+\.0\.\d+/g, "ip")) };
    };
    expect(state(ours, "hv0")).toEqual(state(theirs, "hw1"));
    expect(l.run("CHECK", conf("hv0", 5), { pod: ours, cid: "ours", ifname: "net1", prevResult: a }).code).toBe(0);
    expect(l.run("CHECK", conf("hw1", 6), { pod: theirs, cid: "theirs", ifname: "net1", prevResult: b, reference: true }).code).toBe(0);
    expect(l.run("DEL", conf("hv0", 5), { pod: ours, cid: "ours", ifname: "net1" }).code).toBe(0);
    expect(l.run("DEL", conf("hw1", 6), { pod: theirs, cid: "theirs", ifname: "net1", reference: true }).code).toBe(0);
    // both back under their names and down; 1.1.1 leaves its alias set, tscni clears it
    expect(nodeDevice(l, "hv0")).toMatchObject({ up: false, alias: undefined });
    expect(nodeDevice(l, "hw1")).toMatchObject({ up: false, alias: "hw1" });
    // a second DEL: the reference fails (pl#995, pods stuck Terminating), tscni succeeds
    expect(l.run("DEL", conf("hw1", 6), { pod: theirs, cid: "theirs", ifname: "net1", reference: true }).code).not.toBe(0);
    expect(l.run("DEL", conf("hv0", 5), { pod: ours, cid: "ours", ifname: "net1" }).code).toBe(0);
    // DEL with the netns gone: the reference fails, tscni succeeds
    const gone1 = l.pod();
    const gone2 = l.pod();
    l.add(conf("hv0", 5), { pod: gone1, cid: "g1" });
    l.add(conf("hw1", 6), { pod: gone2, cid: "g2", reference: true });
    gone1.delete();
    gone2.delete();
    expect(l.run("DEL", conf("hw1", 6), { cid: "g2", netns: gone2.path, reference: true }).code).not.toBe(0);
    expect(l.run("DEL", conf("hv0", 5), { cid: "g1", netns: gone1.path }).code).toBe(0);
  });
});
