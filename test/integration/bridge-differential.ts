// The bridge differential harness: the same conflist and container IDs run with the reference
// (/usr/lib/cni bridge + host-local, Debian 1.1.1) in one node netns and with ours in another set up
// identically, then results, kernel state, CHECK and the state after DEL compared (see
// bridge.differential.test.ts). Shared with bridge.kernel.test.ts (the VLAN cases).
import { expect } from "vitest";
import { BIN_DIR, createNetns, REF_DIR, runPluginSync, tempDir, type PluginOutcome, type TestNetns } from "./harness.ts";

const CIDS = ["diff-a", "diff-b"];

type Json = Record<string, any>;

interface Side {
  dir: string;
  node: TestNetns;
  pods: TestNetns[];
  data: { path: string; remove(): void };
}

const sides: Side[] = [];

function makeSide(dir: string): Side {
  const s: Side = { dir, node: createNetns("br"), pods: [], data: tempDir("brdiff") };
  sides.push(s);
  for (let i = 0; i < CIDS.length; i++) s.pods.push(createNetns("brp"));
  return s;
}

function conf(s: Side, keys: Json, ipam: Json): Json {
  const withData = ipam.type ? { ...ipam, dataDir: s.data.path } : ipam;
  return { cniVersion: "1.0.0", name: "diffnet", type: "bridge", ...keys, ipam: withData };
}

function call(s: Side, command: string, c: Json, i: number): PluginOutcome {
  return runPluginSync({
    plugin: "bridge",
    command,
    config: c,
    containerId: CIDS[i],
    netns: s.pods[i]!.path,
    node: s.node,
    dir: s.dir,
    path: s.dir,
  });
}

// ------------------------------------------------------------------------------------------------
// Normalisation

/** name map: host veths by the container they serve; other veths (vlan gateway peers) generic. */
function nameMap(results: Json[]): (n: string | undefined) => string | undefined {
  const m = new Map<string, string>();
  results.forEach((r, i) => r?.interfaces?.[1] && m.set(r.interfaces[1].name, `hostveth-${i}`));
  return (n) => (n === undefined ? n : m.get(n) ?? (/^veth[0-9a-f]{8}$/.test(n) ? "veth-other" : n));
}

function normResult(o: PluginOutcome, i: number, s: Side, fixedMacs: boolean): Json {
  if (o.code !== 0) return { failed: true, code: o.json?.code };
  const r = structuredClone(o.json);
  for (const iface of r.interfaces ?? []) {
    if (/^veth[0-9a-f]{8}$/.test(iface.name)) iface.name = "hostveth";
    if (iface.sandbox === s.pods[i]!.path) iface.sandbox = `pod-${i}`;
    if (iface.mac !== undefined) iface.mac = fixedMacs && iface.sandbox ? iface.mac : /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(iface.mac) ? "MAC" : `bad ${iface.mac}`;
  }
  if (r.dns && Object.keys(r.dns).length === 0) delete r.dns;
  return r;
}

const sysctl = (ns: TestNetns, key: string): string => ns.exec("cat", [`/proc/sys/${key}`], { allowFail: true }).trim();

function linkState(ns: TestNetns, map: (n: string | undefined) => string | undefined): Json[] {
  return ns
    .ipJson(["-d", "link", "show"])
    .filter((l: Json) => l.ifname !== "lo")
    .map((l: Json) => ({
      name: map(l.ifname),
      kind: l.linkinfo?.info_kind,
      mtu: l.mtu,
      txqlen: l.txqlen ?? 0,
      flags: [...l.flags].sort(),
      operstate: l.operstate,
      master: map(l.master),
      promiscuity: l.promiscuity,
      vlanFiltering: l.linkinfo?.info_data?.vlan_filtering,
      port: l.linkinfo?.info_slave_data
        ? pick(l.linkinfo.info_slave_data, ["state", "hairpin", "learning", "flood", "isolated", "proxy_arp"])
        : undefined,
    }))
    .sort(byName);
}

function withoutCarrier(l: Json): Json {
  return { ...l, operstate: undefined, flags: l.flags.filter((f: string) => f !== "LOWER_UP" && f !== "NO-CARRIER") };
}

function pick(o: Json, keys: string[]): Json {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));
}
const byName = (a: Json, b: Json) => String(a.name).localeCompare(String(b.name));

function addrState(ns: TestNetns, map: (n: string | undefined) => string | undefined): Json[] {
  const out: Json[] = [];
  for (const l of ns.ipJson(["addr", "show"])) {
    for (const a of l.addr_info ?? []) {
      if (a.scope === "link" || l.ifname === "lo") continue; // link-local v6 derives from random MACs
      out.push({ dev: map(l.ifname), ...pick(a, ["family", "local", "prefixlen", "scope", "broadcast", "noprefixroute", "nodad"]) });
    }
  }
  return out.sort((a, b) => `${a.dev}${a.local}`.localeCompare(`${b.dev}${b.local}`));
}

