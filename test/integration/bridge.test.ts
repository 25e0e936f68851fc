// bridge plugin, compiled binary, against the kernel: every test gets its own node netns
// (tscni-br-<rand>) and pod netns (tscni-brp-<rand>), an IPAM dataDir in a temp dir, and deletes all of
// them in afterEach. Assertions read real kernel state (ip -j, bridge -j, nft -j, /proc/sys inside the
// right netns) and real traffic between the namespaces. Needs root.
import { spawn } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { familyOf } from "../../shared/ip/index.ts";
import {
  addrOf,
  dualIpam,
  globalAddrs,
  hasBinary,
  isRoot,
  link,
  links,
  masqRulesFor,
  NET,
  nftRules,
  nftRuleset,
  pingEventually,
  pingOnce,
  ports,
  sysctl,
  v4Ipam,
  v6Ipam,
  World,
  type Json,
} from "./bridge-world.ts";
import { BIN_DIR, createNetns, deleteAllNetns, expectOk, hasReference, kernelHas, REF_DIR, runPlugin, tempDir, type TestNetns } from "./harness.ts";

const vlanFiltering = kernelHas("bridge-vlan-filtering");

let w: World;

describe.skipIf(!isRoot || !hasBinary)("bridge (compiled binary, private netns)", () => {
  beforeEach(() => {
    w = new World();
  });
  afterEach(() => w.cleanup());
  afterAll(() => deleteAllNetns());

  describe("traffic", () => {
    it("add: two IPv4 pods -> they reach each other and the gateway", () => {
      const [a, b] = [w.pod(), w.pod()];
      const conf = w.conf({ isGateway: true });
      const ra = w.add(conf, { cid: "a", pod: a });
      const rb = w.add(conf, { cid: "b", pod: b });
      expect(pingOnce(a, addrOf(rb, 4))).toBe(true);
      expect(pingOnce(b, addrOf(ra, 4))).toBe(true);
      expect(pingOnce(a, "10.88.0.1")).toBe(true);
    });

    it("add: two IPv6 pods -> they reach each other and the gateway", () => {
      const [a, b] = [w.pod(), w.pod()];
      const conf = w.conf({ isGateway: true }, v6Ipam());
      const ra = w.add(conf, { cid: "a", pod: a });
      const rb = w.add(conf, { cid: "b", pod: b });
      expect(pingEventually(a, addrOf(rb, 6))).toBe(true);
      expect(pingEventually(b, addrOf(ra, 6))).toBe(true);
      expect(pingEventually(a, "fd00:88::1")).toBe(true);
    });

    it("add: dual-stack pods -> both families reach the peer and the gateway", () => {
      const [a, b] = [w.pod(), w.pod()];
      const conf = w.conf({ isGateway: true }, dualIpam());
      w.add(conf, { cid: "a", pod: a });
      const rb = w.add(conf, { cid: "b", pod: b });
      expect(pingOnce(a, addrOf(rb, 4))).toBe(true);
      expect(pingEventually(a, addrOf(rb, 6))).toBe(true);
      expect(pingOnce(b, "10.88.0.1")).toBe(true);
      expect(pingEventually(b, "fd00:88::1")).toBe(true);
    });

    it("add: ipMasq, traffic to an outside netns -> arrives from the node's address (v4 and v6)", async () => {
      const outside = createNetns("bro");
      w.others.push(outside);
      w.node.exec("ip", ["link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", outside.name]);
      w.node.exec("ip", ["addr", "add", "192.0.2.1/24", "dev", "up0"]);
      w.node.exec("ip", ["-6", "addr", "add", "2001:db8::1/64", "dev", "up0", "nodad"]);
      w.node.exec("ip", ["link", "set", "up0", "up"]);
      outside.exec("ip", ["addr", "add", "192.0.2.2/24", "dev", "eth0"]);
      outside.exec("ip", ["-6", "addr", "add", "2001:db8::2/64", "dev", "eth0", "nodad"]);
      outside.exec("ip", ["link", "set", "eth0", "up"]);
      const pod = w.pod();
      w.add(w.conf({ isDefaultGateway: true, ipMasq: true }, dualIpam()), { cid: "m", pod });
      expect(await udpSourceSeen(outside, pod, "192.0.2.2")).toBe("192.0.2.1");
      expect(await udpSourceSeen(outside, pod, "2001:db8::2")).toBe("2001:db8::1");
    });
  });

  describe("keys -> kernel state", () => {
    it("add: no bridge key -> cni0 created, host veth is its port", () => {
      const pod = w.pod();
      const r = w.add(w.conf(), { pod });
      const br = link(w.node, "cni0");
      expect(br.linkinfo.info_kind).toBe("bridge");
      expect(link(w.node, r.interfaces[1].name).master).toBe("cni0");
    });

    it('add: bridge "" -> error 7, nothing created (the reference fails too); del: invalid bridge name -> succeeds', () => {
      const pod = w.pod();
      const before = links(w.node).length;
      const bad = w.call("ADD", w.conf({ bridge: "" }), { pod, cid: "empty" });
      expect(bad.code).not.toBe(0);
      expect(bad.json.code).toBe(7);
      expect(links(w.node).length).toBe(before);
      expect(w.reserved()).toEqual([]);
      for (const bridge of ["", "bad/name", "a-very-long-bridge-name"]) expectOk(w.call("DEL", w.conf({ bridge }), { pod, cid: "empty" }));
    });

    it("del: IPAM config error -> the same code 7 as ADD, in-process and with host-local exec'd", () => {
      const pod = w.pod();
      const d = tempDir("brw");
      try {
        // a wrapper script has its own inode, so bridge execs it instead of running host-local in-process
        writeFileSync(join(d.path, "host-local"), `#!/bin/sh\nexec '${join(BIN_DIR, "tscni")}' host-local\n`);
        chmodSync(join(d.path, "host-local"), 0o755);
        for (const path of [undefined, d.path]) {
          for (const ipam of [v4Ipam("bogus"), v4Ipam("10.88.0.0/24", { rangeStart: "10.99.0.1" }), { type: "host-local" }]) {
            const conf = w.conf({}, ipam);
            const add = w.call("ADD", conf, { pod, cid: "bad-ipam", path });
            const del = w.call("DEL", conf, { pod, cid: "bad-ipam", path });
            expect([add.code, add.json.code, del.code, del.json.code], `${path} ${JSON.stringify(ipam)}: ${del.stdout}`).toEqual([1, 7, 1, 7]);
            expect(del.json.msg).toBe(`release IP: ${add.json.msg}`);
          }
        }
      } finally {
        d.remove();
      }
    });

    it("add: bridge custom -> that bridge, no cni0", () => {
      const pod = w.pod();
      const r = w.add(w.conf({ bridge: "brtest0" }), { pod });
      expect(link(w.node, "brtest0").linkinfo.info_kind).toBe("bridge");
      expect(link(w.node, r.interfaces[1].name).master).toBe("brtest0");
      expect(w.node.exec("ip", ["link", "show", "dev", "cni0"], { allowFail: true })).toBe("");
    });

    it("add: isGateway -> gateway on the bridge, forwarding on for both families", () => {
      w.node.exec("sysctl", ["-qw", "net.ipv4.ip_forward=0", "net.ipv6.conf.all.forwarding=0"]);
      const r = w.add(w.conf({ isGateway: true }, dualIpam()), { pod: w.pod() });
      expect(globalAddrs(w.node, "cni0").sort()).toEqual(["10.88.0.1/24", "fd00:88::1/64"]);
      expect(sysctl(w.node, "net/ipv4/ip_forward")).toBe("1");
      expect(sysctl(w.node, "net/ipv6/conf/all/forwarding")).toBe("1");
      expect(r.ips.map((i: Json) => i.gateway)).toEqual(["10.88.0.1", "fd00:88::1"]);
    });

    it("add: without isGateway -> no address on the bridge, forwarding untouched", () => {
      w.node.exec("sysctl", ["-qw", "net.ipv4.ip_forward=0"]);
      w.add(w.conf(), { pod: w.pod() });
      expect(globalAddrs(w.node, "cni0")).toEqual([]);
      expect(sysctl(w.node, "net/ipv4/ip_forward")).toBe("0");
    });

    it("add: isDefaultGateway -> default route per family via the gateway", () => {
      const pod = w.pod();
      const r = w.add(w.conf({ isDefaultGateway: true }, dualIpam()), { pod });
      const d4 = pod.ipJson(["route", "show", "default"]);
      const d6 = pod.ipJson(["-6", "route", "show", "default"]);
      expect(d4.map((x: Json) => [x.gateway, x.dev])).toEqual([["10.88.0.1", "eth0"]]);
      expect(d6.map((x: Json) => [x.gateway, x.dev])).toEqual([["fd00:88::1", "eth0"]]);
      expect(r.routes).toEqual([{ dst: "0.0.0.0/0", gw: "10.88.0.1" }, { dst: "::/0", gw: "fd00:88::1" }]);
      expect(globalAddrs(w.node, "cni0")).toContain("10.88.0.1/24"); // implies isGateway
    });

    it("add: conflicting bridge address, forceAddress -> replaced; without it -> error", () => {
      w.node.exec("ip", ["link", "add", "cni0", "type", "bridge"]);
      w.node.exec("ip", ["addr", "add", "10.99.0.1/16", "dev", "cni0"]);
      const bad = w.call("ADD", w.conf({ isGateway: true }), { pod: w.pod(), cid: "nf" });
      expect(bad.code).not.toBe(0);
      expect(bad.json.msg).toMatch(/already has an IP address different from 10\.88\.0\.1/);
      expect(globalAddrs(w.node, "cni0")).toEqual(["10.99.0.1/16"]);
      w.add(w.conf({ isGateway: true, forceAddress: true }), { pod: w.pod(), cid: "f" });
      expect(globalAddrs(w.node, "cni0")).toEqual(["10.88.0.1/24"]);
    });

    it("add: ipMasq -> nft masquerade rule per IP; ipMasqBackend iptables accepted", () => {
      const r = w.add(w.conf({ ipMasq: true }, dualIpam()), { pod: w.pod(), cid: "m1" });
      const rules = masqRulesFor(w.node, "m1");
      expect(rules).toHaveLength(2);
      const text = JSON.stringify(rules);
      expect(text).toContain(addrOf(r, 4));
      expect(text).toContain(addrOf(r, 6));
      w.add(w.conf({ ipMasq: true, ipMasqBackend: "iptables" }, dualIpam()), { pod: w.pod(), cid: "m2" });
      expect(masqRulesFor(w.node, "m2")).toHaveLength(2);
      const bad = w.call("ADD", w.conf({ ipMasq: true, ipMasqBackend: "pf" }), { pod: w.pod(), cid: "m3" });
      expect(bad.json?.code).toBe(7);
    });

    it("del: ipMasq -> removes our rules and the reference's iptables chain of the same container", () => {
      if (!hasReference) return;
      const pod = w.pod();
      const conf = { ...w.conf({ ipMasq: true }), cniVersion: "1.0.0" }; // 1.1.1 knows no 1.1.0
      // the reference (iptables backend) first: chain CNI-<hash> + POSTROUTING jump
      expectOk(w.call("ADD", conf, { pod, cid: "legacy", dir: REF_DIR }));
      const chains = () => w.node.exec("iptables", ["-t", "nat", "-S"]).split("\n").filter((l) => /CNI-/.test(l));
      expect(chains().length).toBeGreaterThanOrEqual(3);
      // the same attachment torn down by us (an in-place upgrade from the Go suite)
      expectOk(w.call("DEL", conf, { pod, cid: "legacy" }));
      expect(chains()).toEqual([]);
      expect(w.reserved()).toEqual([]);
      expect(pod.exec("ip", ["link", "show", "eth0"], { allowFail: true })).toBe("");
    });

    it("add: mtu -> bridge created with it, both veth ends use it", () => {
      const pod = w.pod();
      const r = w.add(w.conf({ mtu: 1400 }), { pod });
      expect(link(w.node, "cni0").mtu).toBe(1400);
      expect(link(w.node, r.interfaces[1].name).mtu).toBe(1400);
      expect(link(pod, "eth0").mtu).toBe(1400);
    });

    it("add: hairpinMode -> port in hairpin mode; default off", () => {
      const r1 = w.add(w.conf({ hairpinMode: true }), { pod: w.pod(), cid: "h1" });
      const r2 = w.add(w.conf(), { pod: w.pod(), cid: "h2" });
      expect(link(w.node, r1.interfaces[1].name).linkinfo.info_slave_data.hairpin).toBe(true);
      expect(link(w.node, r2.interfaces[1].name).linkinfo.info_slave_data.hairpin).toBe(false);
    });

    it("add: promiscMode -> bridge promiscuous; with hairpinMode -> error 7", () => {
      w.add(w.conf({ promiscMode: true }), { pod: w.pod() });
      expect(link(w.node, "cni0").flags).toContain("PROMISC");
      const bad = w.call("ADD", w.conf({ promiscMode: true, hairpinMode: true }), { pod: w.pod(), cid: "x" });
      expect(bad.json?.code).toBe(7);
    });

    // with VLAN filtering: bridge.kernel.test.ts
    it.runIf(!vlanFiltering)("add: vlan on a kernel without bridge VLAN filtering -> error, nothing left", () => {
      const pod = w.pod();
      const out = w.call("ADD", w.conf({ vlan: 100 }), { pod });
      expect(out.code).not.toBe(0);
      expect(out.json.msg).toMatch(/EOPNOTSUPP/);
      expect(links(w.node).filter((l) => l.ifname !== "lo")).toEqual([]);
      expect(pod.exec("ip", ["link", "show", "eth0"], { allowFail: true })).toBe("");
      expect(w.reserved()).toEqual([]);
    });

    it("add: vlan with vlanTrunk, or a bad trunk -> error 7 before any change", () => {
      const bad = (keys: Json) => w.call("ADD", w.conf(keys), { pod: w.pod(), cid: "t2" }).json?.code;
      expect(bad({ vlan: 5, vlanTrunk: [{ id: 101 }] })).toBe(7);
      expect(bad({ vlanTrunk: [{ minID: 300, maxID: 200 }] })).toBe(7);
      expect(bad({ vlanTrunk: [{ minID: 300 }] })).toBe(7);
      expect(bad({ vlan: 4095 })).toBe(7);
      expect(links(w.node).filter((l) => l.ifname !== "lo")).toEqual([]);
    });

    it("add: enabledad false (default) -> accept_dad=0; true -> accept_dad=1 and settled", () => {
      const p1 = w.pod();
      const p2 = w.pod();
      w.add(w.conf({}, v6Ipam()), { pod: p1, cid: "d1" });
      w.add(w.conf({ enabledad: true }, v6Ipam()), { pod: p2, cid: "d2" });
      expect(sysctl(p1, "net/ipv6/conf/eth0/accept_dad")).toBe("0");
      expect(sysctl(p2, "net/ipv6/conf/eth0/accept_dad")).toBe("1");
      const tentative = p2.ipJson(["-6", "addr", "show", "dev", "eth0", "scope", "global", "tentative"]);
      expect(tentative.flatMap((l: Json) => l.addr_info)).toEqual([]);
      expect(sysctl(p1, "net/ipv6/conf/eth0/keep_addr_on_down")).toBe("1");
    });

    it("add: macspoofchk -> nft bridge rule; a spoofed source MAC is dropped, the real one passes", () => {
      const [a, b, c] = [w.pod(), w.pod(), w.pod()];
      const conf = w.conf({ macspoofchk: true });
      const ra = w.add(conf, { cid: "a", pod: a });
      const rb = w.add(conf, { cid: "b", pod: b });
      // control: a pod without macspoofchk may change its MAC and still talk
      w.add(w.conf(), { cid: "c", pod: c });
      c.exec("ip", ["link", "set", "eth0", "address", "02:00:00:00:ca:fe"]);
      expect(pingOnce(c, addrOf(rb, 4))).toBe(true);
      const bridgeRules = nftRules(w.node).filter((r) => r.family === "bridge" && r.table === "nat");
      const tagOfA = /^macspoofchk-[0-9a-f]{16}-[0-9a-f]{16}, net: \S+, if: eth0, id: a$/;
      expect(bridgeRules.filter((r) => tagOfA.test(r.comment ?? ""))).toHaveLength(1);
      const real = ra.interfaces[2].mac;
      const flush = () => [a, b, c].forEach((p) => p.exec("ip", ["neigh", "flush", "all"]));
      expect(pingOnce(a, addrOf(rb, 4))).toBe(true);
      a.exec("ip", ["link", "set", "eth0", "address", "02:00:00:00:be:ef"]);
      flush();
      expect(pingOnce(a, addrOf(rb, 4))).toBe(false);
      a.exec("ip", ["link", "set", "eth0", "address", real]);
      flush();
      expect(pingOnce(a, addrOf(rb, 4))).toBe(true);
      expectOk(w.call("DEL", conf, { cid: "a", pod: a }));
      expect(nftRules(w.node).some((r) => tagOfA.test(r.comment ?? ""))).toBe(false);
    });

    it("del/check: macspoofchk chains of the earlier naming (cni-br-iface-<cid>-<ifname>, the reference's -mac chain) -> CHECK accepts them, DEL removes them (upgrade in place)", () => {
      const pod = w.pod();
      const conf = w.conf({ macspoofchk: true });
      const r = w.add(conf, { cid: "old", pod });
      const hostVeth = r.interfaces[1].name;
      const mac = r.interfaces[2].mac;
      // what an older tscni (one chain) and the reference (a -mac chain behind it) wrote for this pod
      const current = nftRules(w.node).filter((x) => x.family === "bridge" && String(x.comment ?? "").includes("id: old"));
      const chain = String(current[0]!.expr.find((e: Json) => e.jump)!.jump.target);
      w.node.exec("nft", ["-f", "-"], { input: [
        `delete rule bridge nat PREROUTING handle ${current[0]!.handle}`,
        `delete chain bridge nat ${chain}`,
        "add chain bridge nat cni-br-iface-old-eth0",
        "add chain bridge nat cni-br-iface-old-eth0-mac",
        "add rule bridge nat cni-br-iface-old-eth0 jump cni-br-iface-old-eth0-mac",
        `add rule bridge nat cni-br-iface-old-eth0-mac ether saddr ${mac} return`,
        "add rule bridge nat cni-br-iface-old-eth0-mac drop",
        `add rule bridge nat PREROUTING iifname "${hostVeth}" jump cni-br-iface-old-eth0 comment "macspoofchk-old-eth0"`,
      ].join("\n") });
      expectOk(w.call("CHECK", { ...conf, prevResult: r }, { cid: "old", pod }));
      expectOk(w.call("DEL", conf, { cid: "old", pod }));
      const left = nftRuleset(w.node).filter((i) => i.chain?.family === "bridge").map((i) => i.chain.name);
      expect(left).toEqual(["PREROUTING"]);
      expect(nftRules(w.node).filter((x) => x.family === "bridge")).toEqual([]);
    });

    it("add: disableContainerInterface -> container veth stays down; with IPAM -> error 7", () => {
      const pod = w.pod();
      const r = w.add(w.conf({ disableContainerInterface: true }, null), { pod });
      expect(link(pod, "eth0").flags).not.toContain("UP");
      expect(r.ips ?? []).toEqual([]);
      const bad = w.call("ADD", w.conf({ disableContainerInterface: true }), { pod: w.pod(), cid: "x" });
      expect(bad.json?.code).toBe(7);
    });

    it("add: portIsolation -> isolated ports; isolated pods cannot reach each other, the gateway still can be", () => {
      const [a, b] = [w.pod(), w.pod()];
      const conf = w.conf({ portIsolation: true, isGateway: true });
      const ra = w.add(conf, { cid: "a", pod: a });
      const rb = w.add(conf, { cid: "b", pod: b });
      expect(link(w.node, ra.interfaces[1].name).linkinfo.info_slave_data.isolated).toBe(true);
      expect(pingOnce(a, "10.88.0.1")).toBe(true);
      expect(pingOnce(a, addrOf(rb, 4))).toBe(false);
    });

    it("add: ipam {} -> L2 only, no addresses and no ips in the result", () => {
      const pod = w.pod();
      const r = w.add(w.conf({}, null), { pod });
      expect(r.ips).toBeUndefined();
      expect(globalAddrs(pod, "eth0")).toEqual([]);
      expect(link(pod, "eth0").flags).toContain("UP");
      expect(r.interfaces).toHaveLength(3);
    });

    it("add: MAC from CNI_ARGS < args.cni.mac < runtimeConfig.mac", () => {
      const cases: [Json, string | undefined, string][] = [
        [{}, "IgnoreUnknown=1;MAC=02:00:00:00:00:01", "02:00:00:00:00:01"],
        [{ args: { cni: { mac: "02:00:00:00:00:02" } } }, "IgnoreUnknown=1;MAC=02:00:00:00:00:01", "02:00:00:00:00:02"],
        [{ args: { cni: { mac: "02:00:00:00:00:02" } }, runtimeConfig: { mac: "02:00:00:00:00:03" } }, "IgnoreUnknown=1;MAC=02:00:00:00:00:01", "02:00:00:00:00:03"],
      ];
      cases.forEach(([keys, cniArgs, want], i) => {
        const pod = w.pod();
        const r = w.add(w.conf(keys), { pod, cid: `mac${i}`, cniArgs });
        expect(link(pod, "eth0").address).toBe(want);
        expect(r.interfaces[2].mac).toBe(want);
      });
    });
  });

  describe("result shape and repeats", () => {
    it("add: result -> [bridge, host veth, container veth], ips on index 2, host name veth+8 hex", () => {
      const pod = w.pod();
      const r = w.add(w.conf({ isGateway: true }, dualIpam()), { pod });
      expect(r.cniVersion).toBe("1.1.0");
      const [br, host, ctr] = r.interfaces;
      expect(r.interfaces).toHaveLength(3);
      expect(br).toEqual({ name: "cni0", mac: link(w.node, "cni0").address });
      expect(host.name).toMatch(/^veth[0-9a-f]{8}$/);
      expect(host).toEqual({ name: host.name, mac: link(w.node, host.name).address });
      expect(ctr).toEqual({ name: "eth0", mac: link(pod, "eth0").address, sandbox: pod.path });
      expect(r.ips.map((i: Json) => i.interface)).toEqual([2, 2]);
      expect(r.dns).toBeUndefined();
    });

    it("add: dns -> IPAM's unless the config's says something", () => {
      const resolv = join(w.data.path, "resolv.conf");
      writeFileSync(resolv, "nameserver 192.0.2.53\nsearch ipam.example\n");
      const ipam = { ...v4Ipam(), resolvConf: resolv };
      const fromIpam = w.add({ ...w.conf({}, ipam), dns: {} }, { pod: w.pod(), cid: "d1" });
      expect(fromIpam.dns).toEqual({ nameservers: ["192.0.2.53"], search: ["ipam.example"] });
      const fromConf = w.add({ ...w.conf({}, ipam), dns: { nameservers: ["192.0.2.54"] } }, { pod: w.pod(), cid: "d2" });
      expect(fromConf.dns).toEqual({ nameservers: ["192.0.2.54"] });
    });

    it("add: same container and ifname twice -> fails, the first attachment intact", () => {
      const [pod, peer] = [w.pod(), w.pod()];
      const conf = w.conf({ isGateway: true });
      const r = w.add(conf, { pod });
      w.add(conf, { pod: peer, cid: "peer" });
      const again = w.call("ADD", conf, { pod });
      expect(again.code).not.toBe(0);
      expect(ports(w.node, "cni0")).toHaveLength(2);
      expect(globalAddrs(pod, "eth0")).toEqual([r.ips[0].address]);
      expect(w.reserved().sort()).toEqual(["10.88.0.2", "10.88.0.3"]);
      expect(pingOnce(peer, addrOf(r, 4))).toBe(true);
    });
  });

  describe("failure paths", () => {
    it("add: IPAM exhausted -> error, no veth left, pod untouched", () => {
      const conf = w.conf({}, v4Ipam("10.88.0.0/24", { rangeStart: "10.88.0.10", rangeEnd: "10.88.0.10" }));
      w.add(conf, { pod: w.pod(), cid: "first" });
      const pod = w.pod();
      const out = w.call("ADD", conf, { pod, cid: "second" });
      expect(out.code).not.toBe(0);
      expect(ports(w.node, "cni0")).toHaveLength(1);
      expect(pod.exec("ip", ["link", "show", "eth0"], { allowFail: true })).toBe("");
      expect(w.reserved()).toEqual(["10.88.0.10"]);
    });

    it("add: bridge address conflict after veth and IPAM -> veth deleted, IP released", () => {
      w.node.exec("ip", ["link", "add", "cni0", "type", "bridge"]);
      w.node.exec("ip", ["addr", "add", "10.99.0.1/16", "dev", "cni0"]);
      const pod = w.pod();
      const out = w.call("ADD", w.conf({ isGateway: true, ipMasq: true }), { pod });
      expect(out.code).not.toBe(0);
      expect(ports(w.node, "cni0")).toEqual([]);
      expect(pod.exec("ip", ["link", "show", "eth0"], { allowFail: true })).toBe("");
      expect(w.reserved()).toEqual([]);
      expect(masqRulesFor(w.node, "ctr1")).toEqual([]);
    });

    it("add: IPAM result unusable (unreachable route gw) -> veth deleted, IPAM DEL called", () => {
      const dir = tempDir("brfake");
      try {
        const log = writeFakeIpam(dir.path, {
          ips: [{ address: "10.77.0.5/24", gateway: "10.77.0.1" }],
          routes: [{ dst: "10.200.0.0/16", gw: "10.99.99.99" }],
        });
        const pod = w.pod();
        const conf = { cniVersion: "1.1.0", name: NET, type: "bridge", ipam: { type: "fakeipam" } };
        const out = w.call("ADD", conf, { pod, path: dir.path });
        expect(out.code).not.toBe(0);
        expect(readFileSync(log, "utf8").trim().split("\n")).toEqual(["ADD ctr1", "DEL ctr1"]);
        expect(ports(w.node, "cni0")).toEqual([]);
        expect(pod.exec("ip", ["link", "show", "eth0"], { allowFail: true })).toBe("");
      } finally {
        dir.remove();
      }
    });

    it("add: ifname already in the pod -> error, no veth, no IP allocated", () => {
      const pod = w.pod();
      pod.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "other0"]);
      const out = w.call("ADD", w.conf(), { pod });
      expect(out.code).not.toBe(0);
      expect(out.json.msg).toMatch(/already exists/);
      expect(links(w.node).filter((l) => l.linkinfo?.info_kind === "veth")).toEqual([]);
      expect(w.reserved()).toEqual([]);
      expect(link(pod, "eth0").linkinfo.info_kind).toBe("veth");
      expect(link(pod, "eth0").link).toBe("other0");
    });

    it("del: twice -> both succeed, everything gone", () => {
      const pod = w.pod();
      const conf = w.conf({ ipMasq: true, macspoofchk: true });
      w.add(conf, { pod });
      expectOk(w.call("DEL", conf, { pod }));
      expectOk(w.call("DEL", conf, { pod }));
      expect(ports(w.node, "cni0")).toEqual([]);
      expect(w.reserved()).toEqual([]);
      expect(masqRulesFor(w.node, "ctr1")).toEqual([]);
      expect(nftRules(w.node).filter((r) => r.family === "bridge")).toEqual([]);
    });

    it("del: netns already deleted -> succeeds, IP released, masquerade rules gone", () => {
      const pod = w.pod();
      const conf = w.conf({ ipMasq: true });
      w.add(conf, { pod });
      expect(masqRulesFor(w.node, "ctr1")).toHaveLength(1);
      const path = pod.path;
      pod.delete();
      expectOk(w.call("DEL", conf, { netns: path }));
      expect(w.reserved()).toEqual([]);
      expect(masqRulesFor(w.node, "ctr1")).toEqual([]);
    });

    it("del: CNI_NETNS empty -> succeeds, IP released, masquerade rules gone", () => {
      const pod = w.pod();
      const conf = w.conf({ ipMasq: true });
      w.add(conf, { pod });
      expectOk(w.call("DEL", conf, { netns: "" }));
      expect(w.reserved()).toEqual([]);
      expect(masqRulesFor(w.node, "ctr1")).toEqual([]);
    });

    it("check: intact -> ok; default route deleted -> error; veth off the bridge -> error", () => {
      const pod = w.pod();
      const conf = w.conf({ isDefaultGateway: true });
      const r = w.add(conf, { pod });
      const withPrev = { ...conf, prevResult: r };
      expectOk(w.call("CHECK", withPrev, { pod }));
      pod.exec("ip", ["route", "del", "default"]);
      expect(w.call("CHECK", withPrev, { pod }).code).not.toBe(0);
      pod.exec("ip", ["route", "add", "default", "via", "10.88.0.1"]);
      expectOk(w.call("CHECK", withPrev, { pod }));
      w.node.exec("ip", ["link", "set", r.interfaces[1].name, "nomaster"]);
      const out = w.call("CHECK", withPrev, { pod });
      expect(out.code).not.toBe(0);
      expect(out.json.msg).toMatch(/veth/);
    });
  });

  it("add: 30 in parallel on a missing bridge -> all succeed, one bridge, 30 ports, 30 distinct IPs", async () => {
    const conf = w.conf({ isGateway: true });
    const pods = Array.from({ length: 30 }, () => w.pod());
    const outs = await Promise.all(
      pods.map((pod, i) =>
        runPlugin({ plugin: "bridge", command: "ADD", config: conf, containerId: `p${i}`, netns: pod.path, node: w.node }),
      ),
    );
    const results = outs.map(expectOk);
    expect(links(w.node).filter((l) => l.linkinfo?.info_kind === "bridge").map((l) => l.ifname)).toEqual(["cni0"]);
    expect(ports(w.node, "cni0")).toHaveLength(30);
    expect(new Set(results.map((r) => r.ips[0].address)).size).toBe(30);
    expect(w.reserved()).toHaveLength(30);
  });

  describe("gc and status", () => {
    it("gc: masquerade rules of unlisted attachments removed, listed kept, IPAM GC forwarded", () => {
      const conf = w.conf({ ipMasq: true });
      w.add(conf, { pod: w.pod(), cid: "keep" });
      w.add(conf, { pod: w.pod(), cid: "stale" });
      const gcConf = { ...conf, "cni.dev/valid-attachments": [{ containerID: "keep", ifname: "eth0" }] };
      expectOk(w.call("GC", gcConf));
      expect(masqRulesFor(w.node, "keep")).toHaveLength(1);
      expect(masqRulesFor(w.node, "stale")).toEqual([]);
      expect(w.reserved()).toEqual(["10.88.0.2"]); // host-local GC dropped the stale reservation
    });

    it("gc/status: forwarded to the IPAM plugin", () => {
      const dir = tempDir("brfake");
      try {
        const log = writeFakeIpam(dir.path, { ips: [] });
        const conf = { cniVersion: "1.1.0", name: NET, type: "bridge", ipam: { type: "fakeipam" } };
        expectOk(w.call("STATUS", conf, { path: dir.path }));
        expectOk(w.call("GC", { ...conf, "cni.dev/valid-attachments": [] }, { path: dir.path }));
        expect(readFileSync(log, "utf8").trim().split("\n").map((l) => l.split(" ")[0])).toEqual(["STATUS", "GC"]);
      } finally {
        dir.remove();
      }
    });
  });
});

