// vrf on a kernel without VRF support (the CI machine's): ADD fails with a clear error naming the
// missing kernel feature and leaves nothing; DEL and a second ADD still behave. On a kernel with VRF
// the real tests are vrf.kernel.test.ts (scripts/test-vm). Needs root.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN_DIR, createNetns, deleteAllNetns, expectOk, kernelHas, runPluginSync } from "./harness.ts";

const isRoot = process.getuid?.() === 0;
const run = isRoot && existsSync(join(BIN_DIR, "vrf")) && !kernelHas("vrf") ? describe : describe.skip;
afterAll(() => deleteAllNetns());

run("vrf without kernel support", () => {
  it("add: no CONFIG_NET_VRF -> error naming it, no VRF device, eth0 untouched; del -> success", () => {
    const pod = createNetns("vrf-nok");
    try {
      pod.exec("ip", ["link", "add", "eth0", "type", "veth", "peer", "name", "p0"]);
      pod.exec("ip", ["link", "set", "eth0", "up"]);
      const prev = { cniVersion: "1.0.0", interfaces: [{ name: "eth0", sandbox: pod.path }], ips: [{ address: "10.1.0.5/24", interface: 0 }] };
      const config = { cniVersion: "1.0.0", name: "n", type: "vrf", vrfname: "blue", prevResult: prev };
      const call = (command: string) => runPluginSync({ plugin: "vrf", command, config, netns: pod.path, ifname: "eth0" });
      const o = call("ADD");
      expect(o.code).toBe(1);
      expect(o.json.msg).toMatch(/^could not add VRF blue: this kernel has no VRF support \(CONFIG_NET_VRF\)/);
      expect(pod.ipJson(["link", "show"]).map((l: any) => l.ifname).sort()).toEqual(["eth0", "lo", "p0"]);
      expect(pod.ipJson(["link", "show", "dev", "eth0"])[0].master).toBeUndefined();
      expectOk(call("DEL"));
    } finally {
      pod.delete();
    }
  });
});
