// tuning plugin, compiled binary, in private namespaces: a node netns (the plugin runs there, as a
// runtime runs it) and a pod netns holding eth0 (a veth whose peer stays in the node). Kernel state is
// read with `ip -j -d` and /proc/sys inside the pod; the backup dir is a temp dir. Differential part:
// the reference 1.1.1 (/usr/lib/cni/tuning) gets the same configs: same result, same kernel state, same
// backup file, and each suite's DEL restores the other's ADD. Needs root.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { BIN_DIR, createNetns, deleteAllNetns, expectOk, hasReference, REF_DIR, runPluginSync, tempDir, type PluginOutcome, type TestNetns } from "./harness.ts";

type Json = Record<string, any>;
const isRoot = process.getuid?.() === 0;
const run = isRoot && existsSync(join(BIN_DIR, "tuning")) ? describe : describe.skip;
const hasRefTuning = hasReference && existsSync(join(REF_DIR, "tuning"));

const CID = "ctr-tune-1";
const POD_MAC = "02:aa:bb:cc:dd:01";
const NEW_MAC = "c2:11:22:33:44:55";

interface Lab {
  node: TestNetns;
  pod: TestNetns;
  data: string;
  prev: Json;
}

const labs: Lab[] = [];
const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const l of labs.splice(0)) {
    l.pod.delete();
    l.node.delete();
  }
  for (const d of dirs.splice(0)) d.remove();
});
afterAll(() => deleteAllNetns());

function lab(ifname = "eth0"): Lab {
  const node = createNetns("tune-node");
  const pod = createNetns("tune-pod");
  const d = tempDir("tune");
  dirs.push(d);
  const l: Lab = { node, pod, data: d.path, prev: {} };
  labs.push(l);
  node.exec("ip", ["link", "add", "vtune0", "type", "veth", "peer", "name", ifname, "netns", pod.name]);
  pod.exec("ip", ["link", "set", ifname, "address", POD_MAC, "up"]);
  pod.exec("ip", ["addr", "add", "10.77.0.2/24", "dev", ifname]);
  l.prev = {
    cniVersion: "1.0.0",
    interfaces: [{ name: "vtune0", mac: "02:aa:bb:cc:dd:02" }, { name: ifname, mac: POD_MAC, sandbox: pod.path }],
    ips: [{ address: "10.77.0.2/24", gateway: "10.77.0.1", interface: 1 }],
    routes: [{ dst: "0.0.0.0/0" }],
  };
  return l;
}

function conf(l: Lab, keys: Json, version = "1.0.0"): Json {
  return { cniVersion: version, name: "tunenet", type: "tuning", dataDir: l.data, ...keys, prevResult: l.prev };
}

interface CallOpts {
  ref?: boolean;
  ifname?: string;
  netns?: string;
  env?: Record<string, string>;
  cniArgs?: string;
}

function call(l: Lab, command: string, config: Json, o: CallOpts = {}): PluginOutcome {
  return runPluginSync({
    plugin: "tuning",
    command,
    config,
    dir: o.ref ? REF_DIR : BIN_DIR,
    node: l.node,
    containerId: CID,
    netns: o.netns ?? l.pod.path,
    ifname: o.ifname ?? "eth0",
    cniArgs: o.cniArgs,
    env: o.env,
  });
}

interface LinkState {
  mac: string;
  mtu: number;
  promisc: boolean;
  allmulti: boolean;
  txqlen: number;
}

function linkState(l: Lab, dev = "eth0"): LinkState {
  const j = l.pod.ipJson(["-d", "link", "show", "dev", dev])[0];
  return { mac: j.address, mtu: j.mtu, promisc: j.promiscuity > 0, allmulti: (j.flags as string[]).includes("ALLMULTI"), txqlen: j.txqlen };
}

const sysctl = (ns: TestNetns, path: string): string => ns.exec("cat", [`/proc/sys/${path}`]).trim();
const backups = (l: Lab): string[] => (existsSync(l.data) ? readdirSync(l.data) : []);
const backupText = (l: Lab): string => readFileSync(join(l.data, `${CID}_eth0.json`), "utf8");
const ORIGINAL: LinkState = { mac: POD_MAC, mtu: 1500, promisc: false, allmulti: false, txqlen: 1000 };