/** A fake IPAM plugin in dir that logs "<verb> <cid>" and answers ADD with result. */
function writeFakeIpam(dir: string, result: Json): string {
  const log = join(dir, "calls.log");
  const body = JSON.stringify({ cniVersion: "1.1.0", ...result });
  const script = [
    "#!/bin/sh",
    `echo "$CNI_COMMAND $CNI_CONTAINERID" >> '${log}'`,
    'if [ "$CNI_COMMAND" = ADD ]; then',
    `  printf '%s' '${body}'`,
    "fi",
    "exit 0",
    "",
  ].join("\n");
  writeFileSync(join(dir, "fakeipam"), script);
  chmodSync(join(dir, "fakeipam"), 0o755);
  return log;
}

/** Starts a UDP server in outside, sends one datagram from pod, returns the source address seen. */
async function udpSourceSeen(outside: TestNetns, pod: TestNetns, dst: string): Promise<string> {
  const family = familyOf(dst) === 6 ? "AF_INET6" : "AF_INET";
  const server = spawn("nsenter", [
    `--net=${outside.path}`,
    "--",
    "python3",
    "-c",
    [
      "import socket,sys",
      `s=socket.socket(socket.${family},socket.SOCK_DGRAM)`,
      `s.bind(('${dst}',9999))`,
      "print('ready',flush=True)",
      "s.settimeout(8)",
      "d,a=s.recvfrom(100)",
      "print(a[0],flush=True)",
    ].join("\n"),
  ]);
  w.procs.push(server);
  let out = "";
  server.stdout.setEncoding("utf8").on("data", (d) => (out += d));
  const waitFor = async (pred: () => boolean, ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end && !pred(); ) await new Promise((r) => setTimeout(r, 20));
  };
  await waitFor(() => out.includes("ready"), 5000);
  const payload = "import socket;s=socket.socket(socket." + family + ",socket.SOCK_DGRAM);s.sendto(b'hi',('" + dst + "',9999))";
  for (let i = 0; i < 5 && out.split("\n").length < 3; i++) {
    pod.exec("python3", ["-c", payload]);
    await waitFor(() => out.split("\n").length >= 3, 1000);
  }
  if (server.pid && server.exitCode === null) process.kill(server.pid, "SIGKILL");
  return out.split("\n")[1]?.trim() ?? "";
}

