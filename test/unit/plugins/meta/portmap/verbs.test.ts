import { describe, expect, it } from "vitest";
import { CniError } from "../../../../../shared/cni/errors.ts";
import type { CmdContext, GcContext, NetConf } from "../../../../../shared/cni/plugin.ts";
import type { Result } from "../../../../../shared/cni/types.ts";
import { FirewallCheckError, PortConflictError } from "../../../../../shared/firewall/types.ts";
import { FakeFirewall } from "../../../fakes/firewall.ts";
import { cmdAdd } from "../../../../../plugins/meta/portmap/add.ts";
import { cmdCheck } from "../../../../../plugins/meta/portmap/check.ts";
import { cmdDel } from "../../../../../plugins/meta/portmap/del.ts";
import type { PortmapDeps } from "../../../../../plugins/meta/portmap/deps.ts";
import { cmdGc } from "../../../../../plugins/meta/portmap/gc.ts";

const PREV: Result = {
  cniVersion: "1.1.0",
  interfaces: [{ name: "cni0" }, { name: "veth1" }, { name: "eth0", sandbox: "/run/netns/p" }],
  ips: [{ address: "10.88.0.5/16", interface: 2 }, { address: "fd00::5/64", interface: 2 }],
};

/** Firewall calls and the other deps' calls in one ordered list. */
function fakeDeps(over: Partial<Omit<PortmapDeps, "firewall">> = {}) {
  const firewall = new FakeFirewall();
  const calls = firewall.calls;
  const deps: PortmapDeps = {
    firewall,
    enableLocalnet: (ip) => (calls.push(`localnet ${ip}`), "cni0"),
    deleteUdpConntrack: (f, p) => (calls.push(`conntrack ${f.join(",")} ${[...p].join(",")}`), 0),
    log: (l) => void calls.push(`log ${l}`),
    ...over,
  };
  const setups = () => [...firewall.forwards.values()];
  return { deps, calls, setups, firewall };
}

function ctx(keys: Record<string, unknown>, portMappings: unknown, prev: Result | null = PREV): CmdContext {
  const prevResult = prev ?? undefined;
  const raw = { cniVersion: "1.1.0", name: "net1", type: "portmap", runtimeConfig: portMappings === undefined ? {} : { portMappings }, ...keys };
  const conf: NetConf = { cniVersion: "1.1.0", name: "net1", type: "portmap", raw, ...(prevResult ? { prevResult } : {}) };
  return { verb: "ADD", containerId: "ctr1", netns: "/run/netns/p", ifname: "eth0", cniArgs: [], ignoreUnknownArgs: false, path: [], conf, stdin: new Uint8Array(), env: {}, stderr: () => {} };
}

const TCP = [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }];

async function rejects(p: Promise<unknown> | (() => unknown)): Promise<CniError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(CniError);
    return e as CniError;
  }
  throw new Error("expected a CniError");
}

