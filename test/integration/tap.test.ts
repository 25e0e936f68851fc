// tap plugin, compiled binary, in private namespaces (pod-link-harness.ts): a persistent TAP device in
// the pod, created through /dev/net/tun. Traffic: a small python program attaches to the tap in the
// pod (as a VM would) and answers ARP and ICMP echo for a peer address, so the pod's ping crosses the
// tap both ways. The reference tap is newer than Debian's 1.1.1: kernel state is compared with what
// the reference's default path runs (`ip tuntap add mode tap ...`). Needs root and /dev/net/tun.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BIN_DIR, type TestNetns } from "./harness.ts";
import { addrs, isRoot, LinkLab, linkOf, nonLo, ping, routes, sysctl, type Json } from "./pod-link-harness.ts";

const hasBinary = existsSync(join(BIN_DIR, "tap"));
const run = isRoot && hasBinary && existsSync("/dev/net/tun") ? describe : describe.skip;

let lab: LinkLab;
let n = 80;
const peers: ChildProcess[] = [];
afterEach(() => {
  for (const p of peers.splice(0)) if (p.exitCode === null) p.kill("SIGKILL");
  lab?.cleanup();
});

function newLab(): LinkLab {
  lab = new LinkLab("tap", n++);
  return lab;
}

/** uid/gid without a name on this machine, so `ip` prints them as numbers */
const UID = 54321;
const GID = 54322;

function staticConf(l: LinkLab, extra: Json = {}, ipam: Json = {}): Json {
  return {
    cniVersion: "1.0.0",
    name: "tapnet",
    type: "tap",
    ...extra,
    ipam: { type: "static", addresses: [{ address: l.ip4(5), gateway: l.gw4 }], routes: [{ dst: "0.0.0.0/0" }], ...ipam },
  };
}

function hostLocalConf(l: LinkLab, dataDir: string, extra: Json = {}): Json {
  return { cniVersion: "1.0.0", name: "tapnet", type: "tap", ...extra, ipam: { type: "host-local", dataDir, ranges: [[{ subnet: l.subnet, rangeStart: l.ip4(10).split("/")[0] }]] } };
}

const l2Conf = (extra: Json = {}): Json => ({ cniVersion: "1.0.0", name: "tapnet", type: "tap", ...extra });

const reservations = (dataDir: string): string[] => {
  const dir = join(dataDir, "tapnet");
  return existsSync(dir) ? readdirSync(dir).filter((f) => f !== "lock" && !f.startsWith("last_reserved_ip")) : [];
};

const tunInfo = (ns: TestNetns, dev: string): Json => linkOf(ns, dev)?.linkinfo?.info_data;

// Attaches to the tap (IFF_TAP | IFF_NO_PI [| IFF_MULTI_QUEUE]) and answers ARP and ICMP echo for one
// IPv4 address, for at most 60 s.
const PEER = String.raw`
import fcntl, os, select, struct, sys, time
name, ip, mq = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", name.encode(), 0x1002 | (0x100 if mq else 0)))
mac = bytes.fromhex("02000000aa01")
me = bytes(int(x) for x in ip.split("."))
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
print("ready", flush=True)
end = time.time() + 60
while time.time() < end:
    if not select.select([fd], [], [], 1)[0]: continue
    f = os.read(fd, 65536)
    src, et = f[6:12], f[12:14]
    if et == b"\x08\x06" and f[20:22] == b"\x00\x01" and f[38:42] == me:
        os.write(fd, src + mac + et + b"\x00\x01\x08\x00\x06\x04\x00\x02" + mac + me + f[22:32])
    elif et == b"\x08\x00" and f[23] == 1 and f[30:34] == me:
        ihl = (f[14] & 15) * 4
        hdr = bytearray(f[14:14 + ihl]); icmp = bytearray(f[14 + ihl:])
        if icmp[0] != 8: continue
        hdr[12:16], hdr[16:20] = f[30:34], f[26:30]
        hdr[10:12] = b"\0\0"; hdr[10:12] = struct.pack("!H", csum(bytes(hdr)))
        icmp[0] = 0; icmp[2:4] = b"\0\0"; icmp[2:4] = struct.pack("!H", csum(bytes(icmp)))
        os.write(fd, src + mac + et + bytes(hdr) + bytes(icmp))
`;

/**
 * A fake /sys/fs (with selinux/enforce holding `enforce`, or no selinuxfs at all) and a launcher that
 * runs the plugin with it bind-mounted over /sys/fs in a private mount namespace.
 */
function fakeSysFs(l: LinkLab, enforce?: string): [string, (bin: string) => [string, string[]]] {
  const fake = l.dataDir();
  if (enforce !== undefined) {
    mkdirSync(join(fake, "selinux"));
    writeFileSync(join(fake, "selinux/enforce"), `${enforce}\n`);
  }
  return [fake, (bin) => ["unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", 'mount --bind "$1" /sys/fs && exec nsenter --net="$2" -- "$3"', "sh", fake, l.node.path, bin]]];
}

