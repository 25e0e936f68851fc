// dhcp IPAM config, the plugin<->daemon protocol and the daemon's flags.
import { describe, expect, it } from "vitest";
import { CniError } from "../../../../../shared/cni/errors.ts";
import type { NetConf } from "../../../../../shared/cni/plugin.ts";
import { DEFAULT_REQUEST, leaseParams, parseConfig } from "../../../../../plugins/ipam/dhcp/config.ts";
import { decodeReply, decodeRequest, encodeLine, PROTOCOL_VERSION, type DaemonRequest } from "../../../../../plugins/ipam/dhcp/protocol.ts";
import { FlagError, parseDaemonFlags, parseDuration } from "../../../../../plugins/ipam/dhcp/daemon/flags.ts";

const conf = (ipam: Record<string, unknown>) => {
  const raw = { name: "n", ipam: { type: "dhcp", ...ipam } };
  return { ...raw, raw } as unknown as NetConf;
};
const code7 = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CniError);
    return expect((e as CniError).code).toBe(7);
  }
  throw new Error("did not throw");
};

describe("dhcp config", () => {
  it("defaults: reference socket path, tscni's request list, no provide, priority 0", () => {
    expect(parseConfig(conf({}))).toEqual({ socketPath: "/run/cni/dhcp.sock", provide: [], request: DEFAULT_REQUEST, priority: 0 });
  });

  it("keys match like Go's encoding/json: exact, else case-insensitive", () => {
    const c = parseConfig(conf({ DaemonSocketPath: "/x.sock", PRIORITY: 3, Request: [{ Option: "routers", SkipDefault: true }] }));
    expect(c).toMatchObject({ socketPath: "/x.sock", priority: 3, request: [3] });
  });

  it("request: named and numeric options, defaults appended unless skipDefault", () => {
    expect(parseConfig(conf({ request: [{ option: "42" }] })).request).toEqual([42, ...DEFAULT_REQUEST]);
    expect(parseConfig(conf({ request: [{ option: "42", skipDefault: true }, { option: "subnet-mask" }] })).request).toEqual([42, 1]);
  });

  it("bad input -> code 7: unknown name, code 256, pad/end, value > 255 bytes, wrong types", () => {
    code7(() => parseConfig(conf({ provide: [{ option: "bogus" }] })));
    code7(() => parseConfig(conf({ request: [{ option: "256" }] })));
    code7(() => parseConfig(conf({ request: [{ option: "0" }] })));
    code7(() => parseConfig(conf({ provide: [{ option: "host-name", value: "x".repeat(256) }] })));
    code7(() => parseConfig(conf({ provide: {} })));
    code7(() => parseConfig(conf({ priority: "1" })));
    code7(() => parseConfig(conf({ daemonSocketPath: 5 })));
  });

  it("provide: a CNI_ARGS value named by fromArg wins over value; base64 on the wire", () => {
    const c = parseConfig(conf({ provide: [{ option: "host-name", value: "dflt", fromArg: "K8S_POD_NAME" }, { option: "60", value: "v" }] }));
    expect(leaseParams(c, [["K8S_POD_NAME", "web-7"]]).provide).toEqual([[12, btoa("web-7")], [60, btoa("v")]]);
    expect(leaseParams(c, []).provide).toEqual([[12, btoa("dflt")], [60, btoa("v")]]);
    code7(() => leaseParams(c, [["K8S_POD_NAME", "x".repeat(300)]]));
  });
});

describe("dhcp daemon protocol", () => {
  const att = { containerId: "c", network: "n", ifname: "eth0", netns: "/run/netns/p" };
  const params = { provide: [], request: [1, 3], priority: 0 };

  it("request: encode/decode mirror per op; status needs nothing else", () => {
    const add = { tscniDhcp: PROTOCOL_VERSION, op: "add" as const, attachment: att, params };
    expect(decodeRequest(encodeLine(add).trim())).toEqual(add);
    expect(decodeRequest(JSON.stringify({ tscniDhcp: 1, op: "status" }))).toEqual({ tscniDhcp: 1, op: "status" });
    const gc: DaemonRequest = { tscniDhcp: 1, op: "gc", gc: { network: "n", valid: [{ containerId: "c", ifname: "eth0" }] } };
    expect(decodeRequest(encodeLine(gc).trim())).toEqual(gc);
    for (const bad of [{}, { network: "n" }, { network: "n", valid: [1] }, { network: 5, valid: [] }]) {
      expect(() => decodeRequest(JSON.stringify({ tscniDhcp: 1, op: "gc", gc: bad }))).toThrow();
    }
    expect(decodeRequest(JSON.stringify({ tscniDhcp: 1, op: "del", attachment: att }))).toEqual({ tscniDhcp: 1, op: "del", attachment: att });
  });

  const bad: Array<[string, string, number]> = [
    ["another version", JSON.stringify({ tscniDhcp: 2, op: "status" }), 103],
    ["no version", JSON.stringify({ op: "status" }), 103],
    ["not JSON", "{", 104],
    ["unknown op", JSON.stringify({ tscniDhcp: 1, op: "boom" }), 104],
    ["add without params", JSON.stringify({ tscniDhcp: 1, op: "add", attachment: att }), 104],
    ["bad option code", JSON.stringify({ tscniDhcp: 1, op: "add", attachment: att, params: { ...params, request: [300] } }), 104],
    ["ifname too long", JSON.stringify({ tscniDhcp: 1, op: "del", attachment: { ...att, ifname: "x".repeat(16) } }), 104],
  ];
  for (const [name, line, code] of bad) {
    it(`request: ${name} -> CniError ${code}`, () => {
      try {
        decodeRequest(line);
        throw new Error("accepted");
      } catch (e) {
        expect(e).toBeInstanceOf(CniError);
        expect((e as CniError).code).toBe(code);
      }
    });
  }

  it("reply: ok and error shapes decode; a malformed one is rejected", () => {
    expect(decodeReply(JSON.stringify({ tscniDhcp: 1, ok: false, code: 101, msg: "m" }))).toMatchObject({ ok: false, code: 101 });
    expect(() => decodeReply(JSON.stringify({ tscniDhcp: 1, ok: false }))).toThrow(CniError);
  });
});

describe("dhcp daemon flags", () => {
  it("reference flags in Go syntax; defaults", () => {
    const f = parseDaemonFlags(["-socketpath", "/s", "--pidfile=/p", "-hostprefix", "/host", "-timeout", "2s", "-resendmax=1m30s", "-broadcast"]);
    expect(f).toMatchObject({ socketPath: "/s", pidfile: "/p", hostPrefix: "/host", timeoutMs: 2000, resendMaxMs: 90_000, broadcast: true, resendTimeoutMs: 60_000 });
    expect(parseDaemonFlags([]).socketPath).toBe("/run/cni/dhcp.sock");
  });

  it("durations: Go units; garbage rejected", () => {
    expect(parseDuration("1h2m3.5s")).toBe(3_723_500);
    expect(parseDuration("250ms")).toBe(250);
    for (const d of ["", "5", "5x", "s"]) expect(() => parseDuration(d)).toThrow(FlagError);
  });

  it("errors: unknown flag, missing value, relative pidfile", () => {
    expect(() => parseDaemonFlags(["-nope"])).toThrow(/not defined/);
    expect(() => parseDaemonFlags(["-socketpath"])).toThrow(/needs an argument/);
    expect(() => parseDaemonFlags(["-pidfile", "rel.pid"])).toThrow(/absolute/);
  });
});
