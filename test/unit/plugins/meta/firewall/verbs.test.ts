import { describe, expect, it } from "vitest";
import type { Result } from "../../../../../shared/cni/types.ts";
import { cmdAdd } from "../../../../../plugins/meta/firewall/add.ts";
import { cmdCheck } from "../../../../../plugins/meta/firewall/check.ts";
import { cmdDel } from "../../../../../plugins/meta/firewall/del.ts";
import type { FirewallDeps } from "../../../../../plugins/meta/firewall/deps.ts";
import { cmdGc } from "../../../../../plugins/meta/firewall/gc.ts";
import { cmdContext, gcContext } from "../../../fakes/context.ts";
import { FakeFirewall, injected } from "../../../fakes/firewall.ts";

const PREV: Result = {
  cniVersion: "1.1.0",
  interfaces: [{ name: "cni0" }, { name: "veth1" }, { name: "eth0", sandbox: "/run/netns/p" }],
  ips: [{ address: "10.88.0.5/16", interface: 2 }, { address: "fd00::5/64", interface: 2 }],
};

function fakeDeps() {
  const firewall = new FakeFirewall();
  const deps: FirewallDeps = { firewall, log: (l) => void firewall.calls.push(`log ${l}`) };
  return { firewall, deps };
}

/** `prev` null: no prevResult at all. */
const ctx = (keys: Record<string, unknown> = {}, prev: Result | null = PREV) =>
  cmdContext({ type: "firewall", ...keys, ...(prev ? { prevResult: prev } : {}) });

describe("firewall verbs (fake firewall)", () => {
  it("add: forward rules for every prevResult address, prevResult returned unchanged", async () => {
    const { firewall, deps } = fakeDeps();
    expect(await cmdAdd(ctx(), deps)).toEqual(PREV);
    expect(firewall.calls).toEqual(["setupForward ctr1 net1 10.88.0.5,fd00::5 CNI-ADMIN"]);
  });

  it("add: ingressPolicy same-bridge -> isolation for prevResult.interfaces[0] (the bridge), both families", async () => {
    const { firewall, deps } = fakeDeps();
    await cmdAdd(ctx({ ingressPolicy: "same-bridge", iptablesAdminChainName: "OPS" }), deps);
    expect(firewall.calls).toEqual(["setupForward ctr1 net1 10.88.0.5,fd00::5 OPS", "setupIngressPolicy net1 cni0 same-bridge ip,ip6"]);
  });

  it("add: ingressPolicy without interfaces in prevResult -> error 7 before any rule", async () => {
    const { firewall, deps } = fakeDeps();
    await expect(cmdAdd(ctx({ ingressPolicy: "isolated" }, { cniVersion: "1.1.0", ips: PREV.ips }), deps)).rejects.toMatchObject({ code: 7 });
    expect(firewall.calls).toEqual([]);
  });

  it("add: no prevResult -> error 7", async () => {
    await expect(cmdAdd(ctx({}, null), fakeDeps().deps)).rejects.toMatchObject({ code: 7 });
  });

  it("add: ingress policy fails -> the container's forward rules are removed again", async () => {
    const { firewall, deps } = fakeDeps();
    firewall.failWith.set("setupIngressPolicy", injected("ingress"));
    await expect(cmdAdd(ctx({ ingressPolicy: "same-bridge" }), deps)).rejects.toThrow(/ingress/);
    expect(firewall.empty()).toBe(true);
    expect(firewall.calls).toContain("teardownForward ctr1 net1 10.88.0.5,fd00::5");
  });

  it("del: removes by container and prevResult addresses; without prevResult still by container; twice is fine", async () => {
    const { firewall, deps } = fakeDeps();
    await cmdAdd(ctx(), deps);
    cmdDel(ctx(), deps);
    cmdDel(ctx({}, null), deps);
    expect(firewall.calls.slice(1)).toEqual(["teardownForward ctr1 net1 10.88.0.5,fd00::5", "teardownForward ctr1 net1 "]);
    expect(firewall.empty()).toBe(true);
  });

  it("del: firewalld backend or unknown ingressPolicy never fails a DEL", () => {
    const { firewall, deps } = fakeDeps();
    cmdDel(ctx({ backend: "firewalld" }), deps);
    cmdDel(ctx({ ingressPolicy: "bogus" }), deps);
    expect(firewall.calls.filter((c) => c.startsWith("teardownForward"))).toHaveLength(1);
  });

  it("check: present -> ok; after del -> FirewallCheckError; no prevResult -> error 7", async () => {
    const { deps } = fakeDeps();
    await cmdAdd(ctx(), deps);
    expect(() => cmdCheck(ctx(), deps)).not.toThrow();
    cmdDel(ctx(), deps);
    expect(() => cmdCheck(ctx(), deps)).toThrow(/missing/);
    expect(() => cmdCheck(ctx({}, null), deps)).toThrow(expect.objectContaining({ code: 7 }));
  });

  it("gc: valid attachments' container IDs reach the driver", () => {
    const { firewall, deps } = fakeDeps();
    cmdGc(gcContext({ type: "firewall" }, [{ containerID: "a", ifname: "eth0" }, { containerID: "b", ifname: "eth0" }]), deps);
    expect(firewall.calls).toEqual(["gcForward net1 a,b"]);
  });
});
