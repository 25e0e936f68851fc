// A lab for the one-interface plugins (macvlan, ipvlan, vlan, dummy): a "node" netns holding the
// master (a veth end, hv0), an "ext" netns holding its peer (ext0, 10.<n>.0.1/24 and fd<n>::1/64) so
// traffic from a pod crosses the master, and pod netns. Plugins run inside the node netns exactly as a
// runtime runs them. Everything is tscni-* and deleted by cleanup().
import { familyOf } from "../../shared/ip/index.ts";
import { BIN_DIR, createNetns, expectOk, REF_DIR, runPluginSync, tempDir, type PluginOutcome, type TestNetns } from "./harness.ts";

export type Json = Record<string, any>;

export const isRoot = process.getuid?.() === 0;

export interface RunOpts {
  pod?: TestNetns;
  /** CNI_NETNS override ("" for none) */
  netns?: string;
  ifname?: string;
  cid?: string;
  cniArgs?: string;
  prevResult?: Json;
  /** the reference's directory instead of ours */
  reference?: boolean;
  env?: Record<string, string | undefined>;
  /** how to start the binary instead of nsenter into the node (harness.ts PluginCall.launch) */
  launch?: (bin: string) => [string, string[]];
}

export class LinkLab {
  readonly node: TestNetns;
  readonly ext: TestNetns;
  readonly subnet: string;
  readonly gw4: string;
  readonly gw6: string;
  private readonly spaces: TestNetns[] = [];
  private readonly dirs: { path: string; remove(): void }[] = [];

  /** n: a small number giving the lab its own subnets 10.<n>.0.0/24 and fd<n>::/64. */
  constructor(
    readonly plugin: string,
    n: number,
  ) {
    this.node = this.netns(`${plugin}-node`);
    this.ext = this.netns(`${plugin}-ext`);
    this.subnet = `10.${n}.0.0/24`;
    this.gw4 = `10.${n}.0.1`;
    this.gw6 = `fd${n}::1`;
    this.node.exec("ip", ["link", "add", "hv0", "type", "veth", "peer", "name", "ext0", "netns", this.ext.name]);
    this.node.exec("ip", ["link", "set", "hv0", "up"]);
    this.ext.exec("ip", ["link", "set", "ext0", "up"]);
    this.ext.exec("ip", ["addr", "add", `${this.gw4}/24`, "dev", "ext0"]);
    this.ext.exec("ip", ["addr", "add", `${this.gw6}/64`, "dev", "ext0", "nodad"]);
  }

  netns(tag: string): TestNetns {
    const ns = createNetns(tag);
    this.spaces.push(ns);
    return ns;
  }

  pod(): TestNetns {
    return this.netns(`${this.plugin}-pod`);
  }

  dataDir(): string {
    const d = tempDir(this.plugin);
    this.dirs.push(d);
    return d.path;
  }

  /** 10.<n>.0.<host>/24 */
  ip4(host: number): string {
    return `${this.gw4.slice(0, this.gw4.lastIndexOf("."))}.${host}/24`;
  }

  run(command: string, conf: Json, o: RunOpts = {}): PluginOutcome {
    const dir = o.reference ? REF_DIR : BIN_DIR;
    return runPluginSync({
      plugin: this.plugin,
      command,
      config: o.prevResult ? { ...conf, prevResult: o.prevResult } : conf,
      containerId: o.cid ?? "ctr1",
      netns: o.netns ?? o.pod?.path ?? "",
      ifname: o.ifname ?? "eth0",
      cniArgs: o.cniArgs,
      node: this.node,
      dir,
      path: dir,
      env: o.env,
      launch: o.launch,
    });
  }

  add(conf: Json, o: RunOpts = {}): Json {
    return expectOk(this.run("ADD", conf, o));
  }

  cleanup(): void {
    for (const ns of this.spaces.reverse()) ns.delete();
    for (const d of this.dirs) d.remove();
  }
}

// ---------------------------------------------------------------------------------------------
// Kernel state readers

export const links = (ns: TestNetns): Json[] => ns.ipJson(["-d", "link", "show"]);
export const linkOf = (ns: TestNetns, dev: string): Json | undefined => links(ns).find((l) => l.ifname === dev);
/** Every link but lo. */
export const nonLo = (ns: TestNetns): string[] => links(ns).map((l) => l.ifname as string).filter((n) => n !== "lo");

/** Global addresses of dev as "ip/len". */
export function addrs(ns: TestNetns, dev: string): string[] {
  const info: Json[] = ns.ipJson(["addr", "show", "dev", dev])[0]?.addr_info ?? [];
  return info.filter((a) => a.scope !== "link").map((a) => `${a.local}/${a.prefixlen}`).sort();
}

/** Main-table routes as "dst [via gw] dev d", both families. */
export function routes(ns: TestNetns): string[] {
  const list: Json[] = [...ns.ipJson(["-4", "route", "show"]), ...ns.ipJson(["-6", "route", "show"])];
  return list
    .filter((r) => !String(r.dst).startsWith("fe80") && r.dst !== "multicast")
    .map((r) => [r.dst, r.gateway && `via ${r.gateway}`, `dev ${r.dev}`].filter(Boolean).join(" "))
    .sort();
}

export function sysctl(ns: TestNetns, key: string): string {
  return ns.exec("cat", [`/proc/sys/${key}`]).trim();
}

/** One echo reply within a few seconds. */
export function ping(from: TestNetns, to: string): void {
  from.exec("ping", [familyOf(to) === 6 ? "-6" : "-4", "-c1", "-w6", to]);
}

/** The result with the volatile parts (MAC, sandbox path) replaced, for comparing two plugins' results. */
export function normalized(result: Json): Json {
  const r = JSON.parse(JSON.stringify(result));
  for (const i of r.interfaces ?? []) {
    if (i.mac) i.mac = "<mac>";
    if (i.sandbox) i.sandbox = "<netns>";
  }
  if (r.dns && Object.keys(r.dns).length === 0) delete r.dns;
  return r;
}