run("tuning", () => {
  it("add: every key -> sysctls in the pod (not the node), MAC/MTU/promisc/allmulti/txqlen set, backup file; check ok; del restores", () => {
    const l = lab();
    const nodeFilter = sysctl(l.node, "net/ipv4/conf/all/arp_filter");
    const c = conf(l, {
      sysctl: { "net.ipv4.conf.IFNAME.arp_filter": "1", "net.ipv4.conf.all.arp_filter": "1", "net/core/somaxconn": "321" },
      mac: NEW_MAC, mtu: 1400, promisc: true, allmulti: true, txQLen: 77,
    });
    const r = expectOk(call(l, "ADD", c));
    expect(r).toEqual({ ...l.prev, interfaces: [l.prev.interfaces[0], { ...l.prev.interfaces[1], mac: NEW_MAC }] });
    expect(linkState(l)).toEqual({ mac: NEW_MAC, mtu: 1400, promisc: true, allmulti: true, txqlen: 77 });
    expect(sysctl(l.pod, "net/ipv4/conf/eth0/arp_filter")).toBe("1");
    expect(sysctl(l.pod, "net/ipv4/conf/all/arp_filter")).toBe("1");
    expect(sysctl(l.pod, "net/core/somaxconn")).toBe("321");
    expect(sysctl(l.node, "net/ipv4/conf/all/arp_filter")).toBe(nodeFilter);
    expect(backupText(l)).toMatch(new RegExp(`^{\n "mac": "${POD_MAC}",\n "promisc": false,\n "mtu": 1500,\n "allmulti": false,\n "txQLen": 1000,\n "attachment": "[0-9a-f]{16}-[0-9a-f]{16}, net: tunenet, if: eth0, id: ${CID}"\n}$`));
    expectOk(call(l, "CHECK", c));
    expectOk(call(l, "DEL", c));
    expect(linkState(l)).toEqual(ORIGINAL);
    expect(backups(l)).toEqual([]);
    expectOk(call(l, "DEL", c)); // idempotent
  });

  it("add: no keys at all (what Podman writes), cniVersion 0.4.0 -> prevResult echoed in 0.4.0, nothing changed", () => {
    const l = lab();
    const prev04 = { cniVersion: "0.4.0", interfaces: l.prev.interfaces, ips: [{ version: "4", address: "10.77.0.2/24", gateway: "10.77.0.1", interface: 1 }], routes: l.prev.routes, dns: {} };
    const c = { cniVersion: "0.4.0", name: "podman1", type: "tuning", prevResult: prev04 };
    const r = expectOk(call(l, "ADD", c));
    expect(r).toEqual(prev04);
    expect(linkState(l)).toEqual(ORIGINAL);
    expectOk(call(l, "CHECK", c));
    expectOk(call(l, "DEL", c));
  });

  it("add: a key the allowlist refuses -> error, nothing written; an allowed one -> written", () => {
    const l = lab();
    const allow = join(l.data, "allowlist.conf");
    writeFileSync(allow, "^net\\.core\\.somaxconn$\n");
    const env = { TSCNI_TUNING_ALLOWLIST: allow };
    const bad = call(l, "ADD", conf(l, { sysctl: { "net.core.somaxconn": "99", "net.ipv4.conf.IFNAME.arp_filter": "1" }, mtu: 1400 }), { env });
    expect(bad.code).not.toBe(0);
    expect(bad.json).toMatchObject({ code: 7, msg: expect.stringContaining("Sysctl net.ipv4.conf.IFNAME.arp_filter is not allowed") });
    expect(sysctl(l.pod, "net/core/somaxconn")).not.toBe("99");
    expect(linkState(l)).toEqual(ORIGINAL);
    expectOk(call(l, "ADD", conf(l, { sysctl: { "net.core.somaxconn": "99" } }), { env }));
    expect(sysctl(l.pod, "net/core/somaxconn")).toBe("99");
  });

  it("add: failing half-way (MTU the veth refuses) -> sysctls and MAC put back, no backup file", () => {
    const l = lab();
    const before = sysctl(l.pod, "net/core/somaxconn");
    const o = call(l, "ADD", conf(l, { sysctl: { "net.core.somaxconn": "111" }, mac: NEW_MAC, promisc: true, mtu: 70000 }));
    expect(o.code).not.toBe(0);
    expect(o.json.msg).toMatch(/mtu 70000/);
    expect(sysctl(l.pod, "net/core/somaxconn")).toBe(before);
    expect(linkState(l)).toEqual(ORIGINAL);
    expect(backups(l)).toEqual([]);
  });

  it("add: duplicate sysctl keys, a non-net key, bad MAC, no prevResult -> error, nothing changed", () => {
    const l = lab();
    const dup = `{"cniVersion":"1.0.0","name":"n","type":"tuning","dataDir":${JSON.stringify(l.data)},"sysctl":{"net.core.somaxconn":"1","net.core.somaxconn":"2"},"prevResult":${JSON.stringify(l.prev)}}`;
    const o = runPluginSync({ plugin: "tuning", command: "ADD", config: {}, stdin: dup, node: l.node, containerId: CID, netns: l.pod.path, ifname: "eth0" });
    expect(o.json).toMatchObject({ code: 7, msg: expect.stringMatching(/duplicated sysctl keys/) });
    expect(call(l, "ADD", conf(l, { sysctl: { "kernel.hostname": "x" } })).json).toMatchObject({ code: 7, msg: expect.stringMatching(/invalid net sysctl key/) });
    expect(call(l, "ADD", conf(l, { mac: "zz" })).json).toMatchObject({ code: 7 });
    const { prevResult: _, ...noPrev } = conf(l, { mtu: 1400 });
    expect(call(l, "ADD", noPrev).json).toMatchObject({ msg: "Required prevResult missing" });
    expect(linkState(l)).toEqual(ORIGINAL);
    expect(backups(l)).toEqual([]);
  });

  it("check: a value changed behind tuning's back -> error naming it", () => {
    const l = lab();
    const c = conf(l, { sysctl: { "net.ipv4.conf.IFNAME.rp_filter": "2" }, mtu: 1400 });
    expectOk(call(l, "ADD", c));
    l.pod.exec("ip", ["link", "set", "eth0", "mtu", "1300"]);
    expect(call(l, "CHECK", c).json.msg).toBe("Error: Tuning configured MTU of eth0 is 1400, current value is 1300");
    l.pod.exec("ip", ["link", "set", "eth0", "mtu", "1400"]);
    l.pod.exec("sh", ["-c", "echo 0 > /proc/sys/net/ipv4/conf/eth0/rp_filter"]);
    expect(call(l, "CHECK", c).json.msg).toMatch(/rp_filter is 2, current value is 0/);
  });

  it("runtimeConfig.mac, CNI_ARGS MAC and args.cni: precedence as the reference; a dotted ifname's sysctl path works", () => {
    const l = lab("eth0.5");
    const c = conf(l, { mac: "c2:00:00:00:00:01", runtimeConfig: { mac: "c2:00:00:00:00:03" }, args: { cni: { mtu: 1450, sysctl: { "net.ipv4.conf.IFNAME.arp_ignore": "2" } } } });
    const r = expectOk(call(l, "ADD", c, { ifname: "eth0.5", cniArgs: "IgnoreUnknown=1;MAC=c2:00:00:00:00:02;K8S_POD_NAME=x" }));
    expect(r.interfaces[1].mac).toBe("c2:00:00:00:00:03");
    expect(linkState(l, "eth0.5")).toMatchObject({ mac: "c2:00:00:00:00:03", mtu: 1450 });
    expect(sysctl(l.pod, "net/ipv4/conf/eth0.5/arp_ignore")).toBe("2");
  });

  it("gc: ADD killed after writing its backup -> GC keeps it while valid or for another network, removes it when not valid; a reference-written backup stays", () => {
    const l = lab();
    const c = conf(l, { mtu: 1400 }, "1.1.0");
    const killed = call(l, "ADD", c, { env: { TSCNI_TEST_CRASH_AFTER: "tuning:1" } }); // SIGKILL right after the backup is written
    expect(killed.code).not.toBe(0);
    expect(killed.stdout).toBe("");
    writeFileSync(join(l.data, "refctr_eth0.json"), '{\n "mtu": 1500\n}'); // the reference's: whose it is cannot be told
    const gc = (network: string, valid: { containerID: string; ifname: string }[]) => {
      const { prevResult: _, ...rest } = c;
      const o = runPluginSync({ plugin: "tuning", command: "GC", config: { ...rest, name: network, "cni.dev/valid-attachments": valid }, node: l.node, env: { CNI_CONTAINERID: undefined, CNI_IFNAME: undefined } });
      expect(o.code, o.stdout + o.stderr).toBe(0);
    };
    expect(backups(l).sort()).toEqual([`${CID}_eth0.json`, "refctr_eth0.json"]);
    gc("tunenet", [{ containerID: CID, ifname: "eth0" }]);
    gc("othernet", []);
    expect(backups(l).sort()).toEqual([`${CID}_eth0.json`, "refctr_eth0.json"]);
    gc("tunenet", []);
    expect(backups(l)).toEqual(["refctr_eth0.json"]);
  });

  it("del: the netns is gone -> success, the backup removed", () => {
    const l = lab();
    const c = conf(l, { mtu: 1400 });
    expectOk(call(l, "ADD", c));
    expect(backups(l)).toHaveLength(1);
    l.pod.delete();
    expectOk(call(l, "DEL", c));
    expectOk(call(l, "DEL", c, { netns: "" }));
    expect(backups(l)).toEqual([]);
  });
});

