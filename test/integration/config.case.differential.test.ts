// Key matching vs the reference (/usr/lib/cni, Debian 1.1.1, go1.19 encoding/json): the same oddly-cased
// configs run through tscni and the reference, each suite in its own node + pod netns, and what each
// made of them is compared: the normalised result (or just "failed": config error codes differ on
// purpose, 7 vs 999, see README) and the kernel state the keys control (bridge name and gateway
// address, MTUs, hairpin, masquerade present, the allocation file in dataDir, the host port in the
// ruleset, tbf rates). Each row also asserts the reference really honoured its key, so a row cannot
// pass with both suites ignoring it. Needs root and the reference plugins.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN_DIR, createNetns, deleteAllNetns, hasReference, REF_DIR, runPlugin, tempDir, type PluginOutcome, type TestNetns } from "./harness.ts";

const isRoot = process.getuid?.() === 0;
const hasBinary = existsSync(join(BIN_DIR, "bridge"));
const hasNft = existsSync("/usr/sbin/nft");
const NET = "casenet";
const CID = "case-ctr";

type Json = Record<string, any>;

interface Side {
  dir: string;
  node: TestNetns;
  pod: TestNetns;
  data: string;
  /** the bridge result that portmap/bandwidth rows chain onto */
  prev?: Json;
}

interface Row {
  name: string;
  plugin: "bridge" | "ptp" | "host-local" | "portmap" | "bandwidth";
  /** the config: a function of the side (its dataDir, its prevResult) */
  config: (s: Side) => Json;
  /** the kernel/disk state the row's keys control */
  observe: (s: Side, r: Json) => Json;
  /** the reference honoured the key: the row can fail */
  proves: (o: Json) => boolean;
  /** portmap/bandwidth: a bridge ADD first, its result as prevResult */
  chained?: boolean;
}

const ipam = (s: Side, subnet = "10.77.0.0/24"): Json => ({ type: "host-local", subnet, dataDir: s.data });
const base = (type: string, s: Side, keys: Json): Json => ({ cniVersion: "1.0.0", name: NET, type, ...keys, ipam: ipam(s) });

function links(ns: TestNetns): Json[] {
  return ns.ipJson(["-d", "link", "show"]).filter((l: Json) => l.ifname !== "lo");
}

function bridgeState(s: Side): Json {
  const all = links(s.node);
  const br = all.find((l) => l.linkinfo?.info_kind === "bridge");
  const port = all.find((l) => l.linkinfo?.info_kind === "veth");
  const addrs = br ? s.node.ipJson(["addr", "show", "dev", br.ifname]) : [];
  const gw = addrs.flatMap((l: Json) => l.addr_info ?? []).filter((a: Json) => a.scope !== "link").map((a: Json) => `${a.local}/${a.prefixlen}`);
  return {
    bridge: br?.ifname,
    bridgeMtu: br?.mtu,
    gateway: gw,
    portMtu: port?.mtu,
    hairpin: port?.linkinfo?.info_slave_data?.hairpin,
    podMtu: s.pod.ipJson(["link", "show", "dev", "eth0"])[0]?.mtu,
  };
}

const ruleset = (s: Side): string => (hasNft ? s.node.exec("nft", ["list", "ruleset"], { allowFail: true }) : "");

/** tbf rate per link kind: "veth" (ingress, on the host veth) and "ifb" (egress). */
function tbf(s: Side): Json {
  const out: Json = {};
  for (const l of links(s.node)) {
    const qdiscs: Json[] = JSON.parse(s.node.exec("tc", ["-j", "qdisc", "show", "dev", l.ifname]) || "[]");
    for (const q of qdiscs) if (q.kind === "tbf") out[l.linkinfo?.info_kind ?? "?"] = q.options?.rate;
  }
  return out;
}

function allocations(s: Side): string[] {
  const d = join(s.data, NET);
  return existsSync(d) ? readdirSync(d).filter((f) => /^[0-9a-f.:]+$/.test(f)).sort() : [];
}

