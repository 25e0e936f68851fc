// The bridge tests' world: a private node netns, pod netns on demand, an IPAM dataDir, and small readers
// of kernel state; shared by bridge.test.ts and bridge.kernel.test.ts.
import type { ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { familyOf } from "../../shared/ip/index.ts";
import { BIN_DIR, createNetns, expectOk, runPluginSync, tempDir, type PluginOutcome, type TestNetns } from "./harness.ts";

export const isRoot = process.getuid?.() === 0;
export const hasBinary = existsSync(join(BIN_DIR, "bridge"));
export const NET = "brnet";

export type Json = Record<string, any>;

/** One test's world: a node netns, pods created on demand, a dataDir; all removed by cleanup(). */
export class World {
  readonly node = createNetns("br");
  readonly pods: TestNetns[] = [];
  readonly others: TestNetns[] = [];
  readonly data = tempDir("br");
  readonly procs: ChildProcess[] = [];

  pod(): TestNetns {
    const p = createNetns("brp");
    this.pods.push(p);
    return p;
  }

  conf(keys: Json = {}, ipam: Json | null = v4Ipam()): Json {
    const c: Json = { cniVersion: "1.1.0", name: NET, type: "bridge", ...keys };
    c.ipam = ipam === null ? {} : { dataDir: this.data.path, ...ipam };
    return c;
  }

  call(command: string, conf: Json, o: CallOpts = {}): PluginOutcome {
    return runPluginSync({
      plugin: "bridge",
      command,
      config: conf,
      containerId: o.cid ?? "ctr1",
      netns: o.netns ?? o.pod?.path ?? "",
      ifname: o.ifname ?? "eth0",
      cniArgs: o.cniArgs,
      node: this.node,
      dir: o.dir,
      path: o.path,
    });
  }

  add(conf: Json, o: CallOpts = {}): Json {
    return expectOk(this.call("ADD", conf, o));
  }

  /** IPs held in the host-local store of the network, as file names */
  reserved(): string[] {
    const dir = join(this.data.path, NET);
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((f) => f !== "lock" && !f.startsWith("last_reserved_ip"));
  }

  cleanup(): void {
    for (const p of this.procs) if (p.pid && p.exitCode === null) process.kill(p.pid, "SIGKILL");
    for (const ns of [...this.pods, ...this.others]) ns.delete();
    this.node.delete();
    this.data.remove();
  }
}

export interface CallOpts {
  cid?: string;
  pod?: TestNetns;
  netns?: string;
  ifname?: string;
  cniArgs?: string;
  dir?: string;
  path?: string;
}

export function v4Ipam(subnet = "10.88.0.0/24", extra: Json = {}): Json {
  return { type: "host-local", ranges: [[{ subnet, ...extra }]] };
}
export function v6Ipam(subnet = "fd00:88::/64"): Json {
  return { type: "host-local", ranges: [[{ subnet }]] };
}
export function dualIpam(): Json {
  return { type: "host-local", ranges: [[{ subnet: "10.88.0.0/24" }], [{ subnet: "fd00:88::/64" }]] };
}

export const sysctl = (ns: TestNetns, key: string): string => ns.exec("cat", [`/proc/sys/${key}`]).trim();
export const link = (ns: TestNetns, name: string): Json => ns.ipJson(["-d", "link", "show", "dev", name])[0];
export const links = (ns: TestNetns): Json[] => ns.ipJson(["-d", "link", "show"]);
export const globalAddrs = (ns: TestNetns, dev: string): string[] =>
  ns
    .ipJson(["addr", "show", "dev", dev])[0]
    .addr_info.filter((a: Json) => a.scope === "global")
    .map((a: Json) => `${a.local}/${a.prefixlen}`);
export const ports = (node: TestNetns, br: string): Json[] => links(node).filter((l) => l.master === br);
export const nftRuleset = (ns: TestNetns): Json[] => JSON.parse(ns.exec("nft", ["-j", "list", "ruleset"])).nftables;
export const nftRules = (ns: TestNetns): Json[] => nftRuleset(ns).filter((i) => i.rule).map((i) => i.rule);
export const masqRulesFor = (ns: TestNetns, cid: string): Json[] =>
  nftRules(ns).filter((r) => r.table === "cni_plugins_masquerade" && String(r.comment ?? "").endsWith(`id: ${cid}`));

/** Pings once quietly; true when a reply came back. */
export function pingOnce(from: TestNetns, to: string): boolean {
  const args = [...(familyOf(to) === 6 ? ["-6"] : []), "-c", "1", "-W", "1", to];
  return /1 received/.test(from.exec("ping", args, { allowFail: true }));
}

/** IPv6 gateway addresses on the bridge go through DAD (~1-2 s): retry a few times. */
export function pingEventually(from: TestNetns, to: string, seconds = 4): boolean {
  for (let i = 0; i < seconds; i++) if (pingOnce(from, to)) return true;
  return false;
}

export const addrOf = (r: Json, family: 4 | 6): string =>
  r.ips.find((ip: Json) => familyOf(ip.address) === family).address.split("/")[0];

/** The VLANs of a bridge port, expanded, as {vlan, flags}. */
export function portVlans(node: TestNetns, port: string): Json[] {
  const out = JSON.parse(node.exec("bridge", ["-j", "vlan", "show", "dev", port]) || "[]");
  const entries: Json[] = out.flatMap((d: Json) => d.vlans ?? []);
  const list: Json[] = [];
  for (const e of entries) {
    for (let v = e.vlan; v <= (e.vlanEnd ?? e.vlan); v++) list.push({ vlan: v, flags: e.flags ?? [] });
  }
  return list.sort((a, b) => a.vlan - b.vlan);
}
