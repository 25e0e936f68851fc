import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CACHE_KIND, cacheFilePath, decodeCache, encodeCache, listCached } from "../../../../cmd/run/cache.ts";
import { parseConfList } from "../../../../cmd/run/conflist.ts";
import { addList, checkList, delList, gcList, statusList, type Invocation, type RuntimeConf } from "../../../../cmd/run/runner.ts";
import { CniError, internalError, invalidConfig, pluginNotAvailable } from "../../../../shared/cni/errors.ts";

const LIST = {
  cniVersion: "1.1.0",
  name: "net1",
  plugins: [{ type: "a" }, { type: "b", capabilities: { portMappings: true } }, { type: "c" }],
};
const list = (over: Record<string, unknown> = {}) => parseConfList(new TextEncoder().encode(JSON.stringify({ ...LIST, ...over })));
const rt = (over: Partial<RuntimeConf> = {}): RuntimeConf => ({
  containerId: "c1", netns: "/run/netns/p", ifName: "eth0", cniArgs: [["K", "V"]], capabilityArgs: { portMappings: [{ hostPort: 1 }] }, ...over,
});

/** A fake plugin set: each ADD appends its type to interfaces, so the chaining is visible. */
function fake() {
  const calls: Invocation[] = [];
  const invoke = (inv: Invocation): unknown => {
    calls.push(inv);
    if (inv.verb !== "ADD") return undefined;
    const prev = (inv.stdin.prevResult as { interfaces?: unknown[] } | undefined)?.interfaces ?? [];
    return { cniVersion: "1.1.0", interfaces: [...prev, { name: String(inv.stdin.type) }], ips: [] };
  };
  return { calls, invoke };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tscni-run-unit-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("runner", () => {
  it("add: plugins in order, each gets the previous result; final result cached in libcni's format", () => {
    const f = fake();
    const res = addList(list(), rt(), { invoke: f.invoke, cacheDir: dir }) as { interfaces: unknown[] };
    expect(f.calls.map((c) => [c.verb, c.stdin.type])).toEqual([["ADD", "a"], ["ADD", "b"], ["ADD", "c"]]);
    expect(f.calls[0]!.stdin).not.toHaveProperty("prevResult");
    expect(f.calls[1]!.stdin.prevResult).toEqual({ cniVersion: "1.1.0", interfaces: [{ name: "a" }], ips: [] });
    expect(f.calls[1]!.stdin.runtimeConfig).toEqual({ portMappings: [{ hostPort: 1 }] });
    expect(f.calls[2]!.stdin).not.toHaveProperty("runtimeConfig");
    expect(res.interfaces).toEqual([{ name: "a" }, { name: "b" }, { name: "c" }]);
    const file = JSON.parse(readFileSync(cacheFilePath(dir, "net1", "c1", "eth0"), "utf8"));
    expect(Object.keys(file)).toEqual(["kind", "containerId", "config", "ifName", "networkName", "netns", "cniArgs", "capabilityArgs", "result"]);
    expect(file).toMatchObject({ kind: CACHE_KIND, containerId: "c1", ifName: "eth0", networkName: "net1", netns: "/run/netns/p", cniArgs: [["K", "V"]], result: res });
    expect(JSON.parse(Buffer.from(file.config, "base64").toString())).toEqual(LIST);
    expect(readdirSync(join(dir, "results"))).toEqual(["net1-c1-eth0"]);
  });

  it("add: a plugin fails -> error propagates, later plugins not run, nothing cached", () => {
    const f = fake();
    const invoke = (inv: Invocation) => {
      if (inv.stdin.type === "b") throw invalidConfig("bad");
      return f.invoke(inv);
    };
    expect(() => addList(list(), rt(), { invoke, cacheDir: dir })).toThrow("bad");
    expect(f.calls.map((c) => c.stdin.type)).toEqual(["a"]);
    expect(listCached(dir)).toEqual([]);
  });

  it("add: invalid container ID or ifname -> refused before any plugin runs", () => {
    const f = fake();
    expect(() => addList(list(), rt({ containerId: "-bad" }), { invoke: f.invoke, cacheDir: dir })).toThrow(CniError);
    expect(() => addList(list(), rt({ ifName: "a/b" }), { invoke: f.invoke, cacheDir: dir })).toThrow(CniError);
    expect(f.calls).toEqual([]);
  });

  it("del: reverse order with the cached result as prevResult, cache entry removed", () => {
    const f = fake();
    const deps = { invoke: f.invoke, cacheDir: dir };
    const res = addList(list(), rt(), deps);
    f.calls.length = 0;
    delList(list(), rt({ netns: "" }), deps);
    expect(f.calls.map((c) => [c.verb, c.stdin.type])).toEqual([["DEL", "c"], ["DEL", "b"], ["DEL", "a"]]);
    const interfaces = (res as { interfaces: unknown[] }).interfaces;
    expect(f.calls.every((c) => JSON.stringify((c.stdin.prevResult as { interfaces: unknown }).interfaces) === JSON.stringify(interfaces))).toBe(true);
    expect(f.calls[0]!.rt?.netns).toBe("");
    expect(listCached(dir)).toEqual([]);
  });

  it("del: nothing cached -> every plugin still called, without prevResult", () => {
    const f = fake();
    delList(list(), rt(), { invoke: f.invoke, cacheDir: dir });
    expect(f.calls).toHaveLength(3);
    expect(f.calls.some((c) => "prevResult" in c.stdin)).toBe(false);
  });

  it("del: cached result converted to the list's version (a 0.4.0 list)", () => {
    const f = fake();
    const deps = { invoke: f.invoke, cacheDir: dir };
    const l = list({ cniVersion: "0.4.0" });
    mkdirSync(join(dir, "results"), { recursive: true });
    const cached = { cniVersion: "1.0.0", interfaces: [{ name: "eth0" }], ips: [{ address: "10.0.0.2/24", interface: 0 }] };
    writeFileSync(cacheFilePath(dir, "net1", "c1", "eth0"), encodeCache({ ...rt(), networkName: "net1", config: new Uint8Array(), result: cached }));
    delList(l, rt(), deps);
    expect(f.calls[0]!.stdin.prevResult).toMatchObject({ cniVersion: "0.4.0", ips: [{ version: "4", address: "10.0.0.2/24", interface: 0 }] });
  });

  it("del: a legacy cache file (bare result) -> still used as prevResult", () => {
    const f = fake();
    mkdirSync(join(dir, "results"), { recursive: true });
    writeFileSync(cacheFilePath(dir, "net1", "c1", "eth0"), JSON.stringify({ cniVersion: "1.1.0", interfaces: [{ name: "x" }] }));
    delList(list(), rt(), { invoke: f.invoke, cacheDir: dir });
    expect(f.calls[0]!.stdin.prevResult).toMatchObject({ interfaces: [{ name: "x" }] });
  });

  it("check: in order with the cached result; disableCheck -> no call; 0.3.1 list -> error", () => {
    const f = fake();
    const deps = { invoke: f.invoke, cacheDir: dir };
    const res = addList(list(), rt(), deps);
    f.calls.length = 0;
    checkList(list(), rt(), deps);
    expect(f.calls.map((c) => [c.verb, c.stdin.type])).toEqual([["CHECK", "a"], ["CHECK", "b"], ["CHECK", "c"]]);
    expect(f.calls[0]!.stdin.prevResult).toMatchObject({ cniVersion: "1.1.0", interfaces: (res as { interfaces: unknown[] }).interfaces });
    f.calls.length = 0;
    checkList(list({ disableCheck: true }), rt(), deps);
    expect(f.calls).toEqual([]);
    expect(() => checkList(list({ cniVersion: "0.3.1" }), rt(), deps)).toThrow("does not support the CHECK command");
  });

  it("gc: stale attachments of this network deleted with their cached args; valid and other networks kept; then GC per plugin", () => {
    const f = fake();
    const deps = { invoke: f.invoke, cacheDir: dir };
    addList(list(), rt({ containerId: "keep" }), deps);
    addList(list(), rt({ containerId: "stale", netns: "/ns/stale", capabilityArgs: { portMappings: [{ hostPort: 9 }] } }), deps);
    addList(list({ name: "other" }), rt({ containerId: "stale" }), deps);
    f.calls.length = 0;
    gcList(list(), [{ containerID: "keep", ifname: "eth0" }], deps);
    const dels = f.calls.filter((c) => c.verb === "DEL");
    expect(dels.map((c) => [c.rt?.containerId, c.stdin.type])).toEqual([["stale", "c"], ["stale", "b"], ["stale", "a"]]);
    expect(dels[0]!.rt?.netns).toBe("/ns/stale");
    expect(dels[1]!.stdin.runtimeConfig).toEqual({ portMappings: [{ hostPort: 9 }] });
    const gcs = f.calls.filter((c) => c.verb === "GC");
    expect(gcs.map((c) => c.stdin.type)).toEqual(["a", "b", "c"]);
    expect(gcs[0]!.stdin["cni.dev/valid-attachments"]).toEqual([{ containerID: "keep", ifname: "eth0" }]);
    expect(gcs[0]!.rt).toBeUndefined();
    expect(listCached(dir).map((c) => `${c.networkName}/${c.containerId}`)).toEqual(["net1/keep", "other/stale"]);
  });

  it("gc: a failing DEL does not stop the others or the plugin GCs; errors reported together", () => {
    const f = fake();
    const deps = { invoke: f.invoke, cacheDir: dir };
    addList(list(), rt({ containerId: "s1" }), deps);
    addList(list(), rt({ containerId: "s2" }), deps);
    f.calls.length = 0;
    const invoke = (inv: Invocation) => {
      if (inv.verb === "DEL" && inv.rt?.containerId === "s1" && inv.stdin.type === "c") throw internalError("boom");
      return f.invoke(inv);
    };
    expect(() => gcList(list(), [], { invoke, cacheDir: dir })).toThrow("boom");
    expect(f.calls.filter((c) => c.verb === "DEL").map((c) => c.rt?.containerId)).toEqual(["s2", "s2", "s2"]);
    expect(f.calls.filter((c) => c.verb === "GC")).toHaveLength(3);
    expect(listCached(dir).map((c) => c.containerId)).toEqual(["s1"]);
  });

  it("gc: list below 1.1.0 -> stale DELs but no plugin GC; disableGC -> nothing", () => {
    const f = fake();
    const deps = { invoke: f.invoke, cacheDir: dir };
    addList(list({ cniVersion: "1.0.0" }), rt({ containerId: "s" }), deps);
    f.calls.length = 0;
    gcList(list({ cniVersion: "1.0.0" }), [], deps);
    expect(f.calls.map((c) => c.verb)).toEqual(["DEL", "DEL", "DEL"]);
    f.calls.length = 0;
    gcList(list({ disableGC: true }), [], deps);
    expect(f.calls).toEqual([]);
  });

  it("status: each plugin in order, the first failure stops; below 1.1.0 -> nothing", () => {
    const f = fake();
    const invoke = (inv: Invocation) => {
      f.calls.push(inv);
      if (inv.stdin.type === "b") throw pluginNotAvailable("not ready");
      return undefined;
    };
    expect(() => statusList(list(), { invoke, cacheDir: dir })).toThrow("not ready");
    expect(f.calls.map((c) => c.stdin.type)).toEqual(["a", "b"]);
    f.calls.length = 0;
    statusList(list({ cniVersion: "1.0.0" }), { invoke, cacheDir: dir });
    expect(f.calls).toEqual([]);
  });
});

describe("cache format", () => {
  it("decodeCache: round trip; other kinds and garbage -> undefined", () => {
    const a = { ...rt(), networkName: "n", config: new TextEncoder().encode("{}"), result: { cniVersion: "1.0.0" } };
    const back = decodeCache(encodeCache(a))!;
    expect({ ...back, config: [...back.config] }).toEqual({ ...a, config: [...a.config] });
    expect(decodeCache('{"kind":"other"}')).toBeUndefined();
    expect(decodeCache("not json")).toBeUndefined();
  });

  it("encodeCache: empty optional fields omitted like Go's omitempty", () => {
    const text = encodeCache({ containerId: "c", ifName: "eth0", networkName: "n", netns: "", cniArgs: [], capabilityArgs: {}, config: new Uint8Array() });
    expect(JSON.parse(text)).toEqual({ kind: CACHE_KIND, containerId: "c", config: "", ifName: "eth0", networkName: "n" });
  });
});