/** The result without what differs run to run (MACs, veth names, netns paths). */
function normResult(r: Json, s: Side): Json {
  const out = structuredClone(r);
  for (const i of out.interfaces ?? []) {
    if (/^veth[0-9a-f]{8}$/.test(i.name)) i.name = "hostveth";
    if (i.sandbox === s.pod.path) i.sandbox = "pod";
    if (i.mac) i.mac = "MAC";
  }
  if (out.dns && Object.keys(out.dns).length === 0) delete out.dns;
  return out;
}

const CRI_RATES = { IngressRate: 8_000_000, IngressBurst: 80_000, EgressRate: 16_000_000, EgressBurst: 160_000 };

const ROWS: Row[] = [
  { name: "bridge IsGateway", plugin: "bridge", config: (s) => base("bridge", s, { bridge: "brcase", IsGateway: true }), observe: bridgeState, proves: (o) => o.gateway.length === 1 },
  { name: "bridge ISGATEWAY", plugin: "bridge", config: (s) => base("bridge", s, { bridge: "brcase", ISGATEWAY: true }), observe: bridgeState, proves: (o) => o.gateway.length === 1 },
  { name: "bridge isGateway:true then IsGateway:false (last wins)", plugin: "bridge", config: (s) => base("bridge", s, { bridge: "brcase", isGateway: true, IsGateway: false }), observe: bridgeState, proves: (o) => o.gateway.length === 0 },
  { name: "bridge IsGateway:false then isGateway:true (last wins)", plugin: "bridge", config: (s) => base("bridge", s, { bridge: "brcase", IsGateway: false, isGateway: true }), observe: bridgeState, proves: (o) => o.gateway.length === 1 },
  { name: "bridge MTU", plugin: "bridge", config: (s) => base("bridge", s, { bridge: "brcase", MTU: 1400 }), observe: bridgeState, proves: (o) => o.podMtu === 1400 && o.portMtu === 1400 },
  { name: "bridge HairpinMode", plugin: "bridge", config: (s) => base("bridge", s, { bridge: "brcase", HairpinMode: true }), observe: bridgeState, proves: (o) => o.hairpin === true },
  { name: "bridge Bridge", plugin: "bridge", config: (s) => base("bridge", s, { Bridge: "brupper" }), observe: bridgeState, proves: (o) => o.bridge === "brupper" },
  {
    name: "bridge IPAM.Type (U+017F and Kelvin sign in keys)",
    plugin: "bridge",
    config: (s) => ({ cniVersion: "1.0.0", name: NET, type: "bridge", "bridge": "brcase", "i\u017fGateway": true, "IPAM": { Type: "host-local", "\u017fubnet": "10.77.0.0/24", dataDir: s.data } }),
    observe: bridgeState,
    proves: (o) => o.gateway.length === 1,
  },
  {
    name: "ptp IPMasq + MTU",
    plugin: "ptp",
    config: (s) => base("ptp", s, { IPMasq: true, MTU: 1300 }),
    observe: (s) => ({ masq: /masquerade/.test(ruleset(s)), podMtu: s.pod.ipJson(["link", "show", "dev", "eth0"])[0]?.mtu }),
    proves: (o) => o.masq === true && o.podMtu === 1300,
  },
  {
    name: "host-local Ranges/Subnet/RangeStart/Gateway/DataDir/Routes/Dst",
    plugin: "host-local",
    config: (s) => ({
      cniVersion: "1.0.0",
      name: NET,
      type: "bridge",
      ipam: {
        type: "host-local",
        Ranges: [[{ Subnet: "10.78.0.0/24", RangeStart: "10.78.0.50", Gateway: "10.78.0.254" }]],
        Routes: [{ Dst: "10.200.0.0/16" }],
        DataDir: s.data,
      },
    }),
    observe: (s) => ({ files: allocations(s) }),
    proves: (o) => o.files.join() === "10.78.0.50",
  },
  {
    name: "host-local Subnet invalid -> both refuse",
    plugin: "host-local",
    config: (s) => ({ cniVersion: "1.0.0", name: NET, type: "bridge", ipam: { type: "host-local", Subnet: "bogus", dataDir: s.data } }),
    observe: (s) => ({ files: allocations(s) }),
    proves: (o) => o.failed === true,
  },
  {
    name: "portmap CRI runtimeConfig (HostPort, ContainerPort, Protocol, HostIP)",
    plugin: "portmap",
    chained: true,
    config: (s) => ({
      cniVersion: "1.0.0",
      name: NET,
      type: "portmap",
      runtimeConfig: { portMappings: [{ HostPort: 18080, ContainerPort: 80, Protocol: "tcp", HostIP: "" }] },
      prevResult: s.prev,
    }),
    observe: (s) => ({ hostPort: /\b18080\b/.test(ruleset(s)) }),
    proves: (o) => o.hostPort === true,
  },
  {
    name: "bandwidth CRI runtimeConfig (IngressRate, IngressBurst, EgressRate, EgressBurst)",
    plugin: "bandwidth",
    chained: true,
    config: (s) => ({ cniVersion: "1.0.0", name: NET, type: "bandwidth", runtimeConfig: { bandwidth: CRI_RATES }, prevResult: s.prev }),
    observe: tbf,
    proves: (o) => o.veth !== undefined && o.ifb !== undefined,
  },
  {
    name: "bandwidth top-level IngressRate/IngressBurst/EgressRate/EgressBurst",
    plugin: "bandwidth",
    chained: true,
    config: (s) => ({ cniVersion: "1.0.0", name: NET, type: "bandwidth", ...CRI_RATES, prevResult: s.prev }),
    observe: tbf,
    proves: (o) => o.veth !== undefined && o.ifb !== undefined,
  },
];

