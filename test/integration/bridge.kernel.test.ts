// bridge plugin on a kernel with bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING), which the CI
// machine lacks: `vlan`, `vlanTrunk`, `preserveDefaultVlan` and the VLAN gateway. Skipped with a message
// on such a kernel; scripts/test-vm runs this file in a VM booting Debian's kernel. The VLAN cases of the
// differential test against the reference 1.1.1 (bridge.differential.test.ts) are here too.
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { removeSides, runCase, type Case } from "./bridge-differential.ts";
import { globalAddrs, hasBinary, link, links, pingOnce, portVlans, World, type Json } from "./bridge-world.ts";
import { deleteAllNetns, describeKernel, expectOk, hasReference } from "./harness.ts";

let w: World;

describeKernel(["bridge-vlan-filtering"], "bridge with VLAN filtering (compiled binary, private netns)", () => {
  beforeEach(() => {
    w = new World();
  });
  afterEach(() => w.cleanup());
  afterAll(() => deleteAllNetns());

  describe.skipIf(!hasBinary)("vlan keys", () => {
    it("add: vlan -> vlan_filtering, PVID untagged on the port, VLAN 1 removed unless preserveDefaultVlan", () => {
      const r1 = w.add(w.conf({ vlan: 100 }), { pod: w.pod(), cid: "v1" });
      const r2 = w.add(w.conf({ vlan: 100, preserveDefaultVlan: true }), { pod: w.pod(), cid: "v2" });
      expect(link(w.node, "cni0").linkinfo.info_data.vlan_filtering).toBe(1);
      expect(portVlans(w.node, r1.interfaces[1].name)).toEqual([{ vlan: 100, flags: ["PVID", "Egress Untagged"] }]);
      expect(portVlans(w.node, r2.interfaces[1].name)).toEqual([
        { vlan: 1, flags: ["Egress Untagged"] },
        { vlan: 100, flags: ["PVID", "Egress Untagged"] },
      ]);
    });

    it("add: vlanTrunk ids and ranges -> tagged VLANs on the port", () => {
      const trunk = [{ id: 101 }, { minID: 200, maxID: 203 }, { id: 202 }];
      const r = w.add(w.conf({ vlanTrunk: trunk }), { pod: w.pod(), cid: "t1" });
      expect(link(w.node, "cni0").linkinfo.info_data.vlan_filtering).toBe(1);
      expect(portVlans(w.node, r.interfaces[1].name)).toEqual(
        [101, 200, 201, 202, 203].map((vlan) => ({ vlan, flags: [] })),
      );
    });

    it("add: vlan and isGateway -> gateway on <bridge>.<vlan>, an access port of the VLAN", () => {
      const pod = w.pod();
      const r = w.add(w.conf({ vlan: 100, isGateway: true }), { pod });
      expect(r.interfaces.map((i: Json) => i.name)).toContain("cni0.100");
      expect(globalAddrs(w.node, "cni0.100")).toEqual(["10.88.0.1/24"]);
      const gwPort = links(w.node).find((l) => l.master === "cni0" && l.ifname !== r.interfaces[1].name);
      expect(portVlans(w.node, gwPort!.ifname)).toEqual([{ vlan: 100, flags: ["PVID", "Egress Untagged"] }]);
      expect(pingOnce(pod, "10.88.0.1")).toBe(true);
    });

    it("add: two pods on different access VLANs -> each reaches its VLAN peer only", () => {
      const [a, b, c] = [w.pod(), w.pod(), w.pod()];
      const ra = w.add(w.conf({ vlan: 10 }), { pod: a, cid: "a" });
      const rb = w.add(w.conf({ vlan: 10 }), { pod: b, cid: "b" });
      const rc = w.add(w.conf({ vlan: 20 }), { pod: c, cid: "c" });
      const ip = (r: Json) => r.ips[0].address.split("/")[0];
      expect(pingOnce(a, ip(rb))).toBe(true);
      expect(pingOnce(a, ip(rc))).toBe(false);
    });

    it("check/del: vlan pod -> CHECK ok; DEL removes the port, twice ok", () => {
      const pod = w.pod();
      const conf = w.conf({ vlan: 100, isGateway: true });
      const r = w.add(conf, { pod, cid: "d1" });
      expectOk(w.call("CHECK", { ...conf, prevResult: r }, { pod, cid: "d1" }));
      expectOk(w.call("DEL", conf, { pod, cid: "d1" }));
      expect(links(w.node).some((l) => l.ifname === r.interfaces[1].name)).toBe(false);
      expect(w.reserved()).toEqual([]);
      expectOk(w.call("DEL", conf, { pod, cid: "d1" }));
    });
  });
});

/** 1.1.1 has no preserveDefaultVlan (VLAN 1 always stays) and no vlanTrunk. */
const VLAN_CASES: Case[] = [
  { name: "vlan (preserveDefaultVlan as 1.1.1)", keys: { vlan: 100, preserveDefaultVlan: true } },
  { name: "vlan and isGateway (VLAN gateway interface)", keys: { vlan: 100, isGateway: true, preserveDefaultVlan: true } },
];

describeKernel(["bridge-vlan-filtering"], "bridge VLANs vs reference 1.1.1 (differential)", () => {
  afterEach(() => removeSides());
  afterAll(() => deleteAllNetns());

  for (const c of VLAN_CASES) {
    it.skipIf(!hasBinary || !hasReference)(`add/check/del: ${c.name} -> same results and kernel state as the reference`, () => runCase(c));
  }
});
