// vlan plugin, compiled binary, in private namespaces (pod-link-harness.ts): an 802.1Q link on the
// node's veth end hv0 lands in the pod; ext0.<id> on the veth peer answers tagged traffic. Needs a
// kernel with 802.1Q vlan: skipped here otherwise; scripts/test-vm runs it in a VM with Debian's kernel.
import { afterEach, expect, it } from "vitest";
import { hasReference, type TestNetns } from "./harness.ts";
import { addrs, describeKernel, LinkLab, linkOf, nonLo, normalized, ping, routes, yieldToEventLoop, type Json } from "./pod-link-harness.ts";

let lab: LinkLab;
let n = 70;
afterEach(async () => {
  lab?.cleanup();
  await yieldToEventLoop();
});

/** A lab whose peer also has ext0.<id> holding 10.<n>.<id % 250>.1/24. */
function newLab(id = 100): LinkLab {
  lab = new LinkLab("vlan", n++);
  const ext = lab.ext;
  ext.exec("ip", ["link", "add", "link", "ext0", "name", `ext0.${id}`, "type", "vlan", "id", String(id)]);
  ext.exec("ip", ["link", "set", `ext0.${id}`, "up"]);
  ext.exec("ip", ["addr", "add", `${tagged(lab, id, 1)}/24`, "dev", `ext0.${id}`]);
  return lab;
}

/** An address of the tagged subnet 10.<n>.<id>.0/24. */
function tagged(l: LinkLab, id: number, host: number): string {
  return `${l.gw4.split(".").slice(0, 2).join(".")}.${id % 250}.${host}`;
}

function conf(l: LinkLab, extra: Json = {}, id = 100): Json {
  return {
    cniVersion: "1.0.0",
    name: "vlnet",
    type: "vlan",
    master: "hv0",
    vlanId: id,
    ...extra,
    ipam: { type: "static", addresses: [{ address: `${tagged(l, id, 5)}/24`, gateway: tagged(l, id, 1) }], routes: [{ dst: "0.0.0.0/0" }] },
  };
}

