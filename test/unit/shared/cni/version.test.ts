import { describe, expect, it } from "vitest";
import { CniError } from "../../../../shared/cni/errors.ts";
import type { Result } from "../../../../shared/cni/types.ts";
import {
  SUPPORTED_VERSIONS,
  compareVersions,
  convertFromCurrent,
  formatResult,
  parsePrevResult,
  parseResult,
  parseVersion,
  versionAtLeast,
} from "../../../../shared/cni/version.ts";

// A current (1.1.0) result using every field. Expectations below are written by hand, in the key
// order the Go reference prints (1.x: map-sorted keys; 0.x: struct declaration order).
const FULL: Result = {
  cniVersion: "1.1.0",
  interfaces: [
    { name: "br0", mac: "aa:bb:cc:dd:ee:ff", mtu: 1400 },
    { name: "eth0", mac: "11:22:33:44:55:66", mtu: 1400, sandbox: "/run/netns/x", socketPath: "/s.sock", pciID: "0000:00:01.0" },
  ],
  ips: [
    { interface: 1, address: "10.1.0.5/24", gateway: "10.1.0.1" },
    { interface: 1, address: "10.1.0.6/24" },
    { interface: 1, address: "fd00::5/64", gateway: "fd00::1" },
  ],
  routes: [
    { dst: "0.0.0.0/0", gw: "10.1.0.1", mtu: 1300, advmss: 1200, priority: 5, table: 100, scope: 0 },
    { dst: "::/0" },
    { dst: "192.168.0.0/16", gw: "10.1.0.254" },
  ],
  dns: { nameservers: ["10.1.0.53"], domain: "example.org", search: ["example.org"], options: ["ndots:2"] },
};

const DNS_SORTED = { domain: "example.org", nameservers: ["10.1.0.53"], options: ["ndots:2"], search: ["example.org"] };
const DNS_STRUCT = { nameservers: ["10.1.0.53"], domain: "example.org", search: ["example.org"], options: ["ndots:2"] };

const out11 = (v: string) => ({
  cniVersion: v,
  dns: DNS_SORTED,
  interfaces: [
    { mac: "aa:bb:cc:dd:ee:ff", mtu: 1400, name: "br0" },
    { mac: "11:22:33:44:55:66", mtu: 1400, name: "eth0", pciID: "0000:00:01.0", sandbox: "/run/netns/x", socketPath: "/s.sock" },
  ],
  ips: [
    { address: "10.1.0.5/24", gateway: "10.1.0.1", interface: 1 },
    { address: "10.1.0.6/24", interface: 1 },
    { address: "fd00::5/64", gateway: "fd00::1", interface: 1 },
  ],
  routes: [
    { advmss: 1200, dst: "0.0.0.0/0", gw: "10.1.0.1", mtu: 1300, priority: 5, scope: 0, table: 100 },
    { dst: "::/0" },
    { dst: "192.168.0.0/16", gw: "10.1.0.254" },
  ],
});

const out10 = (v: string) => ({
  cniVersion: v,
  dns: DNS_SORTED,
  interfaces: [
    { mac: "aa:bb:cc:dd:ee:ff", name: "br0" },
    { mac: "11:22:33:44:55:66", name: "eth0", sandbox: "/run/netns/x" },
  ],
  ips: out11(v).ips,
  routes: [{ dst: "0.0.0.0/0", gw: "10.1.0.1" }, { dst: "::/0" }, { dst: "192.168.0.0/16", gw: "10.1.0.254" }],
});

const out04 = (v: string) => ({
  cniVersion: v,
  interfaces: [
    { name: "br0", mac: "aa:bb:cc:dd:ee:ff" },
    { name: "eth0", mac: "11:22:33:44:55:66", sandbox: "/run/netns/x" },
  ],
  ips: [
    { version: "4", interface: 1, address: "10.1.0.5/24", gateway: "10.1.0.1" },
    { version: "4", interface: 1, address: "10.1.0.6/24" },
    { version: "6", interface: 1, address: "fd00::5/64", gateway: "fd00::1" },
  ],
  routes: [{ dst: "0.0.0.0/0", gw: "10.1.0.1" }, { dst: "::/0" }, { dst: "192.168.0.0/16", gw: "10.1.0.254" }],
  dns: DNS_STRUCT,
});

const out02 = (v: string) => ({
  cniVersion: v,
  ip4: {
    ip: "10.1.0.5/24",
    gateway: "10.1.0.1",
    routes: [{ dst: "0.0.0.0/0", gw: "10.1.0.1" }, { dst: "192.168.0.0/16", gw: "10.1.0.254" }],
  },
  ip6: { ip: "fd00::5/64", gateway: "fd00::1", routes: [{ dst: "::/0" }] },
  dns: DNS_STRUCT,
});

const EXPECTED_OUT: Record<string, (v: string) => object> = {
  "1.1.0": out11,
  "1.0.0": out10,
  "0.4.0": out04,
  "0.3.1": out04,
  "0.3.0": out04,
  "0.2.0": out02,
  "0.1.0": out02,
};

