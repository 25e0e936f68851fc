// vrf ADD/DEL/CHECK in-process over a fake pod: create or join, what is kept across the enslave,
// rollback at every step, and DEL deleting the VRF with its last interface.
import { describe, expect, it } from "vitest";
import { cmdAdd } from "../../../../../plugins/meta/vrf/add.ts";
import { cmdCheck } from "../../../../../plugins/meta/vrf/check.ts";
import { freeTable, parseVrfConfig } from "../../../../../plugins/meta/vrf/config.ts";
import { cmdDel } from "../../../../../plugins/meta/vrf/del.ts";
import type { PodLinkInfo, PodVrf, SavedAddress, VrfDeps } from "../../../../../plugins/meta/vrf/deps.ts";
import { buildNetConf } from "../../../../../shared/cni/config.ts";
import type { Result } from "../../../../../shared/cni/types.ts";
import type { Route } from "../../../../../shared/netlink/codec/route.ts";
import { expectCniError } from "../../../cni-error.ts";
import { cmdContext } from "../../../fakes/context.ts";
import { InjectedFailure, StepLog } from "../../../fakes/steps.ts";

interface FakeLink {
  ifindex: number;
  kind?: string;
  vrfTable?: number;
  master?: number;
  v6: SavedAddress[];
}

const ROUTE: Route = { family: 2, dstLen: 0, srcLen: 0, tos: 0, table: 254, protocol: 3, scope: 0, type: 1, flags: 0, oif: 2, gateway: "10.1.0.1" };

class FakePod implements PodVrf {
  links = new Map<string, FakeLink>([["eth0", { ifindex: 2, v6: [{ cidr: "fd00::5/64", nodad: true }] }]]);
  routes: Route[] = [ROUTE];
  next = 10;
  closed = 0;
  constructor(private readonly steps: StepLog) {}
  private byIndex(i: number) {
    return [...this.links.entries()].find(([, l]) => l.ifindex === i);
  }
  link(name: string): PodLinkInfo | undefined {
    const l = this.links.get(name);
    return l && { ifindex: l.ifindex, kind: l.kind, vrfTable: l.vrfTable, master: l.master };
  }
  linkName(i: number) {
    return this.byIndex(i)?.[0];
  }
  usedTables() {
    return new Set([1, 254, 255]);
  }
  createVrf(name: string, table: number): PodLinkInfo {
    this.steps.enter(`createVrf ${name} ${table}`);
    this.links.set(name, { ifindex: this.next++, kind: "vrf", vrfTable: table, v6: [] });
    return this.link(name)!;
  }
  deleteLink(i: number) {
    this.links.delete(this.byIndex(i)![0]);
  }
  globalV6(i: number) {
    return [...this.byIndex(i)![1].v6];
  }
  universeRoutes(i: number) {
    return this.routes.filter((r) => r.oif === i && r.table === 254);
  }
  setMaster(i: number, master: number) {
    this.steps.enter(`setMaster ${i} ${master}`);
    const l = this.byIndex(i)![1];
    l.master = master;
    l.v6 = []; // the kernel cycles the link: IPv6 addresses and routes go
    this.routes = this.routes.filter((r) => r.oif !== i);
  }
  releaseMaster(i: number) {
    const l = this.byIndex(i)![1];
    l.master = undefined;
    l.v6 = [];
    this.routes = this.routes.filter((r) => r.oif !== i);
  }
  addAddress(i: number, a: SavedAddress) {
    this.steps.enter(`addAddress ${a.cidr}`);
    this.byIndex(i)![1].v6.push(a);
  }
  hasRouteTo() {
    return true;
  }
  copyRoute(rt: Route, table: number) {
    this.steps.enter(`copyRoute ${table}`);
    this.routes.push({ ...rt, table });
  }
  slaveCount(master: number) {
    return [...this.links.values()].filter((l) => l.master === master).length;
  }
  close() {
    this.closed++;
  }
}

function fakes(failAt?: number) {
  const steps = new StepLog(failAt);
  const pod = new FakePod(steps);
  const deps: VrfDeps = { openPod: () => pod, openExistingPod: () => pod, sleep: () => {}, log: () => {} };
  return { steps, pod, deps };
}

const PREV: Result = { cniVersion: "1.1.0", interfaces: [{ name: "eth0" }], ips: [{ address: "10.1.0.5/24", interface: 0 }] };
const CONF = { type: "vrf", vrfname: "blue", prevResult: PREV };
const ADD_STEPS = ["createVrf blue 2", "setMaster 2 10", "addAddress fd00::5/64", "copyRoute 2"];

