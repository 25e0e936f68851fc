// The nftables firewall layer against a real kernel: each case gets a private netns (tscni-fw-*), runs
// a small Bun script calling shared/firewall/nft.ts inside it (ip netns exec), and asserts with
// `nft -j list ruleset` / `iptables -S` in that netns. Needs root, nft, and Bun from node_modules.
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { legacyChainName, masqComment } from "../../shared/firewall/hash.ts";
import { createNetns, deleteAllNetns, REF_DIR, ROOT, sh, tempDir, type TestNetns } from "./harness.ts";

const BUN = join(ROOT, "node_modules/.bin/bun");
const isRoot = process.getuid?.() === 0;
const hasNft = ["/usr/sbin/nft", "/sbin/nft"].some((p) => existsSync(p));
const hasIptables = ["/usr/sbin/iptables", "/sbin/iptables"].some((p) => existsSync(p));
const canRun = isRoot && hasNft && existsSync(BUN);
if (!canRun) console.warn("firewall integration tests skipped: need root, the nft binary and node_modules/.bin/bun");

interface Step {
  op: string;
  args: unknown[];
}
interface StepResult {
  ok: boolean;
  ms: number;
  value?: unknown;
  errorName?: string;
  error?: string;
}

// Runs each step in order, in-process, and prints one JSON line of results. Errors are data, not exits.
const DRIVER = `
import { systemFirewall } from ${JSON.stringify(join(ROOT, "shared/firewall/system.ts"))};
const fw = systemFirewall();
const steps = JSON.parse(process.argv[2]);
const out = [];
for (const s of steps) {
  const t0 = performance.now();
  try {
    const value = fw[s.op](...s.args);
    out.push({ ok: true, ms: performance.now() - t0, value });
  } catch (e) {
    out.push({ ok: false, ms: performance.now() - t0, errorName: e.name, error: e.message });
  }
}
require("node:fs").writeSync(1, JSON.stringify(out));
`;

let dir: { path: string; remove(): void };
let driverPath: string;
let ns: TestNetns | undefined;

beforeAll(() => {
  dir = tempDir("fw");
  driverPath = join(dir.path, "driver.ts");
  writeFileSync(driverPath, DRIVER);
});
afterEach(() => {
  ns?.delete();
  ns = undefined;
});
afterAll(() => {
  deleteAllNetns();
  dir?.remove();
});

function fresh(): TestNetns {
  ns = createNetns("fw");
  return ns;
}

function drive(n: TestNetns, steps: Step[]): StepResult[] {
  const out = sh("ip", ["netns", "exec", n.name, BUN, "run", driverPath, JSON.stringify(steps)]);
  return JSON.parse(out) as StepResult[];
}

function step(op: string, ...args: unknown[]): Step {
  return { op, args };
}

interface JsonRule {
  chain: string;
  comment?: string;
  expr: unknown;
  table: string;
  family: string;
}

function ruleset(n: TestNetns): unknown[] {
  const parsed = JSON.parse(n.exec("nft", ["-j", "list", "ruleset"])) as { nftables: unknown[] };
  return parsed.nftables;
}

function rules(n: TestNetns, family: string, table: string, chain: string): JsonRule[] {
  return ruleset(n)
    .map((x) => (x as { rule?: JsonRule }).rule)
    .filter((r): r is JsonRule => !!r && r.family === family && r.table === table && r.chain === chain);
}

/** Elements of a set or map as "key" or "key : value" text with their comment. */
function elements(n: TestNetns, family: string, kind: "set" | "map", name: string): { text: string; comment?: string }[] {
  const text = (v: unknown): string => {
    const c = (v as { concat?: unknown[] } | null)?.concat;
    return Array.isArray(c) ? c.join(" . ") : String(v);
  };
  for (const x of ruleset(n)) {
    const o = (x as Record<string, { family?: string; table?: string; name?: string; elem?: unknown[] }>)[kind];
    if (!o || o.family !== family || o.table !== "cni_hostport" || o.name !== name) continue;
    return (o.elem ?? []).map((e) => {
      const [k, v] = Array.isArray(e) ? e : [e, undefined];
      const inner = (k as { elem?: { val: unknown; comment?: string } }).elem;
      const key = text(inner ? inner.val : k);
      return { text: v === undefined ? key : `${key} : ${text(v)}`, comment: inner?.comment };
    });
  }
  return [];
}

