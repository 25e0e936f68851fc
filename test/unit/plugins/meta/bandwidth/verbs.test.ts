// bandwidth ADD/DEL in-process over fake deps: step order, and rollback: a failure injected at EVERY
// step of ADD leaves no tbf, ingress qdisc, redirect or ifb behind.
import { describe, expect, it } from "vitest";
import { cmdAdd } from "../../../../../plugins/meta/bandwidth/add.ts";
import { cmdDel } from "../../../../../plugins/meta/bandwidth/del.ts";
import type { Result } from "../../../../../shared/cni/types.ts";
import { bandwidthFakes } from "../../../fakes/bandwidth.ts";
import { cmdContext } from "../../../fakes/context.ts";
import { InjectedFailure } from "../../../fakes/steps.ts";

const PREV: Result = {
  cniVersion: "1.1.0",
  interfaces: [{ name: "veth1" }, { name: "eth0", sandbox: "/run/netns/pod1" }],
  ips: [{ address: "10.88.0.5/16", interface: 1 }],
};
const BOTH = { type: "bandwidth", ingressRate: 1_000_000, ingressBurst: 100_000, egressRate: 2_000_000, egressBurst: 200_000, prevResult: PREV };

const ADD_STEPS = [
  "net.open", "net.hostVeth", "net.addRootTbf veth1", "net.createIfb", "net.addIngressQdisc", "net.addRedirect", "net.addRootTbf bwp",
];

describe("bandwidth verbs over fake deps", () => {
  it("add: both directions -> tbf on the host veth, ifb with its tbf, ingress redirect; result lists the ifb", async () => {
    const f = bandwidthFakes();
    const r = await cmdAdd(cmdContext(BOTH), f.deps);
    expect(f.steps.names.map((n) => n.replace(/ bwp.*/, " bwp"))).toEqual(ADD_STEPS);
    const ifb = [...f.net.ifbs.keys()][0]!;
    expect(ifb).toMatch(/^bwp/);
    expect([...f.net.tbf.keys()]).toEqual(["veth1", ifb]);
    expect(f.net.redirects.get("veth1")).toBe(ifb);
    expect(r.interfaces?.map((i) => i.name)).toEqual(["veth1", "eth0", ifb]);
    expect(f.net.closed).toBe(1);
  });

  it.each(ADD_STEPS.map((s, i) => [i, s] as const))("add: failure at step %i (%s) -> the error surfaces, nothing left", async (i) => {
    const f = bandwidthFakes(i);
    await expect(cmdAdd(cmdContext(BOTH), f.deps)).rejects.toThrow(InjectedFailure);
    expect(f.net.empty()).toBe(true);
    expect(f.logs).toEqual([]);
  });

  it("add: nothing to shape -> prevResult passed through, the node not touched", async () => {
    const f = bandwidthFakes();
    expect(await cmdAdd(cmdContext({ type: "bandwidth", prevResult: PREV }), f.deps)).toEqual(PREV);
    expect(f.steps.names).toEqual([]);
  });

  it("del: after add -> the ifb (and its tbf) deleted; the host veth's qdiscs go with the veth", async () => {
    const f = bandwidthFakes();
    await cmdAdd(cmdContext(BOTH), f.deps);
    cmdDel(cmdContext(BOTH, { verb: "DEL" }), f.deps);
    expect(f.net.ifbs.size).toBe(0);
    expect(f.steps.names.at(-1)).toBe("net.deleteIfb");
  });
});