/** Starts the peer on the pod's tap and resolves once it is attached. */
function attachPeer(pod: TestNetns, dev: string, ip: string, multiQueue: boolean): Promise<void> {
  const child = spawn("nsenter", [`--net=${pod.path}`, "--", "python3", "-c", PEER, dev, ip, multiQueue ? "1" : "0"], { stdio: ["ignore", "pipe", "pipe"] });
  peers.push(child);
  return new Promise((ready, fail) => {
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    child.stdout!.on("data", (d) => String(d).includes("ready") && ready());
    child.on("exit", (code) => fail(new Error(`tap peer exited (${code}): ${err}`)));
  });
}

run("tap", () => {
  it("add: every key (mtu, mac, multiQueue, owner, group, bridge) + static IPAM -> a persistent tap in the pod as configured, arp_notify, traffic through it", async () => {
    const l = newLab();
    const pod = l.pod();
    pod.exec("ip", ["link", "add", "br0", "type", "bridge"]);
    const conf = staticConf(l, { mtu: 1400, mac: "02:00:00:00:00:42", multiQueue: true, owner: UID, group: GID, bridge: "br0", dns: { nameservers: ["9.9.9.9"] } });
    const result = l.add(conf, { pod, ifname: "tap0" });
    expect(result).toEqual({
      cniVersion: "1.0.0",
      interfaces: [{ name: "tap0", mac: "02:00:00:00:00:42", sandbox: pod.path }],
      ips: [{ address: l.ip4(5), gateway: l.gw4, interface: 0 }],
      routes: [{ dst: "0.0.0.0/0" }],
      dns: { nameservers: ["9.9.9.9"] },
    });
    const tap0 = linkOf(pod, "tap0")!;
    expect(tap0).toMatchObject({ address: "02:00:00:00:00:42", mtu: 1400, master: "br0" });
    expect(tap0.flags).toContain("UP");
    expect(tap0.linkinfo.info_kind).toBe("tun");
    expect(tap0.linkinfo.info_data).toMatchObject({ type: "tap", pi: false, vnet_hdr: false, multi_queue: true, persist: true, user: UID, group: GID });
    expect(addrs(pod, "tap0")).toEqual([l.ip4(5)]);
    expect(routes(pod)).toContain(`default via ${l.gw4} dev tap0`);
    expect(sysctl(pod, "net/ipv4/conf/tap0/arp_notify")).toBe("1");
    expect(sysctl(pod, "net/ipv6/conf/tap0/ndisc_notify")).toBe("0"); // the reference sets arp_notify only
    expect(nonLo(pod).sort()).toEqual(["br0", "tap0"]); // no temporary name left
    expect(nonLo(l.node)).toEqual(["hv0"]);
    // the bridge carries the pod's address in real setups; here the tap itself does: ping a peer behind it
    pod.exec("ip", ["link", "set", "tap0", "nomaster"]);
    await attachPeer(pod, "tap0", l.gw4, true);
    ping(pod, l.gw4);
  });

  it("add: no ipam -> L2 only: tap up, single queue, no owner/group; result has only the interface", async () => {
    const l = newLab();
    const pod = l.pod();
    const r = l.add(l2Conf(), { pod });
    const eth0 = linkOf(pod, "eth0")!;
    expect(r).toEqual({ cniVersion: "1.0.0", interfaces: [{ name: "eth0", mac: eth0.address, sandbox: pod.path }] });
    expect(eth0.flags).toContain("UP");
    expect(eth0.linkinfo.info_data).toMatchObject({ type: "tap", multi_queue: false, persist: true });
    expect(eth0.linkinfo.info_data.user).toBeUndefined();
    expect(eth0.linkinfo.info_data.group).toBeUndefined();
    expect(addrs(pod, "eth0")).toEqual([]);
    pod.exec("ip", ["addr", "add", l.ip4(7), "dev", "eth0"]);
    await attachPeer(pod, "eth0", l.gw4, false);
    ping(pod, l.gw4);
  });

  it("add: same kernel state as the reference's default path (`ip tuntap add mode tap ... multi_queue user U group G`)", () => {
    const l = newLab();
    const pod = l.pod();
    const ref = l.netns("tap-ref");
    l.add(l2Conf({ multiQueue: true, owner: UID, group: GID, mtu: 1280 }), { pod, ifname: "tap0" });
    ref.exec("ip", ["tuntap", "add", "mode", "tap", "name", "tap0", "multi_queue", "user", String(UID), "group", String(GID)]);
    ref.exec("ip", ["link", "set", "tap0", "mtu", "1280", "up"]);
    const state = (ns: TestNetns) => {
      const k = linkOf(ns, "tap0")!;
      return { kind: k.linkinfo.info_kind, data: k.linkinfo.info_data, mtu: k.mtu, up: k.flags.includes("UP"), txqlen: k.txqlen, type: k.link_type };
    };
    expect(state(pod)).toEqual(state(ref));
  });

  it("add: MAC from mac < CNI_ARGS MAC < runtimeConfig.mac", () => {
    const l = newLab();
    const [a, b, c] = [l.pod(), l.pod(), l.pod()];
    const conf = l2Conf({ mac: "02:00:00:00:00:01" });
    l.add(conf, { pod: a, cid: "a" });
    l.add(conf, { pod: b, cid: "b", cniArgs: "IgnoreUnknown=1;K8S_POD_NAME=x;MAC=02:00:00:00:00:02" });
    const r = l.add({ ...conf, runtimeConfig: { mac: "02:00:00:00:00:03" } }, { pod: c, cid: "c", cniArgs: "IgnoreUnknown=1;MAC=02:00:00:00:00:02" });
    expect(linkOf(a, "eth0")!.address).toBe("02:00:00:00:00:01");
    expect(linkOf(b, "eth0")!.address).toBe("02:00:00:00:00:02");
    expect(linkOf(c, "eth0")!.address).toBe("02:00:00:00:00:03");
    expect(r.interfaces[0].mac).toBe("02:00:00:00:00:03");
  });

  it("add: selinuxContext on a node without SELinux -> created, a note on stderr; malformed context -> error 7", () => {
    const l = newLab();
    const pod = l.pod();
    const [, launch] = fakeSysFs(l);
    const o = l.run("ADD", l2Conf({ selinuxContext: "system_u:system_r:container_t:s0:c1,c2" }), { pod, launch });
    expect(o.code, o.stdout).toBe(0);
    expect(o.stderr).toContain("SELinux is not enabled on this node");
    expect(linkOf(pod, "eth0")).toBeDefined();
    const bad = l.run("ADD", l2Conf({ selinuxContext: "nonsense" }), { pod: l.pod(), cid: "c2" });
    expect(bad.json).toMatchObject({ code: 7 });
    expect(bad.json.msg).toContain("selinuxContext: invalid SELinux context");
  });

  it("add: selinuxContext on an SELinux-enforcing node -> error 2 naming key and value, nothing created; permissive -> created with a note", () => {
    const l = newLab();
    const [fake, launch] = fakeSysFs(l, "1");
    const conf = l2Conf({ selinuxContext: "system_u:system_r:svirt_t:s0" });
    const pod = l.pod();
    const o = l.run("ADD", conf, { pod, launch });
    expect(o.json).toMatchObject({ code: 2 });
    expect(o.json.msg).toContain('selinuxContext "system_u:system_r:svirt_t:s0": not supported on an SELinux-enforcing node');
    expect(nonLo(pod)).toEqual([]);
    writeFileSync(join(fake, "selinux/enforce"), "0\n");
    const p = l.run("ADD", conf, { pod, launch });
    expect(p.code, p.stdout).toBe(0);
    expect(p.stderr).toContain("not applied (SELinux permissive)");
    expect(linkOf(pod, "eth0")).toBeDefined();
  });

  it("add: config errors -> code 7 naming the key, nothing created", () => {
    const l = newLab();
    const pod = l.pod();
    const cases: [Json, string][] = [
      [l2Conf({ mtu: -1 }), "mtu"],
      [l2Conf({ owner: -1 }), "owner"],
      [l2Conf({ group: 4294967295 }), "group"],
      [l2Conf({ mac: "01:00:00:00:00:01" }), "multicast"],
      [l2Conf({ bridge: "a b" }), "bridge: invalid interface name"],
    ];
    for (const [conf, msg] of cases) {
      const o = l.run("ADD", conf, { pod });
      expect(o.json, msg).toMatchObject({ code: 7 });
      expect(o.json.msg).toContain(msg);
    }
    expect(nonLo(pod)).toEqual([]);
  });

  it("add: failures (bridge missing or not a bridge, mtu refused, ifname taken, IPAM missing, route refused) -> no tap left, IP released", () => {
    const l = newLab();
    const data = l.dataDir();
    const badRoute = hostLocalConf(l, data);
    badRoute.ipam.routes = [{ dst: "192.168.77.0/24", gw: "172.31.9.9" }];
    const cases: [string, Json, (p: TestNetns) => void, string][] = [
      ["no-bridge", hostLocalConf(l, data, { bridge: "br9" }), () => {}, 'failed to find bridge "br9"'],
      ["not-bridge", hostLocalConf(l, data, { bridge: "x0" }), () => {}, '"x0" already exists but is not a bridge'],
      ["mtu", hostLocalConf(l, data, { mtu: 70000 }), () => {}, "mtu 70000"],
      ["ifname-taken", hostLocalConf(l, data), (p) => p.exec("ip", ["link", "set", "x0", "name", "eth0"]), 'failed to rename tap to "eth0"'],
      ["ipam-missing", { ...l2Conf(), ipam: { type: "no-such-ipam" } }, () => {}, "no-such-ipam"],
      ["route", badRoute, () => {}, ""],
    ];
    for (const [what, conf, setup, msg] of cases) {
      const pod = l.pod();
      pod.exec("ip", ["link", "add", "x0", "type", "veth", "peer", "name", "x1"]);
      setup(pod);
      const o = l.run("ADD", conf, { pod, cid: what });
      expect(o.code, what).not.toBe(0);
      expect(o.json.msg, what).toContain(msg);
      expect(nonLo(pod).filter((x) => !["x0", "x1", "eth0"].includes(x)), what).toEqual([]);
      if (what !== "ifname-taken") expect(linkOf(pod, "eth0"), what).toBeUndefined();
      else expect(linkOf(pod, "eth0")!.linkinfo.info_kind, what).toBe("veth");
      expect(reservations(data), what).toEqual([]);
    }
  });

  it("del: repeated, empty CNI_NETNS, netns gone, link gone -> success each time, tap deleted, IP released", () => {
    const l = newLab();
    const data = l.dataDir();
    const conf = hostLocalConf(l, data, { multiQueue: true });
    const pod = l.pod();
    l.add(conf, { pod });
    expect(l.run("DEL", conf, { pod }).code).toBe(0);
    expect(nonLo(pod)).toEqual([]);
    expect(reservations(data)).toEqual([]);
    expect(l.run("DEL", conf, { pod }).code).toBe(0);
    l.add(conf, { pod, cid: "b" });
    expect(l.run("DEL", conf, { cid: "b", netns: "" }).code).toBe(0);
    expect(reservations(data)).toEqual([]);
    expect(l.run("DEL", conf, { pod, cid: "b" }).code).toBe(0);
    const gone = l.pod();
    l.add(conf, { pod: gone, cid: "c" });
    gone.delete();
    expect(l.run("DEL", conf, { cid: "c", netns: gone.path }).code).toBe(0);
    expect(reservations(data)).toEqual([]);
    const pod2 = l.pod();
    l.add(conf, { pod: pod2, cid: "d" });
    pod2.exec("ip", ["link", "del", "eth0"]);
    expect(l.run("DEL", conf, { pod: pod2, cid: "d" }).code).toBe(0);
    expect(reservations(data)).toEqual([]);
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
    gc("tapnet", [{ containerID: "lost", ifname: "eth0" }]);
    gc("othernet", []);
    expect(reservations(data)).toHaveLength(1);
    gc("tapnet", []);
    expect(reservations(data)).toEqual([]);
  });

  it("check: intact -> ok; MAC, address, route, link or bridge tampered -> error each; other sandbox -> error", () => {
    const l = newLab();
    const cases: [string, (pod: TestNetns) => void, string][] = [
      ["mac", (p) => p.exec("ip", ["link", "set", "eth0", "address", "02:00:00:00:99:99"]), "Mac"],
      ["address", (p) => p.exec("ip", ["addr", "del", l.ip4(5), "dev", "eth0"]), "addr"],
      ["route", (p) => p.exec("ip", ["route", "del", "default", "via", l.gw4]), "route"],
      ["link", (p) => p.exec("ip", ["link", "del", "eth0"]), "not found"],
      ["bridge", (p) => p.exec("ip", ["link", "set", "eth0", "nomaster"]), "not attached to bridge br0"],
      ["kind", (p) => {
        p.exec("ip", ["link", "del", "eth0"]);
        p.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "v1"]);
      }, "not of type tun"],
    ];
    const conf = staticConf(l, { bridge: "br0" });
    for (const [what, tamper, msg] of cases) {
      const pod = l.pod();
      pod.exec("ip", ["link", "add", "br0", "type", "bridge"]);
      const prevResult = l.add(conf, { pod, cid: what });
      expect(l.run("CHECK", conf, { pod, cid: what, prevResult }).code, what).toBe(0);
      tamper(pod);
      const o = l.run("CHECK", conf, { pod, cid: what, prevResult });
      expect(o.code, what).not.toBe(0);
      expect(o.json.msg, what).toContain(msg);
    }
    const pod = l.pod();
    const prevResult = l.add(staticConf(l), { pod });
    prevResult.interfaces[0].sandbox = "/run/netns/elsewhere";
    expect(l.run("CHECK", staticConf(l), { pod, prevResult }).json.msg).toContain("doesn't match configured netns");
  });
});
