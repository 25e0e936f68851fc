// tuning config: key precedence, sysctl paths, duplicate keys, allowlist, backup file format.
import { describe, expect, it } from "vitest";
import { backupOf, formatBackup, parseBackup } from "../../../../../plugins/meta/tuning/backup.ts";
import { isPassthrough, parseTuningConfig, type TuningInput } from "../../../../../plugins/meta/tuning/config.ts";
import { checkAllowed, duplicateSysctlKey, parseAllowlist, sysctlPath } from "../../../../../plugins/meta/tuning/keys.ts";
import { buildNetConf } from "../../../../../shared/cni/config.ts";
import { expectCniError } from "../../../cni-error.ts";

function input(raw: Record<string, unknown>, over: Partial<TuningInput> = {}): TuningInput {
  const full = { cniVersion: "1.0.0", name: "n", type: "tuning", ...raw };
  return {
    conf: buildNetConf(full, "1.0.0"),
    ifname: "eth0",
    cniArgs: [],
    ignoreUnknownArgs: false,
    stdin: new TextEncoder().encode(JSON.stringify(full)),
    ...over,
  };
}

const parse = (raw: Record<string, unknown>, over: Partial<TuningInput> = {}) => parseTuningConfig(input(raw, over));

describe("tuning config", () => {
  it("parse: no keys (Podman) -> pass-through, default dataDir", () => {
    const c = parse({});
    expect(isPassthrough(c)).toBe(true);
    expect(c.dataDir).toBe("/run/cni/tuning");
    expect(c).toEqual({ dataDir: "/run/cni/tuning", sysctls: [], promisc: false, mtu: 0 });
  });

  it("parse: every key -> frozen config; keys matched case-insensitively", () => {
    const c = parse({ SYSCTL: { "net.ipv4.conf.IFNAME.arp_filter": "1" }, Mac: "C2:00:00:00:00:01", promisc: true, mtu: 1400, allmulti: false, txqlen: 500, dataDir: "/x" });
    expect(c).toEqual({
      dataDir: "/x",
      sysctls: [{ key: "net.ipv4.conf.IFNAME.arp_filter", path: "net/ipv4/conf/eth0/arp_filter", value: "1" }],
      mac: "c2:00:00:00:00:01",
      promisc: true,
      mtu: 1400,
      allmulti: false,
      txQLen: 500,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("parse: mac < CNI_ARGS MAC < runtimeConfig.mac < args.cni.mac", () => {
    const args = { cniArgs: [["MAC", "c2:00:00:00:00:02"] as const] };
    expect(parse({ mac: "c2:00:00:00:00:01" }).mac).toBe("c2:00:00:00:00:01");
    expect(parse({ mac: "c2:00:00:00:00:01" }, args).mac).toBe("c2:00:00:00:00:02");
    expect(parse({ mac: "c2:00:00:00:00:01", runtimeConfig: { mac: "c2:00:00:00:00:03" } }, args).mac).toBe("c2:00:00:00:00:03");
    const all = { mac: "c2:00:00:00:00:01", runtimeConfig: { mac: "c2:00:00:00:00:03" }, args: { cni: { mac: "c2:00:00:00:00:04" } } };
    expect(parse(all, args).mac).toBe("c2:00:00:00:00:04");
  });

  it("parse: CNI_ARGS with an unknown key and no IgnoreUnknown -> the reference's LoadArgs error", () => {
    expectCniError(() => parse({}, { cniArgs: [["FOO", "1"]] }), 999, /unknown args/);
    expect(parse({}, { cniArgs: [["FOO", "1"]], ignoreUnknownArgs: true }).mac).toBeUndefined();
  });

  it("parse: args.cni overrides promisc, mtu, allmulti, txQLen; args.cni.sysctl merges (no top-level map: no crash)", () => {
    const c = parse({ promisc: true, mtu: 1400, args: { cni: { promisc: false, mtu: 1300, allmulti: true, txQLen: 0, sysctl: { "net.ipv4.conf.eth0.rp_filter": "2" } } } });
    expect(c).toMatchObject({ promisc: false, mtu: 1300, allmulti: true, txQLen: 0 });
    expect(c.sysctls.map((s) => [s.key, s.value])).toEqual([["net.ipv4.conf.eth0.rp_filter", "2"]]);
    const m = parse({ sysctl: { "net.a.b": "1", "net.c": "2" }, args: { cni: { sysctl: { "net.c": "3" } } } });
    expect(m.sysctls.map((s) => [s.key, s.value])).toEqual([["net.a.b", "1"], ["net.c", "3"]]);
  });

  it("parse: bad values -> error 7 naming the key", () => {
    expectCniError(() => parse({ mac: "nope" }), 7, /invalid MAC address "nope" in mac/);
    expectCniError(() => parse({ mtu: -1 }), 7, /mtu/);
    expectCniError(() => parse({ txQLen: 1.5 }), 7, /txQLen/);
    expectCniError(() => parse({ sysctl: { "net.x": 1 } }), 7, /sysctl\.net\.x: expected a string/);
    expectCniError(() => parse({ sysctl: { "kernel.hostname": "x" } }), 7, /invalid net sysctl key: "kernel.hostname"/);
    expectCniError(() => parse({}, { ifname: "a/b" }), 7, /contains an invalid character/);
  });

  it("parse: the same sysctl key twice (even across SYSCTL and sysctl) -> refused; DEL's parse (no stdin) accepts", () => {
    const text = '{"cniVersion":"1.0.0","name":"n","type":"tuning","sysctl":{"net.a":"1","net.a":"2"}}';
    const raw = JSON.parse(text);
    expectCniError(() => parse(raw, { stdin: new TextEncoder().encode(text) }), 7, /duplicated sysctl keys/);
    expect(parse(raw, { stdin: new Uint8Array() }).sysctls).toHaveLength(1);
    expect(duplicateSysctlKey('{"x":{"sysctl":{"a":1}},"sysctl":{"a":"1"},"SYSCTL":{"a":"2"}}')).toBe("a");
    expect(duplicateSysctlKey('{"s":"sysctl\\"{", "sysctl": {"a":"{[\\"", "b": "1"}, "z": [1, {"sysctl": 2}]}')).toBeUndefined();
    expect(duplicateSysctlKey('{"sysctl": null, "args": {"cni": {"sysctl": {"a": "1"}}}}')).toBeUndefined();
  });
});

describe("tuning sysctl keys", () => {
  it("path: dots become slashes first, then the first IFNAME is the interface (dotted names work)", () => {
    expect(sysctlPath("net.ipv4.conf.IFNAME.arp_filter", "eth0.100")).toBe("net/ipv4/conf/eth0.100/arp_filter");
    expect(sysctlPath("net/ipv6/conf/IFNAME/IFNAME", "e1")).toBe("net/ipv6/conf/e1/IFNAME");
    expect(sysctlPath("net.core.somaxconn", "e")).toBe("net/core/somaxconn");
  });

  it("path: anything resolving outside /proc/sys/net/ -> invalid net sysctl key", () => {
    for (const k of ["net", "net.", "kernel.x", "/kernel/x", "net/IFNAME/kernel"]) {
      const ifname = k.includes("IFNAME") ? ".." : "e";
      expect(() => sysctlPath(k, ifname), k).toThrow(/invalid net sysctl key/);
    }
    // dots are slashes before anything else: ".." in a key can never climb out
    expect(sysctlPath("net/../kernel/x", "e")).toBe("net/kernel/x");
  });

  it("allowlist: unanchored regexps per line; a key matching none -> refused with the list", () => {
    const allow = parseAllowlist("  ^net\\.ipv4\\.conf\\.IFNAME\\.[a-z_]*$\n\nnet.core.somaxconn\n");
    expect(allow).toHaveLength(2);
    checkAllowed("net.ipv4.conf.IFNAME.arp_filter", allow);
    checkAllowed("xnet.core.somaxconnx", allow);
    expectCniError(() => checkAllowed("net.ipv4.ip_forward", allow), 7, /Sysctl net.ipv4.ip_forward is not allowed/);
    expectCniError(() => parseAllowlist("net.(\n"), 7, /invalid sysctl allowlist pattern/);
  });

  it("parse with an allowlist: keys checked as written, args.cni.sysctl included", () => {
    const allowlist = parseAllowlist("^net\\.core\\.");
    expect(parse({ sysctl: { "net.core.somaxconn": "1" } }, { allowlist }).sysctls).toHaveLength(1);
    expectCniError(() => parse({ args: { cni: { sysctl: { "net.ipv4.ip_forward": "1" } } } }, { allowlist }), 7, /not allowed/);
  });
});

describe("tuning backup file", () => {
  const now = { mac: "02:00:00:00:00:aa", promisc: false, mtu: 1500, allmulti: true, txqlen: 1000 };

  it("format: only what tuning changes, Go MarshalIndent with one space, struct key order", () => {
    const cfg = parse({ mac: "c2:00:00:00:00:01", promisc: true, mtu: 1400, allmulti: false, txQLen: 5 });
    expect(formatBackup(backupOf(cfg, now))).toBe('{\n "mac": "02:00:00:00:00:aa",\n "promisc": false,\n "mtu": 1500,\n "allmulti": true,\n "txQLen": 1000\n}');
    expect(formatBackup(backupOf(parse({ mtu: 9000 }), now))).toBe('{\n "mtu": 1500\n}');
    expect(formatBackup({})).toBe("{}");
    // tscni's one extra field comes last (the reference ignores it)
    expect(formatBackup({ mtu: 1500, attachment: "t" })).toBe('{\n "mtu": 1500,\n "attachment": "t"\n}');
  });

  it("parse: the reference 1.1.1's file, a round trip, and garbage", () => {
    expect(parseBackup('{\n "mac": "02:00:00:00:00:aa",\n "promisc": false,\n "mtu": 1500\n}')).toEqual({ mac: "02:00:00:00:00:aa", promisc: false, mtu: 1500 });
    const b = { mac: "02:00:00:00:00:aa", promisc: true, mtu: 1400, allmulti: false, txQLen: 0, attachment: "0123456789abcdef-0123456789abcdef, net: n, if: eth0, id: c" };
    expect(parseBackup(formatBackup(b))).toEqual(b);
    expect(parseBackup("not json")).toBeUndefined();
    expect(parseBackup('{"mtu": "x"}')).toBeUndefined();
  });
});