const MASQ = ["inet", "cni_plugins_masquerade", "masq_checks"] as const;

describe.skipIf(!canRun)("firewall: masquerade (nftables)", () => {
  const c1 = { network: "mynet", ifname: "eth0", containerId: "c1", ips: [{ address: "10.88.0.2/24" }, { address: "fd00:88::2/64" }] };
  const c2 = { network: "mynet", ifname: "eth0", containerId: "c2", ips: [{ address: "10.88.0.3/24" }] };
  const id = (a: { network: string; ifname: string; containerId: string }) => ({ network: a.network, ifname: a.ifname, containerId: a.containerId });

  it("setup: two pods, teardown one (twice) -> the other's rules remain, exactly the reference shape", () => {
    const n = fresh();
    const res = drive(n, [step("setupIPMasq", c1), step("setupIPMasq", c2), step("teardownIPMasq", id(c2)), step("teardownIPMasq", id(c2))]);
    expect(res.map((r) => r.ok)).toEqual([true, true, true, true]);
    const left = rules(n, ...MASQ);
    expect(left.map((r) => r.comment)).toEqual([masqComment("mynet", "eth0", "c1"), masqComment("mynet", "eth0", "c1")]);
    const listing = n.exec("nft", ["list", "table", "inet", "cni_plugins_masquerade"]);
    expect(listing).toContain("ip saddr 10.88.0.2 ip daddr != 10.88.0.0/24 masquerade");
    expect(listing).toContain("ip6 saddr fd00:88::2 ip6 daddr != fd00:88::/64 masquerade");
    expect(listing).toMatch(/ip daddr 224\.0\.0\.0\/4 return\s+ip6 daddr ff00::\/8 return\s+goto masq_checks/);
    expect(listing).not.toContain("10.88.0.3");
  });

  it("check: present pod -> passes; torn-down pod -> FirewallCheckError", () => {
    const n = fresh();
    const res = drive(n, [step("setupIPMasq", c1), step("checkIPMasq", c1), step("checkIPMasq", c2)]);
    expect(res[1]?.ok).toBe(true);
    expect(res[2]).toMatchObject({ ok: false, errorName: "FirewallCheckError" });
  });

  it("teardown: nothing ever set up -> succeeds, creates nothing", () => {
    const n = fresh();
    expect(drive(n, [step("teardownIPMasq", id(c1))])[0]?.ok).toBe(true);
    expect(n.exec("nft", ["list", "tables"]).trim()).toBe("");
  });

  it("gc: three pods on mynet and one on othernet, only c2 valid -> c2 and othernet remain", () => {
    const n = fresh();
    const c3 = { ...c2, containerId: "c3", ips: [{ address: "10.88.0.4/24" }] };
    const o1 = { ...c1, network: "othernet", ips: [{ address: "10.99.0.2/24" }] };
    const res = drive(n, [
      step("setupIPMasq", c1), step("setupIPMasq", c2), step("setupIPMasq", c3), step("setupIPMasq", o1),
      step("gcIPMasq", "mynet", [{ containerId: "c2", ifname: "eth0" }]),
    ]);
    expect(res.every((r) => r.ok)).toBe(true);
    expect(rules(n, ...MASQ).map((r) => r.comment).sort()).toEqual(
      [masqComment("mynet", "eth0", "c2"), masqComment("othernet", "eth0", "c1")].sort(),
    );
  });

  it("timing: one masquerade setup + teardown in-process (table already present) -> reported", () => {
    const n = fresh();
    const res = drive(n, [
      step("setupIPMasq", c1), // first use: creates the table and chains
      step("setupIPMasq", c2), step("teardownIPMasq", id(c2)),
      step("setupIPMasq", c2), step("teardownIPMasq", id(c2)),
      step("setupIPMasq", c2), step("teardownIPMasq", id(c2)),
    ]);
    expect(res.every((r) => r.ok)).toBe(true);
    const ms = (i: number) => res[i]?.ms ?? NaN;
    const setups = [ms(1), ms(3), ms(5)].sort((a, b) => a - b);
    const teardowns = [ms(2), ms(4), ms(6)].sort((a, b) => a - b);
    console.log(
      `firewall timing: first setup ${ms(0).toFixed(2)} ms; median setup ${setups[1]?.toFixed(2)} ms, ` +
        `median teardown ${teardowns[1]?.toFixed(2)} ms (libnftables in-process)`,
    );
    expect(setups[1]).toBeLessThan(50);
  });
});

