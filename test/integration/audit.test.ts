// `tscni audit`: damage made on purpose in a private node netns (a pod netns deleted without DEL, a
// cache entry lost so its veth, ifb, IP and firewall entries are orphans, an empty allocation file)
// is found, --fix repairs it, a second audit is clean, the healthy pod keeps working, and the orphan's
// host port is free again (a new pod takes it: portmap refuses a port another container still holds).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN_DIR, createNetns, deleteAllNetns, expectOk, runConflistSync, tempDir, type TestNetns } from "./harness.ts";

const isRoot = process.getuid?.() === 0;
const NET = "audnet";
const caps = (port: number) => JSON.stringify({
  portMappings: [{ hostPort: port, containerPort: 80, protocol: "tcp" }],
  bandwidth: { ingressRate: 8_000_000, ingressBurst: 80_000, egressRate: 8_000_000, egressBurst: 80_000 },
});

afterAll(deleteAllNetns);

describe.skipIf(!isRoot)("tscni audit", () => {
  let node: TestNetns;
  let pods: TestNetns[];
  let dir: { path: string; remove(): void };
  const cacheDir = () => join(dir.path, "cache");
  const storeDir = () => join(dir.path, "ipam", NET);
  const conflist = () => join(dir.path, "net.conflist");
  const run = (verb: "add" | "del", pod: TestNetns, id: string, flags: string[] = []) =>
    runConflistSync({ verb, conflist: conflist(), netns: pod.path, node, flags: ["--id", id, "--cache-dir", cacheDir(), ...flags] });
  const audit = (args: string[]) =>
    spawnSync("nsenter", [`--net=${node.path}`, "--", join(BIN_DIR, "tscni"), "audit", "--cache-dir", cacheDir(), "--plugin-dir", BIN_DIR,
      "--data-dir", join(dir.path, "none"), ...args], { encoding: "utf8" });
  const links = (kind: string) => node.ipJson(["link", "show", "type", kind]).map((l: { ifname: string }) => l.ifname);
  const nft = () => node.exec("nft", ["list", "ruleset"]);

  beforeEach(() => {
    node = createNetns("aud");
    pods = [createNetns("audp"), createNetns("audp"), createNetns("audp"), createNetns("audp")];
    dir = tempDir("aud");
    writeFileSync(conflist(), JSON.stringify({
      cniVersion: "1.1.0",
      name: NET,
      plugins: [
        { type: "bridge", bridge: "tscni-aud0", isGateway: true, ipMasq: true,
          ipam: { type: "host-local", ranges: [[{ subnet: "10.86.0.0/24" }]], dataDir: join(dir.path, "ipam") } },
        { type: "portmap", capabilities: { portMappings: true } },
        { type: "bandwidth", capabilities: { bandwidth: true } },
      ],
    }));
  });
  afterEach(() => {
    for (const p of pods) p.delete();
    node.delete();
    dir.remove();
  });

  it("audit: netns gone, lost cache entry (IP, veth, ifb, rules), empty IP file -> found; --fix -> repaired, traffic and ports right", () => {
    const [a, b, c, d] = pods as [TestNetns, TestNetns, TestNetns, TestNetns];
    const ra = expectOk(run("add", a, "keep", ["--cap-args", caps(18401)]));
    const rb = expectOk(run("add", b, "gone", ["--cap-args", caps(18402)]));
    const rc = expectOk(run("add", c, "lost", ["--cap-args", caps(18403)]));
    expect(audit([]).stdout).toBe("no findings\n");
    const hostIf = (r: any) => r.interfaces[1].name;
    // damage: b's netns vanishes without DEL; c's cache entry is lost; a crash leaves an empty IP file
    b.delete();
    rmSync(join(cacheDir(), "results", `${NET}-lost-eth0`));
    writeFileSync(join(storeDir(), "10.86.0.200"), "");

    const report = audit(["--json"]);
    expect(report.status, report.stderr).toBe(1);
    const found = JSON.parse(report.stdout) as Array<{ kind: string; containerId: string; object: string }>;
    const kinds = (k: string) => found.filter((f) => f.kind === k);
    expect(kinds("netns-gone").map((f) => f.containerId)).toEqual(["gone"]);
    expect(kinds("allocation-orphan").map((f) => f.object).sort()).toEqual(
      [join(storeDir(), "10.86.0.200"), join(storeDir(), rc.ips[0].address.split("/")[0])].sort());
    expect(kinds("veth-orphan").map((f) => f.object)).toEqual([hostIf(rc)]);
    expect(kinds("ifb-orphan").map((f) => f.object)).toEqual([rc.interfaces[3].name]);
    const nftLines = kinds("nft-orphan").map((f) => f.object);
    expect(nftLines.length).toBeGreaterThanOrEqual(2); // c's masquerade rule and its port-forward element(s)
    expect(found.some((f) => f.containerId === "keep" || f.object === hostIf(ra))).toBe(false);
    const table = audit([]);
    expect(table.stdout.split("\n")[0]).toMatch(/^KIND +NETWORK +CONTAINER +IFNAME +OBJECT +DETAIL$/);
    // a report changes nothing
    expect(links("veth")).toContain(hostIf(rc));
    expect(nft()).toContain("18403");

    const fix = audit(["--fix"]);
    expect(fix.status, fix.stdout + fix.stderr).toBe(0);
    expect(fix.stdout.split("\n").slice(1).filter(Boolean).every((l) => l.trimEnd().endsWith("fixed"))).toBe(true);
    expect(audit([]).stdout).toBe("no findings\n");

    expect(links("veth")).toEqual([hostIf(ra)]);
    expect(links("ifb")).toEqual([ra.interfaces[3].name]);
    expect(readdirSync(storeDir()).filter((f) => f.startsWith("10."))).toEqual([ra.ips[0].address.split("/")[0]]);
    expect(existsSync(join(cacheDir(), "results", `${NET}-gone-eth0`))).toBe(false);
    const rules = nft();
    expect(rules).toContain("18401");
    expect(rules).not.toMatch(/18402|18403/);
    // the healthy pod still answers; the orphan's host port is free for a new pod
    expect(spawnSync("nsenter", [`--net=${node.path}`, "--", "ping", "-c1", "-W5", ra.ips[0].address.split("/")[0]]).status).toBe(0);
    expectOk(run("add", d, "new", ["--cap-args", caps(18403)]));
    void rb;
  }, 300_000);

  it("audit: nft flush ruleset -> live pods' rules missing; --fix -> restored, masqueraded traffic and the host port work again", () => {
    const [a] = pods as [TestNetns];
    // an "outside" host with no route back to the pod subnet: reached from the pod only when masqueraded
    const outside = createNetns("audo");
    try {
      node.exec("ip", ["link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", outside.name]);
      node.exec("ip", ["addr", "add", "192.0.2.1/24", "dev", "up0"]);
      node.exec("ip", ["link", "set", "up0", "up"]);
      outside.exec("ip", ["addr", "add", "192.0.2.2/24", "dev", "eth0"]);
      outside.exec("ip", ["link", "set", "eth0", "up"]);
      node.exec("sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
      const ra = expectOk(run("add", a, "live", ["--cap-args", caps(18411)]));
      a.exec("ip", ["route", "replace", "default", "via", ra.ips[0].gateway]);
      const ping = () => spawnSync("nsenter", [`--net=${a.path}`, "--", "ping", "-c1", "-W3", "192.0.2.2"]).status;
      expect(ping()).toBe(0);
      node.exec("nft", ["flush", "ruleset"]);
      expect(ping()).not.toBe(0);

      const report = audit(["--json"]);
      expect(report.status, report.stderr).toBe(1);
      const missing = JSON.parse(report.stdout).filter((f: any) => f.kind === "rules-missing");
      expect(missing.map((f: any) => `${f.containerId}:${f.object}`).sort()).toEqual(["live:masquerade", "live:portmap"]);

      const fix = audit(["--fix"]);
      expect(fix.status, fix.stdout + fix.stderr).toBe(0);
      expect(audit([]).stdout).toBe("no findings\n");
      expect(ping()).toBe(0);
      expect(nft()).toContain("18411");
    } finally {
      outside.delete();
    }
  }, 300_000);

  it("audit: a bad flag -> usage, exit 2", () => {
    const r = audit(["--bogus"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^tscni audit: unknown flag --bogus\nusage: tscni audit/);
  });
});