/** Async, so the worker stays responsive while a plugin runs on a loaded machine. */
function call(s: Side, plugin: string, command: string, config: Json): Promise<PluginOutcome> {
  return runPlugin({ plugin, command, config, containerId: CID, netns: s.pod.path, node: s.node, dir: s.dir, path: s.dir });
}

/** Runs one row on one suite and tears everything down (the netns take their links and rules with them). */
async function runSide(dir: string, row: Row): Promise<Json> {
  const data = tempDir("case");
  const s: Side = { dir, node: createNetns("case"), pod: createNetns("casep"), data: data.path };
  try {
    if (row.chained) {
      const br = await call(s, "bridge", "ADD", base("bridge", s, { bridge: "brchain" }));
      if (br.code !== 0) throw new Error(`bridge ADD for the chain failed: ${br.stdout}`);
      s.prev = br.json;
    }
    const conf = row.config(s);
    const add = await call(s, row.plugin, "ADD", conf);
    const result = add.code === 0 ? normResult(add.json, s) : { failed: true };
    const state = row.observe(s, add.json);
    const del = await call(s, row.plugin, "DEL", conf);
    return { result, state: add.code === 0 ? state : { ...state, failed: true }, delOk: del.code === 0 };
  } finally {
    s.pod.delete();
    s.node.delete();
    data.remove();
  }
}

describe.skipIf(!isRoot || !hasBinary || !hasReference)("config keys in any case: tscni vs /usr/lib/cni (Go encoding/json)", () => {
  afterAll(deleteAllNetns);

  it.each(ROWS.map((r) => [r.name, r] as const))("%s -> same outcome as the reference", async (_name, row) => {
    const theirs = await runSide(REF_DIR, row);
    const ours = await runSide(BIN_DIR, row);
    expect(row.proves(theirs.state), `the reference did not honour the key: ${JSON.stringify(theirs)}`).toBe(true);
    expect(ours).toEqual(theirs);
  });
});