describe.skipIf(!canRun)("firewall: port forwarding (nftables maps)", () => {
  const a = {
    containerId: "ctrA", containerIPs: ["10.88.0.2", "fd00:88::2"], snat: true, masqAll: false,
    mappings: [
      { hostPort: 8080, containerPort: 80, protocol: "tcp" },
      { hostPort: 53, containerPort: 5353, protocol: "udp", hostIP: "10.1.1.1" },
    ],
  };
  const b = { ...a, containerId: "ctrB", containerIPs: ["10.88.0.3"], mappings: [{ hostPort: 8080, containerPort: 81, protocol: "tcp" }] };

  it("setup: v4+v6 container -> elements tagged with the container ID in both tables, check passes", () => {
    const n = fresh();
    const res = drive(n, [step("setupPortForward", a), step("checkPortForward", a)]);
    expect(res.map((r) => r.ok)).toEqual([true, true]);
    expect(elements(n, "ip", "map", "tscni_hostports")).toEqual([{ text: "tcp . 8080 : 10.88.0.2 . 80", comment: "ctrA" }]);
    expect(elements(n, "ip", "map", "tscni_hostip_hostports")).toEqual([{ text: "10.1.1.1 . udp . 53 : 10.88.0.2 . 5353", comment: "ctrA" }]);
    expect(elements(n, "ip6", "map", "tscni_hostports")).toEqual([{ text: "tcp . 8080 : fd00:88::2 . 80", comment: "ctrA" }]);
    expect(elements(n, "ip", "set", "tscni_hairpin")).toEqual([{ text: "10.88.0.2 . 10.88.0.2", comment: "ctrA" }]);
    expect(elements(n, "ip", "set", "tscni_localhost")).toEqual([{ text: "10.88.0.2", comment: "ctrA" }]);
    const pre = n.exec("nft", ["list", "chain", "ip", "cni_hostport", "prerouting"]);
    expect(pre).toContain("fib daddr type local jump hostports_all");
  });

  it("setup: port held by another container -> PortConflictError naming it, nothing of B added", () => {
    const n = fresh();
    const res = drive(n, [step("setupPortForward", a), step("setupPortForward", b), step("findPortConflicts", b)]);
    expect(res[1]).toMatchObject({ ok: false, errorName: "PortConflictError" });
    expect(res[1]?.error).toContain("ctrA");
    expect(res[2]?.value).toEqual([{ family: "ip", protocol: "tcp", hostPort: 8080, ownerContainerId: "ctrA" }]);
    expect(elements(n, "ip", "set", "tscni_hairpin").map((e) => e.comment)).toEqual(["ctrA"]);
  });

  it("teardown: A then B -> only A's elements go; B can take the port; repeated teardown ok", () => {
    const n = fresh();
    const c = { ...b, containerId: "ctrC", containerIPs: ["10.88.0.4"], mappings: [{ hostPort: 9090, containerPort: 90, protocol: "tcp" }] };
    const res = drive(n, [
      step("setupPortForward", a), step("setupPortForward", c), step("teardownPortForward", "ctrA"),
      step("setupPortForward", b), step("checkPortForward", b), step("checkPortForward", c),
      step("teardownPortForward", "ctrA"), step("checkPortForward", a),
    ]);
    expect(res.slice(0, 7).map((r) => r.ok)).toEqual([true, true, true, true, true, true, true]);
    expect(res[7]).toMatchObject({ ok: false, errorName: "FirewallCheckError" });
    expect(elements(n, "ip", "map", "tscni_hostports").map((e) => e.comment).sort()).toEqual(["ctrB", "ctrC"]);
    expect(elements(n, "ip6", "map", "tscni_hostports")).toEqual([]);
    expect(elements(n, "ip", "map", "tscni_hostip_hostports")).toEqual([]);
  });

  it("setup: same container twice -> idempotent, one element per key", () => {
    const n = fresh();
    const res = drive(n, [step("setupPortForward", a), step("setupPortForward", a), step("checkPortForward", a)]);
    expect(res.map((r) => r.ok)).toEqual([true, true, true]);
    expect(elements(n, "ip", "map", "tscni_hostports")).toHaveLength(1);
  });

  it("teardown: reference-style rules commented with the container ID -> removed with ours", () => {
    const n = fresh();
    drive(n, [step("setupPortForward", a)]);
    n.exec("nft", ["add rule ip cni_hostport hostports tcp dport 7070 dnat to 10.88.0.2:70 comment \"ctrA\""]);
    n.exec("nft", ["add rule ip cni_hostport hostports tcp dport 7171 dnat to 10.88.0.9:71 comment \"ctrZ\""]);
    expect(drive(n, [step("teardownPortForward", "ctrA")])[0]?.ok).toBe(true);
    expect(rules(n, "ip", "cni_hostport", "hostports").map((r) => r.comment)).toEqual(["tscni portmap", "tscni portmap", "ctrZ"]);
  });

  it("traffic: connect to a local address on the host port -> reaches the container port (output path)", () => {
    const n = fresh();
    const ctr = createNetns("fwc");
    try {
      n.exec("ip", ["link", "add", "fwh0", "type", "veth", "peer", "name", "fwc0", "netns", ctr.name]);
      n.exec("ip", ["addr", "add", "10.88.0.1/24", "dev", "fwh0"]);
      n.exec("ip", ["link", "set", "fwh0", "up"]);
      ctr.exec("ip", ["addr", "add", "10.88.0.2/24", "dev", "fwc0"]);
      ctr.exec("ip", ["link", "set", "fwc0", "up"]);
      ctr.exec("ip", ["route", "add", "default", "via", "10.88.0.1"]);
      n.exec("ip", ["addr", "add", "192.0.2.10/32", "dev", "lo"]);
      drive(n, [step("setupPortForward", { ...a, containerIPs: ["10.88.0.2"] })]);
      const server = `
const s = Bun.listen({ hostname: "10.88.0.2", port: 80, socket: { open(sock) { sock.end("hello-from-ctr"); }, data() {} } });
setTimeout(() => s.stop(true), 4000);`;
      const client = `
const t = setTimeout(() => { console.log("timeout"); process.exit(1); }, 3000);
await Bun.sleep(300);
await Bun.connect({ hostname: "192.0.2.10", port: 8080, socket: { data(_s, d) { console.log(String(d)); clearTimeout(t); process.exit(0); }, error() { console.log("error"); process.exit(1); } } });`;
      writeFileSync(join(dir.path, "server.ts"), server);
      writeFileSync(join(dir.path, "client.ts"), client);
      const srv = spawn("ip", ["netns", "exec", ctr.name, BUN, "run", join(dir.path, "server.ts")], { stdio: "ignore" });
      try {
        const out = sh("ip", ["netns", "exec", n.name, BUN, "run", join(dir.path, "client.ts")], { allowFail: true });
        expect(out.trim()).toBe("hello-from-ctr");
      } finally {
        if (srv.pid) process.kill(srv.pid);
      }
    } finally {
      ctr.delete();
    }
  });
});