// The reference 1.1.1 has no txQLen, no allowlist and no duplicate check; everything else must agree.
const REF_KEYS = { sysctl: { "net.ipv4.conf.all.arp_filter": "1", "net.core.somaxconn": "222" }, mac: NEW_MAC, mtu: 1420, promisc: true, allmulti: true };
const runDiff = isRoot && hasRefTuning ? run : describe.skip;

runDiff("tuning vs the reference 1.1.1 (/usr/lib/cni/tuning)", () => {
  function addBoth(keys: Json): { ours: Lab; ref: Lab; rOurs: Json; rRef: Json } {
    const ours = lab();
    const ref = lab();
    const rOurs = expectOk(call(ours, "ADD", conf(ours, keys)));
    const rRef = expectOk(call(ref, "ADD", conf(ref, keys), { ref: true }));
    return { ours, ref, rOurs, rRef };
  }

  it("add: same result (sandbox aside), same kernel state, the reference's backup bytes plus tscni's last field", () => {
    const { ours, ref, rOurs, rRef } = addBoth(REF_KEYS);
    // the 1.1.1 reference's libcni prints an empty "dns": {} in 1.0.0 results; newer ones (and tscni) omit it
    const same = ({ dns, ...r }: Json) => ({ ...r, ...(Object.keys(dns ?? {}).length && { dns }), interfaces: r.interfaces.map(({ sandbox: _, ...i }: Json) => i) });
    expect(same(rOurs)).toEqual(same(rRef));
    expect(linkState(ours)).toEqual(linkState(ref));
    for (const p of ["net/ipv4/conf/all/arp_filter", "net/core/somaxconn"]) expect(sysctl(ours.pod, p)).toBe(sysctl(ref.pod, p));
    // tscni appends one field the reference ignores: the attachment's tag, for GC
    const tag = `${"[0-9a-f]".repeat(16)}-${"[0-9a-f]".repeat(16)}, net: tunenet, if: eth0, id: ${CID}`;
    expect(backupText(ours)).toMatch(new RegExp(`,\n "attachment": "${tag}"\n}$`));
    expect(backupText(ours).replace(/,\n "attachment": "[^"]*"\n}$/, "\n}")).toBe(backupText(ref));
  });

  it("del: each suite's DEL restores the other's ADD", () => {
    const { ours, ref } = addBoth(REF_KEYS);
    expectOk(call(ours, "DEL", conf(ours, REF_KEYS), { ref: true }));
    expectOk(call(ref, "DEL", conf(ref, REF_KEYS)));
    expect(linkState(ours)).toEqual(ORIGINAL);
    expect(linkState(ref)).toEqual(ORIGINAL);
    expect(backups(ours)).toEqual([]);
    expect(backups(ref)).toEqual([]);
  });

  it("add: Podman's keyless tuning in 0.4.0 -> the same output as the reference", () => {
    const l = lab();
    const ips = [{ version: "4", address: "10.77.0.2/24", gateway: "10.77.0.1", interface: 1 }];
    const c = { cniVersion: "0.4.0", name: "podman1", type: "tuning", prevResult: { ...l.prev, cniVersion: "0.4.0", ips } };
    expect(expectOk(call(l, "ADD", c))).toEqual(expectOk(call(l, "ADD", c, { ref: true })));
  });
});