describeKernel(["vlan"], "vlan", () => {
  it("add: vlanId 100 -> 802.1Q link of hv0 in the pod, addresses, routes, tagged traffic to the peer", () => {
    const l = newLab();
    const pod = l.pod();
    const r = l.add(conf(l), { pod });
    const eth0 = linkOf(pod, "eth0")!;
    expect(eth0.linkinfo.info_kind).toBe("vlan");
    expect(eth0.linkinfo.info_data.id).toBe(100);
    expect(eth0.linkinfo.info_data.protocol).toBe("802.1Q");
    expect(r).toEqual({
      cniVersion: "1.0.0",
      interfaces: [{ name: "eth0", mac: eth0.address, sandbox: pod.path }],
      ips: [{ address: `${tagged(l, 100, 5)}/24`, gateway: tagged(l, 100, 1), interface: 0 }],
      routes: [{ dst: "0.0.0.0/0" }],
    });
    expect(addrs(pod, "eth0")).toEqual([`${tagged(l, 100, 5)}/24`]);
    expect(routes(pod)).toContain(`default via ${tagged(l, 100, 1)} dev eth0`);
    expect(nonLo(l.node)).toEqual(["hv0"]);
    ping(pod, tagged(l, 100, 1));
    // untagged traffic does not reach the tagged pod: the peer's untagged address is not on its subnet
  });

  it("add: vlanId 0 accepted; 4095 or negative -> error 7; no master key -> error 7; missing ipam -> error 7", () => {
    const l = newLab();
    l.add(conf(l, { vlanId: 0 }, 0), { pod: l.pod(), cid: "zero" });
    for (const [c, msg] of [
      [conf(l, { vlanId: 4095 }), "invalid VLAN ID 4095"],
      [conf(l, { vlanId: -1 }), "invalid VLAN ID -1"],
      [{ ...conf(l), master: "" }, '"master" field is required'],
      [{ ...conf(l), ipam: undefined }, "requires an IPAM configuration"],
    ] as const) {
      const pod = l.pod();
      const o = l.run("ADD", c, { pod, cid: "bad" });
      expect(o.json, msg).toMatchObject({ code: 7 });
      expect(o.json.msg).toContain(msg);
      expect(nonLo(pod)).toEqual([]);
    }
  });

  it("add: mtu 1400 -> link mtu; above the master's -> error; master missing -> error", () => {
    const l = newLab();
    const pod = l.pod();
    l.add(conf(l, { mtu: 1400 }), { pod });
    expect(linkOf(pod, "eth0")!.mtu).toBe(1400);
    expect(l.run("ADD", conf(l, { mtu: 9000 }), { pod: l.pod(), cid: "b" }).json.msg).toContain("invalid MTU 9000");
    expect(l.run("ADD", conf(l, { master: "nosuch0" }), { pod: l.pod(), cid: "c" }).json.msg).toContain('failed to lookup master "nosuch0"');
  });

  it("add: linkInContainer -> vlan of a pod-side master", () => {
    const l = newLab();
    const pod = l.pod();
    const far = l.netns("vlan-far");
    pod.exec("ip", ["link", "add", "pm0", "type", "veth", "peer", "name", "far0", "netns", far.name]);
    pod.exec("ip", ["link", "set", "pm0", "up"]);
    far.exec("ip", ["link", "set", "far0", "up"]);
    far.exec("ip", ["link", "add", "link", "far0", "name", "far0.7", "type", "vlan", "id", "7"]);
    far.exec("ip", ["link", "set", "far0.7", "up"]);
    far.exec("ip", ["addr", "add", "10.97.0.1/24", "dev", "far0.7"]);
    const c = { ...conf(l, { master: "pm0", linkInContainer: true, vlanId: 7 }), ipam: { type: "static", addresses: [{ address: "10.97.0.5/24" }] } };
    l.add(c, { pod });
    expect(linkOf(pod, "eth0")!.link).toBe("pm0");
    ping(pod, "10.97.0.1");
  });

  it("add: IPAM returns no IP or a route fails -> link removed (the reference leaks it)", () => {
    const l = newLab();
    const pod = l.pod();
    const noIp = { ...conf(l), ipam: { type: "static", addresses: [] } };
    expect(l.run("ADD", noIp, { pod }).json.msg).toBe("IPAM plugin returned missing IP config");
    expect(nonLo(pod)).toEqual([]);
    const badRoute = conf(l);
    badRoute.ipam.routes = [{ dst: "192.168.77.0/24", gw: "172.31.9.9" }];
    expect(l.run("ADD", badRoute, { pod }).code).not.toBe(0);
    expect(nonLo(pod)).toEqual([]);
  });

  it("del: repeated, netns gone, link gone, master gone -> success (the reference fails without the master)", () => {
    const l = newLab();
    const c = conf(l);
    const pod = l.pod();
    l.add(c, { pod });
    expect(l.run("DEL", c, { pod }).code).toBe(0);
    expect(l.run("DEL", c, { pod }).code).toBe(0);
    const gone = l.pod();
    l.add(c, { pod: gone, cid: "b" });
    gone.delete();
    expect(l.run("DEL", c, { cid: "b", netns: gone.path }).code).toBe(0);
    const pod3 = l.pod();
    l.add(c, { pod: pod3, cid: "c" });
    l.node.exec("ip", ["link", "del", "hv0"]);
    expect(l.run("DEL", c, { pod: pod3, cid: "c" }).code).toBe(0);
    expect(nonLo(pod3)).toEqual([]);
  });

  it("check: intact -> ok; MAC, mtu, address, route or link tampered -> error each", () => {
    const l = newLab();
    const c = conf(l, { mtu: 1400 });
    const cases: [string, (p: TestNetns) => void, string][] = [
      ["mac", (p) => p.exec("ip", ["link", "set", "eth0", "address", "02:00:00:00:99:99"]), "Mac"],
      ["mtu", (p) => p.exec("ip", ["link", "set", "eth0", "mtu", "1300"]), "mtu"],
      ["address", (p) => p.exec("ip", ["addr", "flush", "dev", "eth0"]), "addr"],
      ["route", (p) => p.exec("ip", ["route", "del", "default"]), "route"],
      ["link", (p) => p.exec("ip", ["link", "del", "eth0"]), "not found"],
    ];
    for (const [what, tamper, msg] of cases) {
      const pod = l.pod();
      const prevResult = l.add(c, { pod, cid: what });
      expect(l.run("CHECK", c, { pod, cid: what, prevResult }).code, what).toBe(0);
      tamper(pod);
      expect(l.run("CHECK", c, { pod, cid: what, prevResult }).json?.msg, what).toContain(msg);
    }
    const pod = l.pod();
    const prevResult = l.add(conf(l), { pod, cid: "id" });
    expect(l.run("CHECK", conf(l, { vlanId: 101 }), { pod, cid: "id", prevResult }).json.msg).toContain("does not have vlan id 101");
  });

  (hasReference ? it : it.skip)("differential: reference 1.1.1 -> same result and kernel state; its DEL fails without the master, ours does not", () => {
    const l = newLab();
    const c = conf(l, { mtu: 1400, dns: { nameservers: ["9.9.9.9"] } });
    const ours = l.pod();
    const theirs = l.pod();
    const a = l.add(c, { pod: ours, cid: "ours" });
    const other = { ...c, ipam: { ...c.ipam, addresses: [{ address: `${tagged(l, 100, 6)}/24`, gateway: tagged(l, 100, 1) }] } };
    const b = l.add(other, { pod: theirs, cid: "theirs", reference: true });
    const theirResult = normalized(b);
    theirResult.ips[0].address = `${tagged(l, 100, 5)}/24`;
    expect(normalized(a)).toEqual(theirResult);
    const state = (p: TestNetns) => {
      const k = linkOf(p, "eth0")!;
      return { kind: k.linkinfo.info_kind, id: k.linkinfo.info_data.id, mtu: k.mtu, mac: k.address, routes: routes(p) };
    };
    expect(state(ours)).toEqual(state(theirs));
    ping(ours, tagged(l, 100, 1));
    ping(theirs, tagged(l, 100, 1));
    l.node.exec("ip", ["link", "del", "hv0"]);
    expect(l.run("DEL", other, { pod: theirs, cid: "theirs", reference: true }).code).not.toBe(0);
    expect(l.run("DEL", c, { pod: ours, cid: "ours" }).code).toBe(0);
  });
});
