// loopback: lo up on ADD (result as the reference), down on DEL, DEL tolerant of a missing netns.
import { afterAll, describe, expect, it } from "vitest";
import { createNetns, deleteAllNetns, expectOk, hasReference, REF_DIR, runPluginSync } from "./harness.ts";

afterAll(deleteAllNetns);

const conf = (v = "1.0.0", extra: object = {}) => ({ cniVersion: v, name: "lo", type: "loopback", ...extra });

function loFlags(ns: ReturnType<typeof createNetns>): string[] {
  return ns.ipJson(["link", "show", "lo"])[0].flags;
}

describe("loopback", () => {
  it("add: fresh netns -> lo up, result lists lo with 127.0.0.1/8 and ::1/128", () => {
    const pod = createNetns("lo");
    try {
      pod.exec("ip", ["link", "set", "lo", "down"]);
      const r = expectOk(runPluginSync({ plugin: "loopback", command: "ADD", netns: pod.path, ifname: "lo", config: conf() }));
      expect(loFlags(pod)).toContain("UP");
      expect(r.interfaces).toEqual([{ name: "lo", mac: "00:00:00:00:00:00", sandbox: pod.path }]);
      expect(r.ips).toEqual([
        { interface: 0, address: "127.0.0.1/8" },
        { interface: 0, address: "::1/128" },
      ]);
      pod.exec("ping", ["-c1", "-W1", "127.0.0.1"]);
    } finally {
      pod.delete();
    }
  });

  it("add: with prevResult -> passed through unchanged", () => {
    const pod = createNetns("lo");
    try {
      const prev = { cniVersion: "1.0.0", ips: [{ address: "10.1.2.3/24" }] };
      const r = expectOk(runPluginSync({ plugin: "loopback", command: "ADD", netns: pod.path, ifname: "lo", config: conf("1.0.0", { prevResult: prev }) }));
      expect(r.ips).toEqual([{ address: "10.1.2.3/24" }]);
    } finally {
      pod.delete();
    }
  });

  it("add: cniVersion 0.2.0 -> ip4/ip6 shape", () => {
    const pod = createNetns("lo");
    try {
      const r = expectOk(runPluginSync({ plugin: "loopback", command: "ADD", netns: pod.path, ifname: "lo", config: conf("0.2.0") }));
      expect(r).toMatchObject({ cniVersion: "0.2.0", ip4: { ip: "127.0.0.1/8" }, ip6: { ip: "::1/128" } });
    } finally {
      pod.delete();
    }
  });

  it("check: lo up -> ok; lo down -> error", () => {
    const pod = createNetns("lo");
    try {
      const prev = { cniVersion: "1.0.0" };
      const call = () => runPluginSync({ plugin: "loopback", command: "CHECK", netns: pod.path, ifname: "lo", config: conf("1.0.0", { prevResult: prev }) });
      expect(call().code).toBe(0);
      pod.exec("ip", ["link", "set", "lo", "down"]);
      const o = call();
      expect(o.code).not.toBe(0);
      expect(o.json.msg).toMatch(/down/);
    } finally {
      pod.delete();
    }
  });

  it("del: lo goes down; DEL again ok; DEL after netns deleted ok", () => {
    const pod = createNetns("lo");
    const del = () => runPluginSync({ plugin: "loopback", command: "DEL", netns: pod.path, ifname: "lo", config: conf() });
    try {
      expect(del().code).toBe(0);
      expect(loFlags(pod)).not.toContain("UP");
      expect(del().code).toBe(0);
    } finally {
      pod.delete();
    }
    const gone = del();
    expect(gone.code, gone.stdout).toBe(0);
  });

  it("add: netns missing -> CNI error on stdout, non-zero exit", () => {
    const o = runPluginSync({ plugin: "loopback", command: "ADD", netns: "/run/netns/tscni-does-not-exist", ifname: "lo", config: conf() });
    expect(o.code).not.toBe(0);
    expect(o.json).toMatchObject({ code: 999 });
    expect(o.json.msg).toContain("tscni-does-not-exist");
  });

  it.skipIf(!hasReference)("add: same result as the reference loopback (1.0.0)", () => {
    const a = createNetns("lo");
    const b = createNetns("lo");
    try {
      const ours = expectOk(runPluginSync({ plugin: "loopback", command: "ADD", netns: a.path, ifname: "lo", config: conf() }));
      const ref = expectOk(runPluginSync({ plugin: "loopback", dir: REF_DIR, command: "ADD", netns: b.path, ifname: "lo", config: conf() }));
      const norm = (r: any) => ({ ...r, dns: undefined, interfaces: r.interfaces.map((i: any) => ({ ...i, sandbox: "" })) });
      expect(norm(ours)).toEqual(norm(ref));
      expect(loFlags(a)).toEqual(loFlags(b));
    } finally {
      a.delete();
      b.delete();
    }
  });
});