function routeState(ns: TestNetns, map: (n: string | undefined) => string | undefined): Json[] {
  const out: Json[] = [];
  for (const fam of ["-4", "-6"]) {
    for (const r of ns.ipJson([fam, "route", "show", "table", "main"])) {
      out.push({ fam, ...pick(r, ["dst", "gateway", "protocol", "scope", "prefsrc", "metric", "pref"]), dev: map(r.dev) });
    }
  }
  return out.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function sysctlState(s: Side, map: (n: string | undefined) => string | undefined, names: string[]): Json {
  const out: Json = {
    ip_forward: sysctl(s.node, "net/ipv4/ip_forward"),
    v6_forwarding: sysctl(s.node, "net/ipv6/conf/all/forwarding"),
  };
  for (const n of names) {
    for (const k of ["ipv6/conf/%/accept_dad", "ipv6/conf/%/disable_ipv6", "ipv4/conf/%/arp_notify"]) {
      out[`node ${map(n)} ${k}`] = sysctl(s.node, `net/${k.replace("%", n)}`);
    }
  }
  s.pods.forEach((p, i) => {
    for (const k of ["accept_dad", "disable_ipv6", "keep_addr_on_down", "enhanced_dad"]) {
      out[`pod-${i} eth0 ${k}`] = sysctl(p, `net/ipv6/conf/eth0/${k}`);
    }
    out[`pod-${i} eth0 arp_notify`] = sysctl(p, "net/ipv4/conf/eth0/arp_notify");
    out[`pod-${i} lo disable_ipv6`] = sysctl(p, "net/ipv6/conf/lo/disable_ipv6");
  });
  return out;
}

function vlanState(ns: TestNetns, map: (n: string | undefined) => string | undefined): Json[] {
  const text = ns.exec("bridge", ["-j", "vlan", "show"], { allowFail: true }).trim();
  const list: Json[] = text ? JSON.parse(text) : [];
  return list.map((d) => ({ dev: map(d.ifname), vlans: d.vlans })).sort((a, b) => String(a.dev).localeCompare(String(b.dev)));
}

/** carrier false: after DEL the bridge loses its carrier asynchronously, so leave carrier state out */
function snapshot(s: Side, results: Json[], o: { carrier: boolean } = { carrier: true }): Json {
  const map = nameMap(results);
  const links = (ns: TestNetns) => linkState(ns, map).map((l) => (o.carrier ? l : withoutCarrier(l)));
  const nodeNames: string[] = s.node.ipJson(["link", "show"]).map((l: Json) => l.ifname).filter((n: string) => n !== "lo");
  return {
    nodeLinks: links(s.node),
    podLinks: s.pods.map(links),
    nodeAddrs: addrState(s.node, map),
    podAddrs: s.pods.map((p) => addrState(p, map)),
    nodeRoutes: routeState(s.node, map),
    podRoutes: s.pods.map((p) => routeState(p, map)),
    sysctls: sysctlState(s, map, nodeNames),
    vlans: vlanState(s.node, map),
  };
}

/** Every leaf path where ours (b) differs from the reference (a), as "path: ref -> ours". */
function differences(a: unknown, b: unknown, path = ""): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null;
  if (!isObj(a) || !isObj(b) || Array.isArray(a) !== Array.isArray(b)) {
    return [`${path}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`];
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) => differences(a[k], b[k], `${path}.${k}`));
}

// ------------------------------------------------------------------------------------------------

export interface Case {
  name: string;
  keys: Json;
  ipam?: Json;
  /** runs in each node netns before the ADDs */
  before?: (node: TestNetns) => void;
  /** the pod MAC is requested: compare it verbatim */
  fixedMacs?: boolean;
  /** differences from 1.1.1 kept on purpose (each must still show up, so the list stays honest) */
  knownDifferences?: RegExp[];
}

/**
 * Kept in every case: keep_addr_on_down=1 on the pod interface is what the current reference sets
 * (REFERENCE.md, bridge IPv6 behaviour); 1.1.1 predates it.
 */
const KNOWN_DIFFERENCES = [/^\.state\.sysctls\.pod-\d eth0 keep_addr_on_down: "0" -> "1"$/];

export const V4 = { type: "host-local", ranges: [[{ subnet: "10.66.0.0/24" }]] };
export const DUAL = { type: "host-local", ranges: [[{ subnet: "10.66.0.0/24" }], [{ subnet: "fd00:66::/64" }]] };

/** Deletes every side the cases made (afterEach). */
export function removeSides(): void {
  for (const s of sides.splice(0)) {
    for (const p of s.pods) p.delete();
    s.node.delete();
    s.data.remove();
  }
}

/** Runs one case with the reference and with ours; expects no differences but the known ones. */
export function runCase(c: Case): void {
    const ref = makeSide(REF_DIR);
    const ours = makeSide(BIN_DIR);
    const run = (s: Side) => {
      c.before?.(s.node);
      const cf = conf(s, c.keys, c.ipam ?? V4);
      const outs: PluginOutcome[] = [];
      const checks: unknown[] = [];
      CIDS.forEach((_, i) => {
        const o = call(s, "ADD", cf, i);
        outs.push(o);
        // right away: without a gateway address the bridge MAC follows the lowest port MAC, so a
        // later ADD may change it and fail CHECK of an earlier result (in both suites alike)
        const chk = o.code === 0 ? call(s, "CHECK", { ...cf, prevResult: o.json }, i) : undefined;
        checks.push(chk ? (chk.code === 0 ? "ok" : `error: ${chk.json?.msg}`) : "no add");
      });
      const results = outs.map((o, i) => normResult(o, i, s, c.fixedMacs === true));
      const state = snapshot(s, outs.map((o) => o.json));
      const dels = CIDS.map((_, i) => call(s, "DEL", cf, i).code);
      const after = snapshot(s, outs.map((o) => o.json), { carrier: false });
      return { results, state, checks, dels, after };
    };
    const a = run(ref);
    const b = run(ours);
    const known = [...KNOWN_DIFFERENCES, ...(c.knownDifferences ?? [])];
    expect(differences(a, b).filter((d) => !known.some((k) => k.test(d)))).toEqual([]);
    for (const k of c.knownDifferences ?? []) expect(differences(a, b).some((d) => k.test(d)), `${k} still differs`).toBe(true);
}
