// firewall meta plugin, compiled binaries, real traffic (lab: firewall-lab.ts): a node netns whose
// forward policy drops, pods on a bridge with ipMasq, and an outside host beyond the node. Asserts what
// crosses the node and where the rules are (iptables-save / nft -j in the node netns). Needs root.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BIN_DIR, createNetns, deleteAllNetns, expectOk, hasReference, REF_DIR, runPlugin, runPluginSync } from "./harness.ts";
import { FirewallLab, NODE_EXT, OUTSIDE } from "./firewall-lab.ts";

const canRun = process.getuid?.() === 0 && existsSync(join(BIN_DIR, "firewall")) && existsSync("/usr/sbin/iptables");
const hasRefFirewall = hasReference && existsSync(join(REF_DIR, "firewall"));
const T = 120_000;

let lab: FirewallLab | undefined;
afterEach(() => {
  lab?.remove();
  lab = undefined;
  deleteAllNetns();
});

function newLab(): FirewallLab {
  lab = new FirewallLab("fw");
  return lab;
}

/** The node's CNI-FORWARD rules naming an address (iptables-save lines). */
function forwardRulesFor(l: FirewallLab, ip: string, save = "iptables-save"): string[] {
  return l.iptablesSave(save).split("\n").filter((line) => line.startsWith("-A CNI-FORWARD") && line.includes(`${ip}/32`));
}

function nftTable(l: FirewallLab): string {
  return l.node.exec("nft", ["list", "table", "inet", "cni_firewall"], { allowFail: true });
}

