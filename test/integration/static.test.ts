// static IPAM, compiled binary, against the reference 1.1.1 binary for the same inputs: results must be
// equal (JSON), and a config one rejects the other rejects too. Pure computation: no namespaces needed
// (CNI_NETNS is this process's own netns with CNI_NETNS_OVERRIDE=1, as IPAM plugins never enter it).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN_DIR, hasReference, REF_DIR, runPluginSync, type PluginOutcome } from "./harness.ts";

const hasBinary = existsSync(join(BIN_DIR, "static"));
type Json = Record<string, any>;

function run(dir: string, command: string, config: Json, cniArgs = ""): PluginOutcome {
  return runPluginSync({ plugin: "static", command, config, dir, cniArgs, netns: "/proc/self/ns/net", env: { CNI_NETNS_OVERRIDE: "1" } });
}

const conf = (ipam: Json, extra: Json = {}, cniVersion = "1.0.0"): Json => ({ cniVersion, name: "snet", type: "macvlan", ...extra, ipam: { type: "static", ...ipam } });

const CASES: [string, Json, string?][] = [
  ["v4 + v6 with gateway, routes, dns", conf({ addresses: [{ address: "10.1.0.5/24", gateway: "10.1.0.1" }, { address: "fd00::5/64", gateway: "fd00::1" }], routes: [{ dst: "0.0.0.0/0" }, { dst: "10.9.0.0/16", gw: "10.1.0.254" }], dns: { nameservers: ["1.1.1.1"], domain: "d", search: ["s"], options: ["o"] } })],
  ["host bits kept", conf({ addresses: [{ address: "10.1.0.77/16" }] })],
  ["no addresses", conf({})],
  ["bare IP", conf({ addresses: [{ address: "10.1.0.5" }] })],
  ["bad gateway", conf({ addresses: [{ address: "10.1.0.5/24", gateway: "zz" }] })],
  ["CNI_ARGS IP appended, GATEWAY on it only", conf({ addresses: [{ address: "10.1.0.5/24" }] }), "IP=10.2.0.5/24,10.3.0.5/24;GATEWAY=10.1.0.1,10.2.0.1"],
  ["CNI_ARGS unknown key", conf({ addresses: [{ address: "10.1.0.5/24" }] }), "FOO=bar"],
  ["CNI_ARGS unknown key with IgnoreUnknown", conf({ addresses: [{ address: "10.1.0.5/24" }] }), "IgnoreUnknown=1;FOO=bar;IP=10.2.0.5/24"],
  ["CNI_ARGS bad IP", conf({}), "IP=10.2.0.5"],
  ["args.cni.ips replaces", conf({ addresses: [{ address: "10.1.0.5/24", gateway: "10.1.0.1" }] }, { args: { cni: { ips: ["10.4.0.5/24", "fd04::5/64"] } } })],
  ["runtimeConfig.ips beats args.cni.ips", conf({ addresses: [{ address: "10.1.0.5" }] }, { args: { cni: { ips: ["10.4.0.5/24"] } }, runtimeConfig: { ips: ["10.5.0.5/24"] } })],
  ["runtimeConfig.ips not CIDR", conf({}, { runtimeConfig: { ips: ["10.5.0.5"] } })],
  ["two v4 under 0.2.0", conf({ addresses: [{ address: "10.1.0.5/24" }, { address: "10.2.0.5/24" }] }, {}, "0.2.0")],
  ["one v4 + one v6 under 0.2.0", conf({ addresses: [{ address: "10.1.0.5/24", gateway: "10.1.0.1" }, { address: "fd00::5/64" }], routes: [{ dst: "0.0.0.0/0" }] }, {}, "0.2.0")],
  ["0.4.0 shape", conf({ addresses: [{ address: "10.1.0.5/24", gateway: "10.1.0.1" }] }, {}, "0.4.0")],
  ["no ipam key", { cniVersion: "1.0.0", name: "snet", type: "static" }],
];

/** Go prints "dns": {} even when empty (1.x); tscni omits it. */
function comparable(o: PluginOutcome): Json {
  if (o.code !== 0) return { failed: true };
  const r = { ...o.json };
  if (r.dns && Object.keys(r.dns).length === 0) delete r.dns;
  return r;
}

(hasBinary ? describe : describe.skip)("static", () => {
  (hasReference ? it.each(CASES) : it.skip.each(CASES))("differential: %s -> same outcome as the reference 1.1.1", (_name, config, cniArgs = "") => {
    const ours = run(BIN_DIR, "ADD", config, cniArgs);
    const theirs = run(REF_DIR, "ADD", config, cniArgs);
    expect(comparable(ours), ours.stdout).toEqual(comparable(theirs));
    if (ours.code !== 0) expect(ours.json.msg).toBeTruthy();
  });

  it("del: anything, even a config ADD would reject -> success", () => {
    expect(run(BIN_DIR, "DEL", conf({ addresses: [{ address: "bogus" }] })).code).toBe(0);
  });

  it("check: gateway differing from prevResult -> error; address absent from prevResult -> ok (reference's weak check)", () => {
    const c = conf({ addresses: [{ address: "10.1.0.5/24", gateway: "10.1.0.1" }] });
    const prev = (gw: string) => ({ cniVersion: "1.0.0", ips: [{ address: "10.1.0.5/24", gateway: gw }] });
    expect(run(BIN_DIR, "CHECK", { ...c, prevResult: prev("10.1.0.1") }).code).toBe(0);
    const bad = run(BIN_DIR, "CHECK", { ...c, prevResult: prev("10.1.0.2") });
    expect(bad.json.msg).toBe("static: Failed to match addr 10.1.0.5 on interface eth0");
    expect(run(BIN_DIR, "CHECK", { ...c, prevResult: { cniVersion: "1.0.0", ips: [{ address: "10.7.0.5/24" }] } }).code).toBe(0);
    if (hasReference) {
      expect(run(REF_DIR, "CHECK", { ...c, prevResult: prev("10.1.0.2") }).code).not.toBe(0);
      expect(run(REF_DIR, "CHECK", { ...c, prevResult: prev("10.1.0.1") }).code).toBe(0);
    }
  });

  it("version: VERSION -> 0.1.0 .. 1.1.0", () => {
    const o = runPluginSync({ plugin: "static", command: "VERSION", config: {}, stdin: "" });
    expect(o.json.supportedVersions).toContain("1.1.0");
  });
});
