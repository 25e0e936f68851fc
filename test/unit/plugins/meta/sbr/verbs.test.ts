// sbr ADD/DEL in-process over a fake pod: the steps, and rollback (a failure injected at EVERY step of
// ADD leaves the pod's rules and routes as they were).
import { describe, expect, it } from "vitest";
import { cmdAdd } from "../../../../../plugins/meta/sbr/add.ts";
import { cmdDel } from "../../../../../plugins/meta/sbr/del.ts";
import type { PodRouting, SbrDeps } from "../../../../../plugins/meta/sbr/deps.ts";
import type { Result } from "../../../../../shared/cni/types.ts";
import type { Route } from "../../../../../shared/netlink/codec/route.ts";
import type { Rule } from "../../../../../shared/netlink/codec/rule.ts";
import { cmdContext } from "../../../fakes/context.ts";
import { InjectedFailure, StepLog } from "../../../fakes/steps.ts";

const route = (over: Partial<Route>): Route => ({ family: 2, dstLen: 0, srcLen: 0, tos: 0, table: 254, protocol: 3, scope: 0, type: 1, flags: 0, oif: 2, ...over });
const key = (rt: Route) => `${rt.table} ${rt.dst ?? "default"}/${rt.dstLen} ${rt.gateway ?? ""}`;

class FakePod implements PodRouting {
  rulesNow: Rule[] = [{ family: 2, dstLen: 0, srcLen: 0, tos: 0, table: 254, action: 1, flags: 0, priority: 32766 }];
  routes = new Map<string, Route>();
  closed = 0;
  constructor(private readonly steps: StepLog, routes: Route[]) {
    for (const r of routes) this.routes.set(key(r), r);
  }
  linkIndex(ifname: string) {
    return ifname === "eth0" ? 2 : undefined;
  }
  usedTables() {
    return new Set([...this.rulesNow.map((r) => r.table), ...[...this.routes.values()].map((r) => r.table)]);
  }
  mainRoutes() {
    return [...this.routes.values()].filter((r) => r.table === 254);
  }
  addresses() {
    return ["10.1.0.5"];
  }
  rules(table?: number) {
    return this.rulesNow.filter((r) => table === undefined || r.table === table);
  }
  addRule(src: string, table: number) {
    this.steps.enter(`addRule ${src} ${table}`);
    this.rulesNow.push({ family: 2, dstLen: 0, srcLen: 32, tos: 0, table, action: 1, flags: 0, src: src.split("/")[0], priority: 32765 });
  }
  removeRule(src: string, table: number) {
    this.rulesNow = this.rulesNow.filter((r) => !(r.src === src.split("/")[0] && r.table === table));
  }
  deleteRule(rule: Rule) {
    this.steps.enter(`deleteRule ${rule.src} ${rule.table}`);
    this.rulesNow = this.rulesNow.filter((r) => r !== rule);
  }
  addDefaultRoute(_: number, gw: string, table: number) {
    this.steps.enter(`addDefault ${gw} ${table}`);
    const rt = route({ gateway: gw, table });
    this.routes.set(key(rt), rt);
  }
  removeDefaultRoute(_: number, gw: string, table: number) {
    this.routes.delete(key(route({ gateway: gw, table })));
  }
  copyRoute(rt: Route, table: number) {
    this.steps.enter(`copy ${key(rt)} -> ${table}`);
    const c = { ...rt, table };
    this.routes.set(key(c), c);
  }
  removeRoute(rt: Route) {
    if (rt.table === 254) this.steps.enter(`remove ${key(rt)}`);
    this.routes.delete(key(rt));
  }
  close() {
    this.closed++;
  }
}

const SUBNET = route({ dst: "10.1.0.0", dstLen: 24, prefsrc: "10.1.0.5", scope: 253 });
const DEFAULT = route({ gateway: "10.1.0.1" });
const PREV: Result = { cniVersion: "1.1.0", interfaces: [{ name: "eth0" }], ips: [{ address: "10.1.0.5/24", gateway: "10.1.0.1", interface: 0 }] };

function fakes(failAt?: number) {
  const steps = new StepLog(failAt);
  const pod = new FakePod(steps, [SUBNET, DEFAULT]);
  const deps: SbrDeps = { openPod: () => pod, openExistingPod: () => pod, log: () => {} };
  return { steps, pod, deps };
}

const ADD_STEPS = [
  "addRule 10.1.0.5/32 100",
  "addDefault 10.1.0.1 100",
  "copy 254 10.1.0.0/24  -> 100",
  "copy 254 default/0 10.1.0.1 -> 100",
  "remove 254 10.1.0.0/24 ",
  "remove 254 default/0 10.1.0.1",
];

describe("sbr verbs over a fake pod", () => {
  it("add: rule, default route, copies into table 100, then the main table emptied; result = prevResult", async () => {
    const f = fakes();
    expect(await cmdAdd(cmdContext({ type: "sbr", prevResult: PREV }), f.deps)).toEqual(PREV);
    expect(f.steps.names).toEqual(ADD_STEPS);
    expect([...f.pod.routes.keys()].sort()).toEqual(["100 10.1.0.0/24 ", "100 default/0 10.1.0.1"]);
    expect(f.pod.closed).toBe(1);
  });

  it.each(ADD_STEPS.map((s, i) => [i, s] as const))("add: failure at step %i (%s) -> rules and routes as before", async (i) => {
    const f = fakes(i);
    const before = [...f.pod.routes.keys()].sort();
    await expect(cmdAdd(cmdContext({ type: "sbr", prevResult: PREV }), f.deps)).rejects.toThrow(InjectedFailure);
    expect([...f.pod.routes.keys()].sort()).toEqual(before);
    expect(f.pod.rulesNow.map((r) => r.table)).toEqual([254]);
  });

  it("add with table: only the rule, routes untouched", async () => {
    const f = fakes();
    await cmdAdd(cmdContext({ type: "sbr", table: 500, prevResult: PREV }), f.deps);
    expect(f.steps.names).toEqual(["addRule 10.1.0.5/32 500"]);
  });

  it("add: no prevResult -> error 7", async () => {
    await expect(cmdAdd(cmdContext({ type: "sbr" }), fakes().deps)).rejects.toMatchObject({ code: 7 });
  });

  it("del: rules whose source is on the link deleted (any table, or only `table`'s)", async () => {
    const f = fakes();
    await cmdAdd(cmdContext({ type: "sbr", prevResult: PREV }), f.deps);
    await cmdDel(cmdContext({ type: "sbr", table: 7 }, { verb: "DEL" }), f.deps);
    expect(f.pod.rulesNow).toHaveLength(2);
    await cmdDel(cmdContext({ type: "sbr" }, { verb: "DEL" }), f.deps);
    expect(f.pod.rulesNow.map((r) => r.table)).toEqual([254]);
  });

  it("del: no netns, netns gone, link gone -> success", async () => {
    const f = fakes();
    await cmdDel(cmdContext({ type: "sbr" }, { verb: "DEL", netns: "" }), f.deps);
    await cmdDel(cmdContext({ type: "sbr" }, { verb: "DEL" }), { ...f.deps, openExistingPod: () => undefined });
    await cmdDel(cmdContext({ type: "sbr" }, { verb: "DEL", ifname: "gone0" }), f.deps);
    expect(f.steps.names).toEqual([]);
  });
});
