// vlan plugin, compiled binary, in private namespaces (pod-link-harness.ts): an 802.1Q link on the
// node's veth end hv0 lands in the pod; ext0.<id> on the veth peer answers tagged traffic. Needs a
// kernel with 802.1Q vlan: skipped here otherwise; scripts/test-vm runs it in a VM with Debian's kernel,
// where every process costs ~1 s (QEMU TCG): one lab for the file, few plugin runs per test. One master
// carries one link per VLAN id (EEXIST otherwise): every pod gets its own id.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel, hasReference, type TestNetns } from "./harness.ts";
import { addrs, LinkLab, linkOf, nonLo, normalized, ping, routes, type Json } from "./pod-link-harness.ts";

let l: LinkLab;

/** 10.70.<id>.<host> */
const tagged = (id: number, host: number): string => `10.70.${id}.${host}`;

/** ext0.<id> on the peer, holding 10.70.<id>.1/24. */
function tagPeer(id: number): void {
  l.ext.exec("ip", ["link", "add", "link", "ext0", "name", `ext0.${id}`, "type", "vlan", "id", String(id)]);
  l.ext.exec("ip", ["link", "set", `ext0.${id}`, "up"]);
  l.ext.exec("ip", ["addr", "add", `${tagged(id, 1)}/24`, "dev", `ext0.${id}`]);
}

function conf(id: number, extra: Json = {}): Json {
  return {
    cniVersion: "1.0.0",
    name: "vlnet",
    type: "vlan",
    master: "hv0",
    vlanId: id,
    ...extra,
    ipam: { type: "static", addresses: [{ address: `${tagged(id, 5)}/24`, gateway: tagged(id, 1) }], routes: [{ dst: "0.0.0.0/0" }] },
  };
}

describeKernel(["vlan"], "vlan", () => {
  beforeAll(() => {
    l = new LinkLab("vlan", 70);
  });
  afterAll(() => l?.cleanup());

  it("add: vlanId 100, mtu 1400 -> 802.1Q link of hv0 in the pod, result, tagged traffic; CHECK; id or mtu differing -> CHECK fails; DEL twice", () => {
    tagPeer(100);
    const pod = l.pod();
    const c = conf(100, { mtu: 1400 });
    const r = l.add(c, { pod });
    const eth0 = linkOf(pod, "eth0")!;
    expect([eth0.linkinfo.info_kind, eth0.linkinfo.info_data.id, eth0.linkinfo.info_data.protocol, eth0.mtu]).toEqual(["vlan", 100, "802.1Q", 1400]);
    expect(r).toEqual({
      cniVersion: "1.0.0",
      interfaces: [{ name: "eth0", mac: eth0.address, sandbox: pod.path }],
      ips: [{ address: `${tagged(100, 5)}/24`, gateway: tagged(100, 1), interface: 0 }],
      routes: [{ dst: "0.0.0.0/0" }],
    });
    expect(addrs(pod, "eth0")).toEqual([`${tagged(100, 5)}/24`]);
    expect(routes(pod)).toContain(`default via ${tagged(100, 1)} dev eth0`);
    expect(nonLo(l.node)).toEqual(["hv0"]);
    ping(pod, tagged(100, 1));
    expect(l.run("CHECK", c, { pod, prevResult: r }).code).toBe(0);
    expect(l.run("CHECK", conf(101, { mtu: 1400 }), { pod, prevResult: r }).json.msg).toContain("does not have vlan id 101");
    pod.exec("ip", ["link", "set", "eth0", "mtu", "1300"]);
    expect(l.run("CHECK", c, { pod, prevResult: r }).json.msg).toContain("mtu");
    expect(l.run("DEL", c, { pod }).code).toBe(0);
    expect(nonLo(pod)).toEqual([]);
    expect(l.run("DEL", c, { pod }).code).toBe(0);
  });

  it("add: IPAM returns no IP -> link removed (the reference leaks it); vlanId 4095 -> error 7; del with the netns gone -> success", () => {
    const pod = l.pod();
    const noIp = { ...conf(102), ipam: { type: "static", addresses: [] } };
    expect(l.run("ADD", noIp, { pod, cid: "noip" }).json.msg).toBe("IPAM plugin returned missing IP config");
    expect(nonLo(pod)).toEqual([]);
    expect(l.run("ADD", conf(4095), { pod, cid: "bad" }).json).toMatchObject({ code: 7 });
    const gone = l.pod();
    l.add(conf(103), { pod: gone, cid: "gone" });
    gone.delete();
    expect(l.run("DEL", conf(103), { cid: "gone", netns: gone.path }).code).toBe(0);
  });

  // last: it removes the master
  (hasReference ? it : it.skip)("differential: reference 1.1.1 -> same result and kernel state; with the master gone its DEL fails, ours succeeds", () => {
    tagPeer(110);
    tagPeer(111);
    const ours = l.pod();
    const theirs = l.pod();
    const dns = { dns: { nameservers: ["9.9.9.9"] } };
    const a = l.add(conf(110, dns), { pod: ours, cid: "ours" });
    const b = l.add(conf(111, dns), { pod: theirs, cid: "theirs", reference: true });
    const theirResult = JSON.parse(JSON.stringify(normalized(b)).replaceAll("10.70.111.", "10.70.110."));
    expect(normalized(a)).toEqual(theirResult);
    const state = (p: TestNetns) => {
      const k = linkOf(p, "eth0")!;
      return { kind: k.linkinfo.info_kind, mtu: k.mtu, mac: k.address, up: k.flags.includes("UP"), routes: routes(p).map((r) => r.replaceAll(".111.", ".110.")) };
    };
    expect(state(ours)).toEqual(state(theirs));
    ping(theirs, tagged(111, 1));
    l.node.exec("ip", ["link", "del", "hv0"]);
    expect(l.run("DEL", conf(111), { pod: theirs, cid: "theirs", reference: true }).code).not.toBe(0);
    expect(l.run("DEL", conf(110), { pod: ours, cid: "ours" }).code).toBe(0);
  });
});
