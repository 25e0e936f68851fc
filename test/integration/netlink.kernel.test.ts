// shared/netlink on kernel features the CI machine lacks (bridge VLAN filtering, dummy links): the same
// scenario as netlink.test.ts, checked where the kernel has them. scripts/test-vm runs this in a VM.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "./harness.ts";
import { ipJson, runScenario, type IpLink, type Scenario } from "./netlink-scenario.ts";

let NS = "";
let out: Scenario;
let remove = (): void => {};

interface PortVlans { ifname: string; vlans: { vlan: number; vlanEnd?: number; flags?: string[] }[] }

describeKernel(["bridge-vlan-filtering", "dummy"], "shared/netlink against the kernel: VLAN filtering, dummy", () => {
  beforeAll(() => {
    ({ NS, out, remove } = runScenario());
  });

  afterAll(() => remove());

  it("createBridge with vlanFiltering -> vlan_filtering 1", () => {
    expect(out.vlanSupported).toBe(true);
    const [br] = ipJson<IpLink[]>(NS, ["link", "show", "br-nl"]);
    expect(br!.linkinfo?.info_data?.vlan_filtering).toBe(1);
  });

  it("bridgeVlanAdd/Del: pvid untagged 10, range 20-22, vid 1 removed, self vid 10 -> bridge -j vlan agrees", () => {
    // -compressvlans asks the kernel for ranges (without it every VLAN is listed on its own); spelled out:
    // some iproute2 versions read `-c` as `-color`
    const all = JSON.parse(execFileSync("bridge", ["-n", NS, "-compressvlans", "-j", "vlan", "show"], { encoding: "utf8" })) as PortVlans[];
    const port = all.find((p) => p.ifname === "veth-nl0")!;
    const entries = port.vlans.map((v) => ({ ...v, flags: v.flags ?? [] })); // some iproute2 versions omit empty flags
    expect(entries).toEqual([{ vlan: 10, flags: ["PVID", "Egress Untagged"] }, { vlan: 20, vlanEnd: 22, flags: [] }]);
    const each = JSON.parse(execFileSync("bridge", ["-n", NS, "-j", "vlan", "show", "dev", "veth-nl0"], { encoding: "utf8" })) as PortVlans[];
    expect(each[0]!.vlans.map((v) => v.vlan)).toEqual([10, 20, 21, 22]);
    expect(all.find((p) => p.ifname === "br-nl")!.vlans.map((v) => v.vlan)).toContain(10);
  });

  it("createDummy: mtu -> a dummy link with that mtu", () => {
    expect(out.dummy).toBe("created");
    const [d] = ipJson<IpLink[]>(NS, ["link", "show", "dum-nl"]);
    expect(d!.linkinfo?.info_kind).toBe("dummy");
    expect(d!.mtu).toBe(1300);
  });
});