describe("portmap verbs", () => {
  it("add: no mappings -> prevResult returned, no firewall call at all", async () => {
    const f = fakeDeps();
    expect(await cmdAdd(ctx({}, undefined), f.deps)).toBe(PREV);
    expect(await cmdAdd(ctx({}, []), f.deps)).toBe(PREV);
    expect(f.calls).toEqual([]);
  });

  it("add: mappings -> one setup with both container IPs, localnet on the v4 IP, prevResult unchanged", async () => {
    const f = fakeDeps();
    const out = await cmdAdd(ctx({}, [...TCP, { hostPort: 5353, containerPort: 53, protocol: "udp" }]), f.deps);
    expect(out).toBe(PREV);
    expect(f.setups()[0]).toMatchObject({ containerId: "ctr1", containerIPs: ["10.88.0.5", "fd00::5"], snat: true, masqAll: false });
    expect(f.calls).toEqual(["setupPortForward ctr1 net1", "localnet 10.88.0.5", "conntrack 4,6 5353"]);
  });

  it("add: snat false -> no route_localnet; tcp only -> no conntrack flush", async () => {
    const f = fakeDeps();
    await cmdAdd(ctx({ snat: false }, TCP), f.deps);
    expect(f.calls).toEqual(["setupPortForward ctr1 net1"]);
  });

  it("add: no prevResult -> error 7 'must be called as chained plugin', nothing touched", async () => {
    const f = fakeDeps();
    expect((await rejects(cmdAdd(ctx({}, TCP, null), f.deps))).msg).toBe("must be called as chained plugin");
    expect(f.calls).toEqual([]);
  });

  it.each([
    ["unknown protocol", { hostPort: 1, containerPort: 1, protocol: "gre" }],
    ["missing protocol", { hostPort: 1, containerPort: 1 }],
    ["port 0", { hostPort: 0, containerPort: 1, protocol: "tcp" }],
    ["port 70000", { hostPort: 70000, containerPort: 1, protocol: "tcp" }],
    ["negative", { hostPort: -5, containerPort: 1, protocol: "tcp" }],
  ])("add: %s -> error 7 before any firewall call", async (_n, m) => {
    const f = fakeDeps();
    expect((await rejects(cmdAdd(ctx({}, [m]), f.deps))).code).toBe(7);
    expect(f.calls).toEqual([]);
  });

  it("add: markMasqBit 40 -> error 7, nothing touched", async () => {
    const f = fakeDeps();
    expect((await rejects(cmdAdd(ctx({ markMasqBit: 40 }, TCP), f.deps))).code).toBe(7);
    expect(f.calls).toEqual([]);
  });

  it("add: hostIP of a family the container lacks -> error 7, nothing touched", async () => {
    const f = fakeDeps();
    const v4only: Result = { cniVersion: "1.1.0", ips: [{ address: "10.88.0.5/16" }] };
    const e = await rejects(cmdAdd(ctx({}, [{ hostPort: 80, containerPort: 80, protocol: "tcp", hostIP: "fd00::1" }], v4only), f.deps));
    expect(e.code).toBe(7);
    expect(f.calls).toEqual([]);
  });

  it("add: host port held by another container -> error 100 naming it", async () => {
    const conflict = new PortConflictError([{ family: "ip", protocol: "tcp", hostPort: 8080, hostIP: undefined, ownerContainerId: "other" }]);
    const f = fakeDeps();
    f.firewall.failWith.set("setupPortForward", conflict);
    const e = await rejects(cmdAdd(ctx({}, TCP), f.deps));
    expect(e.code).toBe(100);
    expect(e.msg).toContain("container other");
    expect(f.calls).toEqual([]);
  });

  it("add: route_localnet fails after the nft transaction -> forwards removed again, error", async () => {
    const f = fakeDeps({ enableLocalnet: () => { throw new Error("EACCES"); } });
    await expect(cmdAdd(ctx({}, TCP), f.deps)).rejects.toThrow(/unable to enable route_localnet: EACCES/);
    expect(f.calls).toEqual(["setupPortForward ctr1 net1", "teardownPortForward ctr1 net1"]);
  });

  it("add: conntrack flush fails -> logged only, ADD succeeds", async () => {
    const f = fakeDeps({ deleteUdpConntrack: () => { throw new Error("EPERM"); } });
    await cmdAdd(ctx({}, [{ hostPort: 53, containerPort: 53, protocol: "udp" }]), f.deps);
    expect(f.calls.at(-1)).toMatch(/^log failed to delete stale UDP conntrack entries: EPERM/);
  });

  it("del: mappings -> nft teardown and the reference's iptables chains, by container and network", async () => {
    const f = fakeDeps();
    await cmdDel(ctx({}, [{ hostPort: 0 }], null), f.deps);
    expect(f.calls).toEqual(["teardownPortForward ctr1 net1", "teardownLegacyPortForward net1 ctr1"]);
  });

  it("del: no mappings -> no firewall call", async () => {
    const f = fakeDeps();
    await cmdDel(ctx({}, undefined), f.deps);
    expect(f.calls).toEqual([]);
  });

  it("del: nft teardown fails -> iptables cleanup still runs, error reported", async () => {
    const f = fakeDeps();
    f.firewall.failWith.set("teardownPortForward", new Error("nft: EBUSY"));
    await expect(cmdDel(ctx({}, TCP), f.deps)).rejects.toThrow(/remove port forwards: nft: EBUSY/);
    expect(f.calls).toEqual(["teardownLegacyPortForward net1 ctr1"]);
  });

  it("check: missing element -> the firewall's error surfaces; no prevResult -> error", async () => {
    const f = fakeDeps();
    f.firewall.failWith.set("checkPortForward", new FirewallCheckError("port forward tcp . 8080 missing"));
    expect(() => cmdCheck(ctx({}, TCP), f.deps)).toThrow(/tcp . 8080 missing/);
    expect((await rejects(() => cmdCheck(ctx({}, TCP, null), fakeDeps().deps))).msg).toBe("Required prevResult missing");
  });

  it("gc: valid attachments -> gc of this network keeping their container IDs", () => {
    const f = fakeDeps();
    const g: GcContext = { verb: "GC", path: [], conf: ctx({}, undefined).conf, validAttachments: [{ containerID: "a", ifname: "eth0" }, { containerID: "b", ifname: "eth0" }], stdin: new Uint8Array(), env: {}, stderr: () => {} };
    cmdGc(g, f.deps);
    expect(f.calls).toEqual(["gcPortForward net1 a,b"]);
  });
});