describe("vrf config", () => {
  it("vrfname required and a valid interface name; table 0..2^32-1; free table = lowest unused >= 1", () => {
    const conf = (raw: Record<string, unknown>) => buildNetConf({ cniVersion: "1.0.0", name: "n", type: "vrf", ...raw }, "1.0.0");
    expect(parseVrfConfig(conf({ vrfName: "blue", Table: 7 }))).toEqual({ vrfName: "blue", table: 7 });
    expectCniError(() => parseVrfConfig(conf({})), 7, /valid vrf name/);
    expectCniError(() => parseVrfConfig(conf({ vrfname: "a/b" })), 7, /vrfname/);
    expectCniError(() => parseVrfConfig(conf({ vrfname: "b", table: -1 })), 7, /table/);
    expect(freeTable(new Set([1, 2, 4]))).toBe(3);
  });
});

describe("vrf verbs over a fake pod", () => {
  it("add: VRF created in a free table, interface enslaved, its IPv6 address and routes put back in the VRF's table", async () => {
    const f = fakes();
    expect(await cmdAdd(cmdContext(CONF), f.deps)).toEqual(PREV);
    expect(f.steps.names).toEqual(ADD_STEPS);
    expect(f.pod.links.get("eth0")).toMatchObject({ master: 10, v6: [{ cidr: "fd00::5/64", nodad: true }] });
    expect(f.pod.routes).toEqual([{ ...ROUTE, table: 2 }]);
    cmdCheck(cmdContext(CONF, { verb: "CHECK" }), f.deps);
  });

  it.each(ADD_STEPS.map((s, i) => [i, s] as const))("add: failure at step %i (%s) -> no VRF, interface released with its address and routes", async (i) => {
    const f = fakes(i);
    await expect(cmdAdd(cmdContext(CONF), f.deps)).rejects.toThrow(InjectedFailure);
    expect([...f.pod.links.keys()]).toEqual(["eth0"]);
    expect(f.pod.links.get("eth0")!.master).toBeUndefined();
    expect(f.pod.links.get("eth0")!.v6).toEqual([{ cidr: "fd00::5/64", nodad: true }]);
    expect(f.pod.routes.filter((r) => r.table === 254)).toEqual([ROUTE]);
  });

  it("add: an existing VRF with another table -> error; with table 0 or the same -> joined", async () => {
    const f = fakes();
    f.pod.links.set("blue", { ifindex: 9, kind: "vrf", vrfTable: 5, v6: [] });
    await expect(cmdAdd(cmdContext({ ...CONF, table: 6 }), f.deps)).rejects.toThrow("VRF blue already exist with different routing table 5");
    await cmdAdd(cmdContext({ ...CONF, table: 5 }), f.deps);
    expect(f.pod.links.get("eth0")!.master).toBe(9);
  });

  it("add: the interface already has a master, or the name is not a VRF -> error naming it", async () => {
    const f = fakes();
    f.pod.links.set("br0", { ifindex: 7, v6: [] });
    f.pod.links.get("eth0")!.master = 7;
    await expect(cmdAdd(cmdContext(CONF), f.deps)).rejects.toThrow("interface eth0 has already a master set: br0");
    await expect(cmdAdd(cmdContext({ ...CONF, vrfname: "br0" }), f.deps)).rejects.toThrow(/br0/);
  });

  it("del: interface released; the VRF deleted with its last interface; gone VRF, interface or netns -> success", async () => {
    const f = fakes();
    await cmdAdd(cmdContext(CONF), f.deps);
    f.pod.links.set("net1", { ifindex: 3, master: 10, v6: [] });
    cmdDel(cmdContext(CONF, { verb: "DEL" }), f.deps);
    expect(f.pod.links.has("blue")).toBe(true);
    cmdDel(cmdContext(CONF, { verb: "DEL", ifname: "net1" }), f.deps);
    expect(f.pod.links.has("blue")).toBe(false);
    cmdDel(cmdContext(CONF, { verb: "DEL" }), f.deps);
    cmdDel(cmdContext(CONF, { verb: "DEL" }), { ...f.deps, openExistingPod: () => undefined });
  });

  it("check: interface not in the VRF -> error (the reference's CHECK never fails)", () => {
    const f = fakes();
    f.pod.links.set("blue", { ifindex: 9, kind: "vrf", vrfTable: 5, v6: [] });
    expect(() => cmdCheck(cmdContext(CONF, { verb: "CHECK" }), f.deps)).toThrow("Failed to find eth0 associated to vrf blue");
  });
});