describe.skipIf(!canRun)("firewall (compiled binary, node forward policy DROP)", () => {
  it("add: pod reaches a host beyond the node only while its rules exist; del -> unreachable again", () => {
    const l = newLab();
    l.node.exec("iptables", ["-P", "FORWARD", "DROP"]);
    const bare = l.addPod(l.conflist({ name: "fwnet", bridge: "cnifw0", subnet: "10.77.0.0/24", firewall: false }));
    expect(l.ping(bare.ns, OUTSIDE)).toBe(false); // the DROP policy is real
    const pod = l.addPod(l.conflist({ name: "fwnet", bridge: "cnifw0", subnet: "10.77.0.0/24" }));
    expect(l.ping(pod.ns, OUTSIDE)).toBe(true);
    const rules = forwardRulesFor(l, pod.ip);
    expect(rules).toHaveLength(3);
    expect(l.iptablesSave()).toContain('-A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD');
    expect(l.iptablesSave()).toContain('-A CNI-FORWARD -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN');
    expect(l.check(pod).code).toBe(0);
    l.delPod(pod);
    expect(forwardRulesFor(l, pod.ip)).toEqual([]);
    const again = l.addPod(l.conflist({ name: "fwnet", bridge: "cnifw0", subnet: "10.77.0.0/24", firewall: false }));
    expect(l.ping(again.ns, OUTSIDE)).toBe(false);
    expect(nftTable(l)).not.toContain("tscni-fw"); // everything went where it takes effect: iptables
  }, T);

  it("add: admin chain first -> an operator's DROP in CNI-ADMIN (or a renamed admin chain) wins over the accepts", () => {
    const l = newLab();
    l.node.exec("iptables", ["-P", "FORWARD", "DROP"]);
    const pod = l.addPod(l.conflist({ name: "fwnet", bridge: "cnifw0", subnet: "10.77.0.0/24", firewall: { iptablesAdminChainName: "OPS-RULES" } }));
    expect(l.ping(pod.ns, OUTSIDE)).toBe(true);
    l.node.exec("iptables", ["-A", "OPS-RULES", "-s", pod.ip, "-j", "DROP"]);
    expect(l.ping(pod.ns, OUTSIDE)).toBe(false);
    expect(l.iptablesSave()).not.toContain("-j CNI-ADMIN");
    l.delPod(pod);
  }, T);

  it("add with portmap: a published port is reachable from a host outside the node despite the DROP policy", async () => {
    const l = newLab();
    l.node.exec("iptables", ["-P", "FORWARD", "DROP"]);
    const capArgs = { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }] };
    const pod = l.addPod(l.conflist({ name: "fwnet", bridge: "cnifw0", subnet: "10.77.0.0/24", portmap: true }), { capArgs });
    await l.serve(pod);
    expect(l.connect(l.outside, NODE_EXT, 8080)).toBe("hello");
    l.delPod(pod);
    expect(l.connect(l.outside, NODE_EXT, 8080)).toMatch(/^ERR/);
  }, T);

  it("legacy iptables node: rules go to the legacy filter table and traffic passes", () => {
    const l = newLab();
    l.node.exec("iptables-legacy", ["-P", "FORWARD", "DROP"]);
    const pod = l.addPod(l.conflist({ name: "fwnet", bridge: "cnifw0", subnet: "10.77.0.0/24" }));
    expect(l.ping(pod.ns, OUTSIDE)).toBe(true);
    expect(forwardRulesFor(l, pod.ip, "iptables-legacy-save")).toHaveLength(3);
    expect(l.check(pod).code).toBe(0);
    l.delPod(pod);
    expect(forwardRulesFor(l, pod.ip, "iptables-legacy-save")).toEqual([]);
  }, T);

  it("nftables-only node: rules in inet cni_firewall, no iptables table created; check; del removes them", () => {
    const l = newLab();
    const pod = l.addPod(l.conflist({ name: "fwnet", bridge: "cnifw0", subnet: "10.77.0.0/24" }));
    expect(l.ping(pod.ns, OUTSIDE)).toBe(true);
    expect(nftTable(l)).toContain(`ip saddr ${pod.ip} accept comment "tscni-fw ${pod.cid} net:`);
    expect(l.node.exec("nft", ["list", "tables"])).not.toMatch(/table ip filter/);
    expect(l.check(pod).code).toBe(0);
    l.node.exec("nft", ["flush", "chain", "inet", "cni_firewall", "CNI-FORWARD"]);
    const broken = l.check(pod);
    expect(broken.code).not.toBe(0);
    l.delPod(pod);
    expect(nftTable(l)).not.toContain("tscni-fw");
  }, T);

  it("ingressPolicy same-bridge: pods of two networks cannot reach each other; DEL keeps the bridge rules, GC collects them", () => {
    const l = newLab();
    l.node.exec("iptables", ["-P", "FORWARD", "DROP"]);
    const a = l.conflist({ name: "neta", bridge: "cnifwa", subnet: "10.78.0.0/24", firewall: { ingressPolicy: "same-bridge" } });
    const b = l.conflist({ name: "netb", bridge: "cnifwb", subnet: "10.79.0.0/24", firewall: { ingressPolicy: "same-bridge" } });
    const pa = l.addPod(a);
    const pb = l.addPod(b);
    const pa2 = l.addPod(a);
    expect(l.ping(pa.ns, OUTSIDE)).toBe(true);
    expect(l.ping(pa.ns, pa2.ip)).toBe(true);
    expect(l.ping(pa.ns, pb.ip)).toBe(false);
    expect(l.ping(pb.ns, pa.ip)).toBe(false);
    l.delPod(pa);
    l.delPod(pa2);
    expect(l.iptablesSave()).toMatch(/-A CNI-ISOLATION-STAGE-2 -o cnifwa .*-j DROP/);
    const gcA = l.gc(a, []);
    expect(gcA.code, gcA.stdout + gcA.stderr).toBe(0);
    expect(l.iptablesSave()).not.toContain("cnifwa");
    expect(l.gc(b, [pb]).code).toBe(0); // a network with a live pod keeps its rules
    expect(l.iptablesSave()).toMatch(/-A CNI-ISOLATION-STAGE-2 -o cnifwb .*-j DROP/);
    l.delPod(pb);
  }, T);

  it.each(["iptables", "nftables"])("ingressPolicy isolated (%s node): pods of one bridge cannot reach each other (bridged traffic crosses FORWARD: br_netfilter), the outside they can", (where) => {
    const l = newLab();
    if (where === "iptables") l.node.exec("iptables", ["-P", "FORWARD", "ACCEPT"]); // the filter table exists: rules go there
    const conf = l.conflist({ name: "netiso", bridge: "cnifwi", subnet: "10.80.0.0/24", firewall: { ingressPolicy: "isolated" } });
    const a = l.addPod(conf);
    const b = l.addPod(conf);
    expect(l.ping(a.ns, OUTSIDE)).toBe(true);
    expect(l.ping(a.ns, "10.80.0.1")).toBe(true);
    expect(l.ping(a.ns, b.ip)).toBe(false);
    const save = l.iptablesSave();
    if (where === "iptables") expect(save).toMatch(/-A CNI-ISOLATION-STAGE-1 -i cnifwi -o cnifwi .*-j DROP/);
    else expect(nftTable(l)).toMatch(/iifname "cnifwi" oifname "cnifwi" drop/);
    l.delPod(a);
    l.delPod(b);
  }, T);

  it("add: 8 pods in parallel on a node with FORWARD DROP -> one FORWARD jump, one admin jump, 3 rules each, all forwarded", async () => {
    const l = newLab();
    l.node.exec("iptables", ["-P", "FORWARD", "DROP"]);
    const conf = l.conflist({ name: "fwnet", bridge: "cnifw0", subnet: "10.77.0.0/24" });
    const pods = await Promise.all(Array.from({ length: 8 }, () => Promise.resolve().then(() => l.addPodAsync(conf))));
    const save = l.iptablesSave();
    expect(save.split("\n").filter((x) => x.includes("-j CNI-FORWARD"))).toHaveLength(1);
    expect(save.split("\n").filter((x) => x.includes("-j CNI-ADMIN"))).toHaveLength(1);
    for (const p of pods) expect(forwardRulesFor(l, p.ip)).toHaveLength(3);
    for (const p of pods.slice(0, 2)) expect(l.ping(p.ns, OUTSIDE)).toBe(true);
    for (const p of pods) l.delPod(p);
    expect(l.iptablesSave()).not.toContain("tscni-fw");
  }, T);

  it("nftables-only node: 8 first firewall ADDs at once -> one admin jump; a repeated ADD -> still 3 rules per pod, not 6", async () => {
    const l = newLab();
    const pod = createNetns("fwr");
    try {
      const call = (i: number) => ({
        plugin: "firewall", command: "ADD", node: l.node, containerId: `race${i}`, netns: pod.path, ifname: "eth0",
        config: { cniVersion: "1.1.0", name: "fwnet", type: "firewall",
          prevResult: { cniVersion: "1.1.0", interfaces: [{ name: "eth0", sandbox: pod.path }], ips: [{ address: `10.77.0.${10 + i}/24`, interface: 0 }] } },
      });
      const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => runPlugin(call(i))));
      expect(runs.filter((r) => r.code !== 0).map((r) => r.stdout)).toEqual([]);
      expectOk(runPluginSync(call(0)));
      expectOk(runPluginSync(call(0)));
      const lines = nftTable(l).split("\n");
      expect(lines.filter((x) => x.includes("jump CNI-ADMIN"))).toHaveLength(1);
      expect(lines.filter((x) => x.includes("jump CNI-FORWARD"))).toHaveLength(1);
      for (let i = 0; i < 8; i++) expect(lines.filter((x) => new RegExp(`\\b10\\.77\\.0\\.${10 + i}\\b.*"tscni-fw race${i} `).test(x)), `race${i}`).toHaveLength(3);
      for (let i = 0; i < 8; i++) expectOk(runPluginSync({ ...call(i), command: "DEL" }));
      expect(nftTable(l)).not.toContain("tscni-fw");
    } finally {
      pod.delete();
    }
  }, T);

  it.each(["iptables", "nftables"])("restore (%s node): the pod's forward rules flushed from outside -> `tscni run gc` puts them back, CHECK and traffic pass again", (where) => {
    const l = newLab();
    if (where === "iptables") l.node.exec("iptables", ["-P", "FORWARD", "DROP"]);
    const conf = l.conflist({ name: "fwnet", bridge: "cnifw0", subnet: "10.77.0.0/24" });
    const pod = l.addPod(conf);
    expect(l.ping(pod.ns, OUTSIDE)).toBe(true);
    if (where === "iptables") {
      l.node.exec("iptables", ["-F", "CNI-FORWARD"]); // a firewall reload: the DROP policy stays, the accepts go
      expect(l.ping(pod.ns, OUTSIDE)).toBe(false);
    } else {
      l.node.exec("nft", ["flush", "table", "inet", "cni_firewall"]);
      expect(nftTable(l)).not.toContain("tscni-fw");
    }
    expect(l.check(pod).code).not.toBe(0);
    const gc = l.gc(conf, [pod]);
    expect(gc.code, gc.stdout + gc.stderr).toBe(0);
    expect(gc.stderr).toContain(`restored firewall of ${pod.cid}/eth0`);
    expect(l.check(pod).code).toBe(0);
    expect(l.ping(pod.ns, OUTSIDE)).toBe(true);
    if (where === "iptables") expect(forwardRulesFor(l, pod.ip)).toHaveLength(3);
    else expect(nftTable(l).split("\n").filter((x) => x.includes(`"tscni-fw ${pod.cid} `))).toHaveLength(3);
    l.delPod(pod);
  }, T);

  it("gc: a stale container's rules go, a valid one's stay", () => {
    const l = newLab();
    l.node.exec("iptables", ["-P", "FORWARD", "DROP"]);
    const conf = l.conflist({ name: "fwnet", bridge: "cnifw0", subnet: "10.77.0.0/24" });
    const keep = l.addPod(conf);
    const stale = l.addPod(conf);
    const fw = { cniVersion: "1.1.0", name: "fwnet", type: "firewall", "cni.dev/valid-attachments": [{ containerID: keep.cid, ifname: "eth0" }] };
    expect(runPluginSync({ plugin: "firewall", command: "GC", config: fw, node: l.node }).code).toBe(0);
    expect(forwardRulesFor(l, stale.ip)).toEqual([]);
    expect(forwardRulesFor(l, keep.ip)).toHaveLength(3);
    l.delPod(keep);
  }, T);

  it.skipIf(!hasRefFirewall)("del: removes the rules the reference firewall 1.1.1 made for the container (in-place upgrade)", () => {
    const l = newLab();
    l.node.exec("iptables", ["-P", "FORWARD", "DROP"]);
    const conf = l.conflist({ name: "fwnet", bridge: "cnifw0", subnet: "10.77.0.0/24", cniVersion: "1.0.0" });
    const pod = l.addPod(conf, { pluginDir: l.referenceFirewallDir });
    expect(forwardRulesFor(l, pod.ip)).toEqual([
      `-A CNI-FORWARD -d ${pod.ip}/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
      `-A CNI-FORWARD -s ${pod.ip}/32 -j ACCEPT`,
    ]);
    pod.pluginDir = l.tscniDir; // the node was upgraded: tscni's DEL with the cached prevResult
    l.delPod(pod);
    expect(forwardRulesFor(l, pod.ip)).toEqual([]);
  }, T);
});

describe.skipIf(!canRun)("firewall (compiled binary, config errors)", () => {
  const prevResult = { cniVersion: "1.0.0", interfaces: [{ name: "cni0" }], ips: [{ address: "10.77.0.5/24" }] };
  const call = (command: string, keys: Record<string, unknown>, withPrev = true) => {
    const node = newLab().node; // never the host's firewall, even if a bad config got through
    const config = { cniVersion: "1.0.0", name: "fwnet", type: "firewall", ...keys, ...(withPrev ? { prevResult } : {}) };
    const out = runPluginSync({ plugin: "firewall", command, config, node, netns: lab!.outside.path });
    if (command === "ADD") expect(node.exec("nft", ["list", "ruleset"]).trim()).toBe("");
    lab?.remove();
    lab = undefined;
    return out;
  };

  it("add: backend firewalld -> error 7 naming it; del of it -> success", () => {
    const out = call("ADD", { backend: "firewalld" });
    expect(out.json.code).toBe(7);
    expect(out.json.msg).toContain("firewalld");
    expect(call("DEL", { backend: "firewalld" }).code).toBe(0);
  });

  it("add: unknown ingressPolicy, bad admin chain, missing prevResult -> error 7, nothing written", () => {
    expect(call("ADD", { ingressPolicy: "closed" }).json.code).toBe(7);
    expect(call("ADD", { iptablesAdminChainName: "BAD CHAIN" }).json.code).toBe(7);
    expect(call("ADD", {}, false).json.code).toBe(7);
  });

  it("version: 0.4.0 .. 1.1.0 like the reference", () => {
    const out = runPluginSync({ plugin: "firewall", command: "VERSION", config: { cniVersion: "1.0.0" } });
    expect(out.json.supportedVersions).toEqual(["0.4.0", "1.0.0", "1.1.0"]);
  });
});