const text = (o: object) => JSON.stringify(o, null, 4);

describe("formatResult (current -> each version)", () => {
  for (const v of SUPPORTED_VERSIONS) {
    it(`format: full 1.1.0 result as ${v} -> reference JSON text`, () => {
      expect(formatResult(FULL, v)).toBe(text(EXPECTED_OUT[v]!(v)));
    });
  }

  it("format: empty dns -> omitted for 1.x, {} for 0.x (as the Go types print)", () => {
    const r: Result = { cniVersion: "1.1.0", ips: [{ address: "10.0.0.2/24" }] };
    expect(formatResult(r, "1.0.0")).toBe('{\n    "cniVersion": "1.0.0",\n    "ips": [\n        {\n            "address": "10.0.0.2/24"\n        }\n    ]\n}');
    expect(formatResult(r, "0.4.0")).toBe(
      '{\n    "cniVersion": "0.4.0",\n    "ips": [\n        {\n            "version": "4",\n            "address": "10.0.0.2/24"\n        }\n    ],\n    "dns": {}\n}',
    );
    expect(formatResult(r, "0.2.0")).toBe('{\n    "cniVersion": "0.2.0",\n    "ip4": {\n        "ip": "10.0.0.2/24"\n    },\n    "dns": {}\n}');
  });

  it("format: zero values -> omitted like Go omitempty, but interface index 0 and table/scope 0 kept", () => {
    const r: Result = {
      cniVersion: "1.1.0",
      interfaces: [{ name: "lo", mac: "", mtu: 0, sandbox: "" }],
      ips: [{ interface: 0, address: "127.0.0.1/8", gateway: "" }],
      routes: [{ dst: "0.0.0.0/0", gw: "", mtu: 0, advmss: 0, priority: 0, table: 0, scope: 0 }],
      dns: { nameservers: [], domain: "", search: [], options: [] },
    };
    expect(JSON.parse(formatResult(r, "1.1.0"))).toStrictEqual({
      cniVersion: "1.1.0",
      interfaces: [{ name: "lo" }],
      ips: [{ address: "127.0.0.1/8", interface: 0 }],
      routes: [{ dst: "0.0.0.0/0", scope: 0, table: 0 }],
    });
  });

  it("format: strings with < > & -> escaped as Go's HTML-safe encoder does", () => {
    const r: Result = { cniVersion: "1.1.0", interfaces: [{ name: "a<b>&" }] };
    expect(formatResult(r, "1.1.0")).toContain('"name": "a\\u003cb\\u003e\\u0026"');
  });

  it("format: 0.2.0 with no IP at all -> error 'cannot convert: no valid IP addresses'", () => {
    const r: Result = { cniVersion: "1.1.0", interfaces: [{ name: "eth0" }] };
    expect(() => formatResult(r, "0.2.0")).toThrow("cannot convert: no valid IP addresses");
  });

  it("format: 0.2.0 with only v6 -> ip6 only, v4 routes dropped", () => {
    const r: Result = { cniVersion: "1.1.0", ips: [{ address: "fd00::2/64" }], routes: [{ dst: "0.0.0.0/0" }, { dst: "::/0" }] };
    expect(convertFromCurrent(r, "0.2.0")).toStrictEqual({
      cniVersion: "0.2.0",
      ip6: { ip: "fd00::2/64", routes: [{ dst: "::/0" }] },
      dns: {},
    });
  });

  it("format: IPv4-mapped IPv6 address -> version \"4\" as Go's To4 decides", () => {
    const r: Result = { cniVersion: "1.1.0", ips: [{ address: "::ffff:10.0.0.1/120" }] };
    expect(convertFromCurrent(r, "0.4.0")).toMatchObject({ ips: [{ version: "4" }] });
  });

  it("format: unknown version -> CniError 1", () => {
    expect(() => formatResult(FULL, "0.5.0")).toThrow(CniError);
    try {
      formatResult(FULL, "0.5.0");
    } catch (e) {
      expect((e as CniError).code).toBe(1);
    }
  });
});

// What each version's text turns into once parsed back to the current shape.
const CURRENT_FROM_10: Result = {
  cniVersion: "1.1.0",
  interfaces: [
    { name: "br0", mac: "aa:bb:cc:dd:ee:ff" },
    { name: "eth0", mac: "11:22:33:44:55:66", sandbox: "/run/netns/x" },
  ],
  ips: FULL.ips,
  routes: [{ dst: "0.0.0.0/0", gw: "10.1.0.1" }, { dst: "::/0" }, { dst: "192.168.0.0/16", gw: "10.1.0.254" }],
  dns: FULL.dns,
};

const CURRENT_FROM_02: Result = {
  cniVersion: "1.1.0",
  ips: [
    { address: "10.1.0.5/24", gateway: "10.1.0.1" },
    { address: "fd00::5/64", gateway: "fd00::1" },
  ],
  routes: [{ dst: "0.0.0.0/0", gw: "10.1.0.1" }, { dst: "192.168.0.0/16", gw: "10.1.0.254" }, { dst: "::/0" }],
  dns: FULL.dns,
};

