// dummy plugin, compiled binary, in private namespaces. The Debian reference 1.1.1 has no dummy: the
// expectations are the documented v1.9.x behaviour (REFERENCE-PLUGINS.md §5): ipam required, the
// result keeps IPAM's dns, CHECK wants the link up. Needs a kernel with dummy links: skipped here
// otherwise; scripts/test-vm runs it in a VM with Debian's kernel.
import { afterEach, expect, it } from "vitest";
import type { TestNetns } from "./harness.ts";
import { addrs, describeKernel, LinkLab, linkOf, nonLo, routes, yieldToEventLoop, type Json } from "./pod-link-harness.ts";

let lab: LinkLab;
afterEach(async () => {
  lab?.cleanup();
  await yieldToEventLoop();
});

function newLab(): LinkLab {
  lab = new LinkLab("dummy", 80);
  return lab;
}

const conf = (ipam: Json = {}, extra: Json = {}): Json => ({
  cniVersion: "1.0.0",
  name: "dnet",
  type: "dummy",
  ...extra,
  ipam: { type: "static", addresses: [{ address: "10.81.0.5/24", gateway: "10.81.0.1" }, { address: "fd81::5/64" }], routes: [{ dst: "10.82.0.0/16" }], dns: { nameservers: ["1.1.1.1"] }, ...ipam },
});

describeKernel(["dummy"], "dummy", () => {
  it("add: static -> dummy link up in the pod with the addresses and routes; IPAM's dns kept, the network's ignored", () => {
    const l = newLab();
    const pod = l.pod();
    const r = l.add(conf({}, { dns: { nameservers: ["9.9.9.9"] } }), { pod });
    const eth0 = linkOf(pod, "eth0")!;
    expect(eth0.linkinfo.info_kind).toBe("dummy");
    expect(eth0.flags).toContain("UP");
    expect(r).toEqual({
      cniVersion: "1.0.0",
      interfaces: [{ name: "eth0", mac: eth0.address, sandbox: pod.path }],
      ips: [
        { address: "10.81.0.5/24", gateway: "10.81.0.1", interface: 0 },
        { address: "fd81::5/64", interface: 0 },
      ],
      routes: [{ dst: "10.82.0.0/16" }],
      dns: { nameservers: ["1.1.1.1"] },
    });
    expect(addrs(pod, "eth0")).toEqual(["10.81.0.5/24", "fd81::5/64"]);
    expect(routes(pod)).toContain("10.82.0.0/16 via 10.81.0.1 dev eth0");
    expect(nonLo(l.node)).toEqual(["hv0"]);
    pod.exec("ping", ["-c1", "-w2", "10.81.0.5"]);
  });

  it("add: no ipam -> error 7 'dummy interface requires an IPAM configuration', nothing created", () => {
    const l = newLab();
    const pod = l.pod();
    const o = l.run("ADD", { cniVersion: "1.0.0", name: "dnet", type: "dummy" }, { pod });
    expect(o.json).toMatchObject({ code: 7, msg: "dummy interface requires an IPAM configuration" });
    expect(nonLo(pod)).toEqual([]);
  });

  it("add: IPAM returns no IP, or a route fails -> link removed; ifname taken -> error, nothing left", () => {
    const l = newLab();
    const pod = l.pod();
    expect(l.run("ADD", conf({ addresses: [] }), { pod }).json.msg).toBe("IPAM plugin returned missing IP config");
    expect(nonLo(pod)).toEqual([]);
    expect(l.run("ADD", conf({ routes: [{ dst: "192.168.77.0/24", gw: "172.31.9.9" }] }), { pod }).code).not.toBe(0);
    expect(nonLo(pod)).toEqual([]);
    pod.exec("ip", ["link", "add", "eth0", "type", "dummy"]);
    expect(l.run("ADD", conf(), { pod }).json.msg).toContain('failed to rename dummy to "eth0"');
    expect(nonLo(pod)).toEqual(["eth0"]);
  });

  it("del: repeated, netns gone, link gone, empty CNI_NETNS -> success", () => {
    const l = newLab();
    const pod = l.pod();
    l.add(conf(), { pod });
    expect(l.run("DEL", conf(), { pod }).code).toBe(0);
    expect(nonLo(pod)).toEqual([]);
    expect(l.run("DEL", conf(), { pod }).code).toBe(0);
    expect(l.run("DEL", conf(), { netns: "" }).code).toBe(0);
    const gone = l.pod();
    l.add(conf(), { pod: gone, cid: "b" });
    gone.delete();
    expect(l.run("DEL", conf(), { cid: "b", netns: gone.path }).code).toBe(0);
  });

  it("check: intact -> ok; down, MAC, address or link tampered -> error each; a removed route is not checked (as the reference)", () => {
    const l = newLab();
    const cases: [string, (p: TestNetns) => void, string | undefined][] = [
      ["down", (p) => p.exec("ip", ["link", "set", "eth0", "down"]), "down"],
      ["mac", (p) => p.exec("ip", ["link", "set", "eth0", "address", "02:00:00:00:99:99"]), "Mac"],
      ["address", (p) => p.exec("ip", ["addr", "del", "10.81.0.5/24", "dev", "eth0"]), "addr"],
      ["link", (p) => p.exec("ip", ["link", "del", "eth0"]), "not found"],
      ["route", (p) => p.exec("ip", ["route", "del", "10.82.0.0/16"]), undefined],
    ];
    for (const [what, tamper, msg] of cases) {
      const pod = l.pod();
      const prevResult = l.add(conf(), { pod, cid: what });
      expect(l.run("CHECK", conf(), { pod, cid: what, prevResult }).code, what).toBe(0);
      tamper(pod);
      const o = l.run("CHECK", conf(), { pod, cid: what, prevResult });
      if (msg === undefined) expect(o.code, what).toBe(0);
      else expect(o.json?.msg, what).toContain(msg);
    }
  });
});