describe.skipIf(!canRun)("firewall: legacy iptables cleanup", () => {
  if (!hasIptables) console.warn("legacy iptables cleanup tests skipped: the iptables binary is absent");

  it.skipIf(!hasIptables)("teardown: reference-style masq chains (v4 + v6) -> chain and jumps gone, others kept", () => {
    const n = fresh();
    const chain = legacyChainName("mynet", "abc123");
    const comment = 'name: "mynet" id: "abc123"';
    for (const [bin, ip, net, mc] of [["iptables", "10.88.0.2", "10.88.0.0/24", "224.0.0.0/4"], ["ip6tables", "fd00:88::2", "fd00:88::/64", "ff00::/8"]] as const) {
      n.exec(bin, ["-t", "nat", "-N", chain]);
      n.exec(bin, ["-t", "nat", "-A", chain, "-d", net, "-j", "ACCEPT", "-m", "comment", "--comment", comment]);
      n.exec(bin, ["-t", "nat", "-A", chain, "!", "-d", mc, "-j", "MASQUERADE", "-m", "comment", "--comment", comment]);
      n.exec(bin, ["-t", "nat", "-A", "POSTROUTING", "-s", ip, "-j", chain, "-m", "comment", "--comment", comment]);
      n.exec(bin, ["-t", "nat", "-N", "CNI-keepme"]);
      n.exec(bin, ["-t", "nat", "-A", "POSTROUTING", "-s", ip, "-j", "CNI-keepme"]);
    }
    const res = drive(n, [step("teardownLegacyIPMasq", "mynet", "abc123"), step("teardownLegacyIPMasq", "mynet", "abc123")]);
    expect(res.map((r) => r.ok)).toEqual([true, true]);
    for (const bin of ["iptables", "ip6tables"]) {
      const s = n.exec(bin, ["-t", "nat", "-S"]);
      expect(s).not.toContain(chain);
      expect(s).toContain("-j CNI-keepme");
    }
  });

  it.skipIf(!hasIptables)("teardown: reference portmap CNI-DN chain in CNI-HOSTPORT-DNAT -> removed, summary chain kept", () => {
    const n = fresh();
    const dn = legacyChainName("mynet", "abc123", "DN-");
    n.exec("iptables", ["-t", "nat", "-N", "CNI-HOSTPORT-DNAT"]);
    n.exec("iptables", ["-t", "nat", "-N", dn]);
    n.exec("iptables", ["-t", "nat", "-A", dn, "-p", "tcp", "--dport", "8080", "-j", "DNAT", "--to-destination", "10.88.0.2:80"]);
    n.exec("iptables", ["-t", "nat", "-A", "CNI-HOSTPORT-DNAT", "-p", "tcp", "-m", "comment", "--comment", 'dnat name: "mynet" id: "abc123"', "-m", "multiport", "--destination-ports", "8080", "-j", dn]);
    expect(drive(n, [step("teardownLegacyPortForward", "mynet", "abc123")])[0]?.ok).toBe(true);
    const s = n.exec("iptables", ["-t", "nat", "-S"]);
    expect(s).not.toContain(dn);
    expect(s).toContain("-N CNI-HOSTPORT-DNAT");
  });

  it.skipIf(!hasIptables || !existsSync(join(REF_DIR, "bridge")))("oracle: chains made by the reference bridge (ipMasq) -> removed by our teardown", () => {
    const n = fresh();
    const ctr = createNetns("fwr");
    const data = tempDir("fwr");
    try {
      const conf = JSON.stringify({
        cniVersion: "0.4.0", name: "mynet", type: "bridge", bridge: "tscnibr0", isGateway: true, ipMasq: true,
        ipam: { type: "host-local", dataDir: data.path, ranges: [[{ subnet: "10.88.0.0/24" }], [{ subnet: "fd00:88::/64" }]] },
      });
      sh("ip", ["netns", "exec", n.name, "env", "CNI_COMMAND=ADD", "CNI_CONTAINERID=abc123", `CNI_NETNS=${ctr.path}`,
        "CNI_IFNAME=eth0", `CNI_PATH=${REF_DIR}`, join(REF_DIR, "bridge")], { input: conf });
      const chain = legacyChainName("mynet", "abc123");
      expect(n.exec("iptables", ["-t", "nat", "-S"])).toContain(`-N ${chain}`);
      expect(drive(n, [step("teardownLegacyIPMasq", "mynet", "abc123")])[0]?.ok).toBe(true);
      expect(n.exec("iptables", ["-t", "nat", "-S"])).not.toContain(chain);
      expect(n.exec("ip6tables", ["-t", "nat", "-S"])).not.toContain(chain);
    } finally {
      ctr.delete();
      data.remove();
    }
  });
});
