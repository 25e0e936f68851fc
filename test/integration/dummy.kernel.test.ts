// dummy plugin, compiled binary, in private namespaces. The Debian reference 1.1.1 has no dummy: the
// expectations are the documented v1.9.x behaviour (REFERENCE-PLUGINS.md §5): ipam required, the
// result keeps IPAM's dns, CHECK wants the link up and does not check routes. Needs a kernel with dummy
// links: skipped here otherwise; scripts/test-vm runs it in a VM with Debian's kernel (every process
// costs ~1 s there: few plugin runs per test).
import { afterAll, expect, it } from "vitest";
import { createNetns, describeKernel, runPluginSync, type TestNetns } from "./harness.ts";
import { addrs, linkOf, nonLo, routes, type Json } from "./pod-link-harness.ts";

const spaces: TestNetns[] = [];

function pod(): TestNetns {
  const ns = createNetns("dummy-pod");
  spaces.push(ns);
  return ns;
}

const conf = (ipam: Json = {}, extra: Json = {}): Json => ({
  cniVersion: "1.0.0",
  name: "dnet",
  type: "dummy",
  ...extra,
  ipam: { type: "static", addresses: [{ address: "10.81.0.5/24", gateway: "10.81.0.1" }, { address: "fd81::5/64" }], routes: [{ dst: "10.82.0.0/16" }], dns: { nameservers: ["1.1.1.1"] }, ...ipam },
});

let node: TestNetns | undefined;

/** Runs the plugin inside a private node netns, as a runtime would on a node. */
function run(command: string, config: Json, o: { pod?: TestNetns; netns?: string; cid?: string; prevResult?: Json } = {}) {
  node ??= pod();
  return runPluginSync({
    node,
    plugin: "dummy",
    command,
    config: o.prevResult ? { ...config, prevResult: o.prevResult } : config,
    containerId: o.cid ?? "ctr1",
    netns: o.netns ?? o.pod?.path ?? "",
  });
}

describeKernel(["dummy"], "dummy", () => {
  afterAll(() => {
    for (const ns of spaces) ns.delete();
  });

  it("add: static -> dummy link up with the addresses and routes, IPAM's dns kept (network's ignored); CHECK; down -> CHECK fails; route gone -> not checked; DEL twice, DEL without netns", () => {
    const p = pod();
    const c = conf({}, { dns: { nameservers: ["9.9.9.9"] } });
    const o = run("ADD", c, { pod: p });
    expect(o.code, o.stdout).toBe(0);
    const eth0 = linkOf(p, "eth0")!;
    expect([eth0.linkinfo.info_kind, eth0.flags.includes("UP")]).toEqual(["dummy", true]);
    expect(o.json).toEqual({
      cniVersion: "1.0.0",
      interfaces: [{ name: "eth0", mac: eth0.address, sandbox: p.path }],
      ips: [
        { address: "10.81.0.5/24", gateway: "10.81.0.1", interface: 0 },
        { address: "fd81::5/64", interface: 0 },
      ],
      routes: [{ dst: "10.82.0.0/16" }],
      dns: { nameservers: ["1.1.1.1"] },
    });
    expect(addrs(p, "eth0")).toEqual(["10.81.0.5/24", "fd81::5/64"]);
    expect(routes(p)).toContain("10.82.0.0/16 via 10.81.0.1 dev eth0");
    p.exec("ip", ["route", "del", "10.82.0.0/16"]);
    expect(run("CHECK", c, { pod: p, prevResult: o.json }).code).toBe(0);
    p.exec("ip", ["link", "set", "eth0", "down"]);
    expect(run("CHECK", c, { pod: p, prevResult: o.json }).json.msg).toContain("down");
    expect(run("DEL", c, { pod: p }).code).toBe(0);
    expect(nonLo(p)).toEqual([]);
    expect(run("DEL", c, { pod: p }).code).toBe(0);
    expect(run("DEL", c, { netns: "" }).code).toBe(0);
  });

  it("add: no ipam -> error 7; IPAM returns no IP -> link removed; ifname taken -> error, nothing left; DEL with the netns gone -> success", () => {
    const p = pod();
    expect(run("ADD", { cniVersion: "1.0.0", name: "dnet", type: "dummy" }, { pod: p }).json).toMatchObject({ code: 7, msg: "dummy interface requires an IPAM configuration" });
    expect(run("ADD", conf({ addresses: [] }), { pod: p }).json.msg).toBe("IPAM plugin returned missing IP config");
    expect(nonLo(p)).toEqual([]);
    p.exec("ip", ["link", "add", "eth0", "type", "dummy"]);
    expect(run("ADD", conf(), { pod: p }).json.msg).toContain('failed to rename dummy to "eth0"');
    expect(nonLo(p)).toEqual(["eth0"]);
    const gone = pod();
    expect(run("ADD", conf(), { pod: gone, cid: "g" }).code).toBe(0);
    gone.delete();
    expect(run("DEL", conf(), { cid: "g", netns: gone.path }).code).toBe(0);
  });
});