const EXPECTED_IN: Record<string, Result> = {
  "1.1.0": FULL,
  "1.0.0": CURRENT_FROM_10,
  "0.4.0": CURRENT_FROM_10,
  "0.3.1": CURRENT_FROM_10,
  "0.3.0": CURRENT_FROM_10,
  "0.2.0": CURRENT_FROM_02,
  "0.1.0": CURRENT_FROM_02,
};

describe("parseResult (each version -> current)", () => {
  for (const v of SUPPORTED_VERSIONS) {
    it(`parse: reference ${v} JSON -> current result`, () => {
      expect(parseResult(JSON.parse(text(EXPECTED_OUT[v]!(v))), "1.1.0")).toStrictEqual(EXPECTED_IN[v]);
    });
  }

  it("parse: each version in, each version out -> matches the lossy projection", () => {
    for (const vin of SUPPORTED_VERSIONS) {
      const current = parseResult(JSON.parse(text(EXPECTED_OUT[vin]!(vin))), "1.1.0");
      for (const vout of SUPPORTED_VERSIONS) {
        const direct = JSON.parse(formatResult(current, vout));
        const viaExpected = JSON.parse(formatResult(EXPECTED_IN[vin]!, vout));
        expect(direct, `${vin} -> ${vout}`).toStrictEqual(viaExpected);
        if (vin !== "1.1.0" && !vin.startsWith("0.1") && !vin.startsWith("0.2") && vout !== "1.1.0") {
          expect(direct, `${vin} -> ${vout} keeps all it can`).toStrictEqual(EXPECTED_OUT[vout]!(vout));
        }
      }
    }
  });

  it("parse: result without cniVersion -> takes the fallback version's shape", () => {
    const r = parseResult({ ip4: { ip: "10.0.0.2/24" } }, "0.2.0");
    expect(r).toStrictEqual({ cniVersion: "1.1.0", ips: [{ address: "10.0.0.2/24" }] });
  });

  it("parse: non-canonical addresses -> re-printed as Go's net.IP.String()", () => {
    const r = parseResult({ cniVersion: "1.0.0", ips: [{ address: "FD00:0:0::05/64", gateway: "FD00::1" }] }, "1.0.0");
    expect(r.ips).toStrictEqual([{ address: "fd00::5/64", gateway: "fd00::1" }]);
  });

  it("parse: bad address / wrong types / unknown version -> CniError", () => {
    expect(() => parseResult({ cniVersion: "1.0.0", ips: [{ address: "10.0.0.300/24" }] }, "1.0.0")).toThrow(/ips\[0\]\.address/);
    expect(() => parseResult({ cniVersion: "1.0.0", routes: [{ dst: "0.0.0.0/0", mtu: "x" }] }, "1.0.0")).toThrow(/routes\[0\]\.mtu/);
    expect(() => parseResult({ cniVersion: "1.0.0", interfaces: "eth0" }, "1.0.0")).toThrow(/interfaces/);
    expect(() => parseResult({ cniVersion: "7.0.0" }, "1.0.0")).toThrow(/unsupported result version/);
    expect(() => parseResult([], "1.0.0")).toThrow(CniError);
  });
});

describe("parsePrevResult", () => {
  it("prevResult: no cniVersion -> config version injected", () => {
    const r = parsePrevResult({ ips: [{ version: "4", address: "10.0.0.2/24" }] }, "0.4.0");
    expect(r).toStrictEqual({ cniVersion: "1.1.0", ips: [{ address: "10.0.0.2/24" }] });
  });

  it("prevResult: 1.1.0 result under a 1.0.0 config -> accepted (one Go type)", () => {
    expect(parsePrevResult({ cniVersion: "1.1.0", ips: [{ address: "10.0.0.2/24" }] }, "1.0.0").ips).toHaveLength(1);
  });

  it("prevResult: 0.4.0 result under a 1.0.0 config -> error 7", () => {
    expect(() => parsePrevResult({ cniVersion: "0.4.0" }, "1.0.0")).toThrow(/does not match config version/);
  });
});

describe("version comparison", () => {
  it("compare: orders numerically, not lexically", () => {
    expect(compareVersions("0.10.0", "0.4.0")).toBe(1);
    expect(compareVersions("1.0.0", "1.0.0")).toBe(0);
    expect(compareVersions("0.3.1", "0.4.0")).toBe(-1);
    expect(versionAtLeast("1", "1.0.0")).toBe(true);
  });

  it("parseVersion: garbage -> CniError 6 'invalid version'", () => {
    expect(parseVersion("1.2")).toStrictEqual([1, 2, 0]);
    for (const bad of ["", "a.b.c", "1.2.3.4", "1..0", "-1.0.0"]) {
      expect(() => parseVersion(bad), bad).toThrow(/invalid version/);
    }
  });

  it("SUPPORTED_VERSIONS: 0.1.0 .. 1.1.0 in ascending order", () => {
    expect(SUPPORTED_VERSIONS).toStrictEqual(["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]);
  });
});
