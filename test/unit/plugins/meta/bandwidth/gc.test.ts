// bandwidth GC over fake deps: the ifb of an attachment that is not valid goes, a valid one's stays;
// another network's ifb, an untagged ifb and a tagged ifb without the bwp prefix are never touched.
import { describe, expect, it } from "vitest";
import { cmdAdd } from "../../../../../plugins/meta/bandwidth/add.ts";
import { ifbTag } from "../../../../../plugins/meta/bandwidth/config.ts";
import { cmdGc } from "../../../../../plugins/meta/bandwidth/gc.ts";
import type { Result } from "../../../../../shared/cni/types.ts";
import { bandwidthFakes } from "../../../fakes/bandwidth.ts";
import { cmdContext, gcContext } from "../../../fakes/context.ts";

const PREV: Result = { cniVersion: "1.1.0", interfaces: [{ name: "veth1" }, { name: "eth0", sandbox: "/run/netns/pod1" }] };
const EGRESS = { type: "bandwidth", egressRate: 2_000_000, egressBurst: 200_000 };

async function added() {
  const f = bandwidthFakes();
  await cmdAdd(cmdContext({ ...EGRESS, prevResult: PREV }), f.deps);
  const [name, alias] = [...f.net.ifbs][0]!;
  return { f, name, alias };
}

describe("bandwidth gc", () => {
  it("add: the ifb's alias is the attachment's tag (network, container ID, ifname)", async () => {
    const { alias } = await added();
    expect(alias).toBe(ifbTag("net1", { containerId: "ctr1", ifname: "eth0" }));
    expect(alias).toMatch(/^[0-9a-f]{16}-[0-9a-f]{16}, net: net1, if: eth0, id: ctr1$/);
  });

  it("gc: attachment not in the valid list -> its ifb deleted", async () => {
    const { f, name } = await added();
    await cmdGc(gcContext(EGRESS, [{ containerID: "other", ifname: "eth0" }]), f.deps);
    expect(f.net.ifbs.has(name)).toBe(false);
  });

  it("gc: attachment valid -> its ifb kept (same container ID, other ifname is not the same attachment)", async () => {
    const { f, name } = await added();
    await cmdGc(gcContext(EGRESS, [{ containerID: "ctr1", ifname: "eth0" }]), f.deps);
    expect(f.net.ifbs.has(name)).toBe(true);
    await cmdGc(gcContext(EGRESS, [{ containerID: "ctr1", ifname: "eth1" }]), f.deps);
    expect(f.net.ifbs.has(name)).toBe(false);
  });

  it("gc: another network's ifb, an untagged ifb, a foreign alias, a non-bwp ifb -> all kept", async () => {
    const { f, name } = await added();
    f.net.ifbs.set("bwpuntagged", undefined);
    f.net.ifbs.set("bwpforeign", "an operator's note");
    f.net.ifbs.set("ifb0", ifbTag("net1", { containerId: "x", ifname: "eth0" }));
    await cmdGc(gcContext({ ...EGRESS, name: "net2" }, []), f.deps);
    expect(f.net.ifbs.has(name)).toBe(true);
    await cmdGc(gcContext(EGRESS, []), f.deps);
    expect([...f.net.ifbs.keys()].sort()).toEqual(["bwpforeign", "bwpuntagged", "ifb0"]);
  });

  it("gc: long container ID and an ifname with non-ASCII, quote and backslash -> tag fits, matched exactly", async () => {
    const f = bandwidthFakes();
    const containerId = "c".repeat(300);
    const ifname = 'é"\\x';
    await cmdAdd(cmdContext({ ...EGRESS, prevResult: PREV }, { containerId, ifname }), f.deps);
    const [name, alias] = [...f.net.ifbs][0]!;
    expect(new TextEncoder().encode(alias!).length).toBeLessThanOrEqual(128);
    await cmdGc(gcContext(EGRESS, [{ containerID: containerId, ifname }]), f.deps);
    expect(f.net.ifbs.has(name)).toBe(true);
    await cmdGc(gcContext(EGRESS, []), f.deps);
    expect(f.net.ifbs.has(name)).toBe(false);
  });
});
