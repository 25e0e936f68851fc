// bridge ADD/DEL/GC in-process over fake deps: the order of the steps, and rollback: a failure
// injected at EVERY step of ADD leaves no veth, no IP, no firewall entry behind.
import { describe, expect, it } from "vitest";
import { add } from "../../../../../plugins/main/bridge/add.ts";
import { del } from "../../../../../plugins/main/bridge/del.ts";
import { gc } from "../../../../../plugins/main/bridge/gc.ts";
import { StepErrors } from "../../../../../shared/cni/errors.ts";
import { InjectedFailure } from "../../../fakes/steps.ts";
import { cmdContext, gcContext } from "../../../fakes/context.ts";
import { podFakes } from "../../../fakes/pod.ts";

const FULL = {
  type: "bridge", bridge: "cni0", isGateway: true, ipMasq: true, macspoofchk: true, enabledad: true,
  ipam: { type: "host-local", subnet: "10.88.0.0/16" },
};

const ADD_STEPS = [
  "net.open", "net.ensureBridge", "net.createVeth", "net.attachPort", "firewall.setupSpoofCheck", "ipam.add",
  "net.configureContainer", "net.settleAddresses", "net.addGateways", "firewall.setupIPMasq", "net.portUp", "net.bridge",
];

describe("bridge verbs over fake deps", () => {
  it("add: every option -> the steps in order, the veth, the IP and both firewall entries held; result names them", async () => {
    const f = podFakes();
    const r = await add(cmdContext(FULL), f.deps);
    expect(f.steps.names).toEqual(ADD_STEPS);
    expect([...f.net.veths.keys()]).toEqual(["eth0"]);
    expect([...f.ipam.held.keys()]).toEqual(["ctr1/eth0"]);
    expect([...f.firewall.masq.keys()]).toEqual(["net1 eth0 ctr1"]);
    expect([...f.firewall.spoof.keys()]).toEqual(["ctr1-eth0"]);
    expect(r.interfaces?.map((i) => i.name)).toEqual(["cni0", "veth10", "eth0"]);
    expect(r.ips?.map((i) => [i.address, i.interface])).toEqual([["10.88.0.5/16", 2], ["fd88::5/64", 2]]);
    expect(f.net.closed).toBe(1);
  });

  it.each(ADD_STEPS.map((s, i) => [i, s] as const))("add: failure at step %i (%s) -> the error surfaces, nothing pod-owned left", async (i, step) => {
    const f = podFakes({ failAt: i });
    await expect(add(cmdContext(FULL), f.deps)).rejects.toThrow(InjectedFailure);
    expect(f.steps.names.slice(0, i)).toEqual(ADD_STEPS.slice(0, i));
    expect({ veths: [...f.net.veths.keys()], ips: [...f.ipam.held.keys()], masq: [...f.firewall.masq.keys()], spoof: [...f.firewall.spoof.keys()] },
      `after a failure at ${step}`).toEqual({ veths: [], ips: [], masq: [], spoof: [] });
    expect(f.empty()).toBe(true);
    expect(f.logs).toEqual([]);
  });

  it("add: rollback step fails too -> the original error first, then the failed inverse (also logged); the other inverses still run", async () => {
    const f = podFakes({ failAt: ADD_STEPS.indexOf("net.portUp") });
    f.firewall.failWith.set("teardownIPMasq", new Error("nft: EBUSY"));
    const e = await add(cmdContext(FULL), f.deps).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(StepErrors);
    expect((e as StepErrors).failures.map((x) => x.cause)).toEqual([expect.any(InjectedFailure), expect.objectContaining({ message: "nft: EBUSY" })]);
    expect(f.logs).toEqual(["rollback: remove masquerade rules: nft: EBUSY"]);
    expect([...f.net.veths.keys(), ...f.ipam.held.keys(), ...f.firewall.spoof.keys()]).toEqual([]);
  });

  it("add: L2 only (no ipam), no firewall options -> no IPAM, no firewall call", async () => {
    const f = podFakes();
    await add(cmdContext({ type: "bridge", bridge: "cni0" }), f.deps);
    expect(f.steps.names).toEqual(["net.open", "net.ensureBridge", "net.createVeth", "net.attachPort", "net.portUp", "net.bridge"]);
  });

  it("del: after add -> container interface, IP, macspoofchk, masquerade and legacy iptables removed; fakes empty", async () => {
    const f = podFakes();
    await add(cmdContext(FULL), f.deps);
    const from = f.steps.names.length;
    await del(cmdContext(FULL, { verb: "DEL" }), f.deps);
    expect(f.steps.names.slice(from)).toEqual([
      "ipam.del", "deleteContainerIface", "firewall.teardownSpoofCheck", "firewall.teardownIPMasq", "firewall.teardownLegacyIPMasq",
    ]);
    expect(f.net.veths.size + f.ipam.held.size).toBe(0);
    expect(f.firewall.empty()).toBe(true);
  });

  it("del: a step fails -> the later steps still run, the failure is reported", async () => {
    const f = podFakes();
    await add(cmdContext(FULL), f.deps);
    f.firewall.failWith.set("teardownSpoofCheck", new Error("nft: EPERM"));
    await expect(del(cmdContext(FULL, { verb: "DEL" }), f.deps)).rejects.toThrow(/EPERM/);
    expect(f.ipam.held.size).toBe(0);
    expect(f.firewall.masq.size).toBe(0);
  });

  it("gc: this network's macspoofchk entry not valid -> removed (veth present or not); valid, or another network's GC -> kept", async () => {
    const f = podFakes();
    await add(cmdContext(FULL), f.deps);
    await gc(gcContext(FULL, [{ containerID: "ctr1", ifname: "eth0" }]), f.deps);
    await gc(gcContext({ ...FULL, name: "net2" }, []), f.deps);
    expect([...f.firewall.spoof.keys()]).toEqual(["ctr1-eth0"]);
    await gc(gcContext(FULL, []), f.deps);
    expect(f.firewall.spoof.size).toBe(0);
    expect(f.firewall.masq.size).toBe(0);
  });

  it("gc: an entry of the earlier naming (no network) not valid here -> removed only once its host veth is gone", async () => {
    const f = podFakes();
    await add(cmdContext(FULL), f.deps);
    const entry = f.firewall.spoof.get("ctr1-eth0")!;
    f.firewall.spoof.set("ctr1-eth0", { ...entry, network: undefined as unknown as string });
    await gc(gcContext(FULL, []), f.deps);
    expect([...f.firewall.spoof.keys()]).toEqual(["ctr1-eth0"]); // veth still there: maybe another network's
    f.net.veths.clear();
    await gc(gcContext(FULL, []), f.deps);
    expect(f.firewall.spoof.size).toBe(0);
  });
});
