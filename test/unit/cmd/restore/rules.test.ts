// restorePodRules over a fake firewall and a temp libcni cache: what each cached attachment's plugins
// need (bridge/ptp ipMasq, bridge macspoofchk, portmap forwards) is checked, and rebuilt only when missing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { restorePodRules, type RestoredRule, type RestoreOptions } from "../../../../cmd/restore/rules.ts";
import { writeCache } from "../../../../cmd/run/cache.ts";
import { FakeFirewall } from "../../fakes/firewall.ts";

const conflist = (extra: object = {}) => ({
  cniVersion: "1.0.0",
  name: "net1",
  plugins: [
    { type: "bridge", bridge: "br0", ipMasq: true, macspoofchk: true, ipam: { type: "host-local", subnet: "10.9.0.0/24" }, ...extra },
    { type: "portmap", capabilities: { portMappings: true } },
  ],
});

const result = (ip: string) => ({
  cniVersion: "1.0.0",
  interfaces: [{ name: "br0", mac: "aa:00:00:00:00:01" }, { name: "veth1234", mac: "aa:00:00:00:00:02" }, { name: "eth0", mac: "0a:58:0a:09:00:05", sandbox: "/run/netns/p" }],
  ips: [{ address: `${ip}/24`, interface: 2 }],
});

function cache(dir: string, containerId: string, ip: string, list: object = conflist()): void {
  writeCache(dir, {
    containerId, ifName: "eth0", networkName: "net1", netns: "/run/netns/p", cniArgs: [],
    capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }] },
    config: new TextEncoder().encode(JSON.stringify(list)), result: result(ip),
  });
}

describe("restorePodRules", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "tscni-restore-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (fw: FakeFirewall, o: Partial<RestoreOptions> = {}): RestoredRule[] => restorePodRules(fw, { cacheDir: dir, ...o });

  it("restore: everything flushed -> masquerade, macspoofchk and portmap rebuilt from the cached result and capability args", () => {
    cache(dir, "c1", "10.9.0.5");
    const fw = new FakeFirewall();
    const out = run(fw);
    expect(out.map((r) => `${r.kind}:${r.outcome}`)).toEqual(["masquerade:restored", "macspoofchk:restored", "portmap:restored"]);
    expect(fw.masq.get("net1 eth0 c1")).toEqual(["10.9.0.5/24"]);
    expect(fw.spoof.get("c1-eth0")).toMatchObject({ hostIface: "veth1234", mac: "0a:58:0a:09:00:05" });
    expect(fw.forwards.get("c1 net1")).toMatchObject({ containerIPs: ["10.9.0.5"], mappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }] });
  });

  it("restore: state present -> only checks, nothing written; fix false -> missing reported, nothing written", () => {
    cache(dir, "c1", "10.9.0.5");
    const fw = new FakeFirewall();
    run(fw);
    const before = fw.calls.length;
    expect(run(fw).every((r) => r.outcome === "present")).toBe(true);
    expect(fw.calls.slice(before).every((c) => c.startsWith("check"))).toBe(true);
    const empty = new FakeFirewall();
    expect(run(empty, { fix: false }).map((r) => r.outcome)).toEqual(["failed", "failed", "failed"]);
    expect(empty.empty()).toBe(true);
  });

  it("restore: firewall meta plugin -> its forward rules checked, and rebuilt with the bridge's ingress policy when missing", () => {
    const list = { ...conflist({ ipMasq: false, macspoofchk: false }), plugins: [...conflist({ ipMasq: false, macspoofchk: false }).plugins, { type: "firewall", ingressPolicy: "same-bridge", iptablesAdminChainName: "MY-ADMIN" }] };
    cache(dir, "c1", "10.9.0.5", list);
    const fw = new FakeFirewall();
    expect(run(fw).map((r) => `${r.kind}:${r.outcome}`)).toEqual(["portmap:restored", "firewall:restored"]);
    expect(fw.accepts.get("c1 net1")).toEqual({ network: "net1", containerId: "c1", ips: ["10.9.0.5"], adminChain: "MY-ADMIN" });
    expect(fw.ingress.get("net1 br0")).toEqual({ network: "net1", bridge: "br0", policy: "same-bridge", families: ["ip"] });
    expect(run(fw).map((r) => `${r.kind}:${r.outcome}`)).toEqual(["portmap:present", "firewall:present"]);
    expect(run(new FakeFirewall(), { fix: false }).map((r) => `${r.kind}:${r.outcome}`)).toEqual(["portmap:failed", "firewall:failed"]);
  });

  it("restore: include and network filters -> other attachments untouched; a broken entry -> failed, the rest done", () => {
    cache(dir, "c1", "10.9.0.5");
    cache(dir, "c2", "10.9.0.6", conflist({ ipMasq: false, macspoofchk: false }));
    cache(dir, "c3", "10.9.0.7", { cniVersion: "1.0.0", name: "net1", plugins: [{ type: "bridge", mtu: "x" }] });
    const fw = new FakeFirewall();
    const out = run(fw, { include: (a) => a.containerId !== "c1" });
    expect(out.map((r) => `${r.containerId}:${r.kind}:${r.outcome}`)).toEqual(["c2:portmap:restored", "c3:config:failed"]);
    expect(run(new FakeFirewall(), { network: "other" })).toEqual([]);
  });
});
