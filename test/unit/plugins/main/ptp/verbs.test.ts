// ptp ADD/DEL in-process over fake deps: the order of the steps, and rollback: a failure injected at
// EVERY step of ADD leaves no veth, no IP, no masquerade rule behind.
import { describe, expect, it } from "vitest";
import { add } from "../../../../../plugins/main/ptp/add.ts";
import { del } from "../../../../../plugins/main/ptp/del.ts";
import { InjectedFailure } from "../../../fakes/steps.ts";
import { cmdContext } from "../../../fakes/context.ts";
import { podFakes, V4 } from "../../../fakes/pod.ts";

const FULL = { type: "ptp", ipMasq: true, ipam: { type: "host-local", subnet: "10.88.0.0/16" } };

const ADD_STEPS = [
  "net.open", "ipam.add", "net.enableForwarding4", "net.enableForwarding6", "net.createVeth", "net.configureContainer",
  "net.settleAddresses", "net.routeThroughGateway", "net.configureHostSide", "firewall.setupIPMasq",
];

describe("ptp verbs over fake deps", () => {
  it("add: dual stack with ipMasq -> the steps in order; veth, IPs and masquerade held; result points the IPs at the container", async () => {
    const f = podFakes();
    const r = await add(cmdContext(FULL), f.deps);
    expect(f.steps.names).toEqual(ADD_STEPS);
    expect([...f.net.veths.keys()]).toEqual(["eth0"]);
    expect([...f.ipam.held.keys()]).toEqual(["ctr1/eth0"]);
    expect([...f.firewall.masq.values()]).toEqual([["10.88.0.5/16", "fd88::5/64"]]);
    expect(r.interfaces?.map((i) => i.name)).toEqual(["veth10", "eth0"]);
    expect(r.ips?.map((i) => i.interface)).toEqual([1, 1]);
  });

  it.each(ADD_STEPS.map((s, i) => [i, s] as const))("add: failure at step %i (%s) -> the error surfaces, nothing pod-owned left", async (i, step) => {
    const f = podFakes({ failAt: i });
    await expect(add(cmdContext(FULL), f.deps)).rejects.toThrow(InjectedFailure);
    expect(f.steps.names.slice(0, i)).toEqual(ADD_STEPS.slice(0, i));
    expect({ veths: [...f.net.veths.keys()], ips: [...f.ipam.held.keys()], masq: [...f.firewall.masq.keys()] }, `after a failure at ${step}`)
      .toEqual({ veths: [], ips: [], masq: [] });
    expect(f.empty()).toBe(true);
  });

  it("add: IPAM gives no gateway -> error before any interface exists, IP released", async () => {
    const f = podFakes({ ips: [{ address: V4.address }] });
    await expect(add(cmdContext(FULL), f.deps)).rejects.toThrow(/needs a gateway/);
    expect(f.steps.names).toEqual(["net.open", "ipam.add", "ipam.del"]);
    expect(f.empty()).toBe(true);
  });

  it("add: v4 only, no ipMasq -> no IPv6 settle, no firewall call", async () => {
    const f = podFakes({ ips: [V4] });
    await add(cmdContext({ ...FULL, ipMasq: false }), f.deps);
    expect(f.steps.names).toEqual(["net.open", "ipam.add", "net.enableForwarding4", "net.createVeth", "net.configureContainer", "net.routeThroughGateway", "net.configureHostSide"]);
  });

  it("del: after add -> container interface, IP, masquerade and legacy iptables removed; netns already gone -> still all steps", async () => {
    const f = podFakes();
    await add(cmdContext(FULL), f.deps);
    const from = f.steps.names.length;
    await del(cmdContext(FULL, { verb: "DEL", netns: "" }), f.deps);
    expect(f.steps.names.slice(from)).toEqual(["ipam.del", "deleteContainerIface", "firewall.teardownIPMasq", "firewall.teardownLegacyIPMasq"]);
    expect(f.ipam.held.size).toBe(0);
    expect(f.firewall.empty()).toBe(true);
  });
});
