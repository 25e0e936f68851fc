import { describe, expect, it } from "vitest";
import { CniError, FatalError, StepErrors, internalError, invalidConfig, stepFailures, tryAgainLater, unknownContainer } from "../../../../shared/cni/errors.ts";
import { MAX_CONFIG_BYTES, MAX_TEARDOWN_CONFIG_BYTES } from "../../../../shared/cni/json.ts";
import { codePrecedence, runPlugin, toCniError } from "../../../../shared/cni/skel.ts";
import { ADD_ENV, ALL, RESULT, conf, fakePlugin, run } from "./harness.ts";

const PREV_04 = { cniVersion: "0.4.0", ips: [{ version: "4", address: "10.1.0.5/24" }] };
const withVerb = (verb: string) => ({ ...ADD_ENV, CNI_COMMAND: verb });
const GC_ENV = { CNI_COMMAND: "GC", CNI_PATH: "/opt/cni/bin" };
const STATUS_ENV = { CNI_COMMAND: "STATUS", CNI_PATH: "/opt/cni/bin" };

describe("about and VERSION", () => {
  it("about: no CNI_COMMAND -> name and versions on stderr, nothing on stdout, exit 0", async () => {
    const { plugin } = fakePlugin();
    const out = await run(plugin, {}, "", { version: "v0.1.0" });
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("");
    expect(out.stderr).toBe(`CNI fake plugin v0.1.0\nCNI protocol versions supported: ${ALL.join(", ")}\n`);
  });

  it("about: no version given -> 'version unknown' like the reference", async () => {
    expect((await run(fakePlugin().plugin, { CNI_COMMAND: "" })).stderr).toMatch(/^CNI fake plugin version unknown\n/);
  });

  it("VERSION: config version supported -> echoed with the supported list, compact, newline", async () => {
    const out = await run(fakePlugin().plugin, { CNI_COMMAND: "VERSION" }, '{"cniVersion":"0.3.1"}');
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(`{"cniVersion":"0.3.1","supportedVersions":${JSON.stringify(ALL)}}\n`);
  });

  it("VERSION: no stdin, bad JSON, unknown version or unreadable stdin -> latest", async () => {
    const { plugin } = fakePlugin();
    for (const stdin of ["", "{", '{"cniVersion":"9.9.9"}']) {
      expect((await run(plugin, { CNI_COMMAND: "VERSION" }, stdin)).json.cniVersion, stdin).toBe("1.1.0");
    }
    const thrown = await run(plugin, { CNI_COMMAND: "VERSION" }, "", {
      readStdin: () => {
        throw new Error("EAGAIN");
      },
    });
    expect(thrown.json).toStrictEqual({ cniVersion: "1.1.0", supportedVersions: ALL });
  });

  it("VERSION: plugin supporting >= 0.3.0 only -> its own list, its highest as default", async () => {
    const { plugin } = fakePlugin({ supportedVersions: ["0.3.0", "0.3.1", "0.4.0", "1.0.0"] });
    const out = await run(plugin, { CNI_COMMAND: "VERSION" }, '{"cniVersion":"0.2.0"}');
    expect(out.json).toStrictEqual({ cniVersion: "1.0.0", supportedVersions: ["0.3.0", "0.3.1", "0.4.0", "1.0.0"] });
  });
});

describe("ADD", () => {
  it("add: valid env and config -> plugin called with parsed context, result printed in config version", async () => {
    const { plugin, calls } = fakePlugin();
    const env = { ...ADD_ENV, CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAME=web", OTHER: "x" };
    const out = await run(plugin, env, conf({ ipam: { type: "host-local", subnet: "10.1.0.0/24" } }, "0.4.0"));
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(
      [
        "{",
        '    "cniVersion": "0.4.0",',
        '    "interfaces": [',
        "        {",
        '            "name": "eth0",',
        '            "mac": "aa:bb:cc:dd:ee:ff",',
        '            "sandbox": "/run/netns/c"',
        "        }",
        "    ],",
        '    "ips": [',
        "        {",
        '            "version": "4",',
        '            "interface": 0,',
        '            "address": "10.1.0.5/24",',
        '            "gateway": "10.1.0.1"',
        "        }",
        "    ],",
        '    "dns": {}',
        "}",
      ].join("\n"),
    );
    const ctx = calls.add[0]!;
    expect(ctx).toMatchObject({
      verb: "ADD",
      containerId: "c1",
      netns: "/run/netns/c",
      ifname: "eth0",
      cniArgs: [
        ["IgnoreUnknown", "1"],
        ["K8S_POD_NAME", "web"],
      ],
      ignoreUnknownArgs: true,
      path: ["/opt/cni/bin"],
    });
    expect(ctx.conf).toMatchObject({ cniVersion: "0.4.0", name: "net1", type: "fake" });
    expect(ctx.conf.ipam).toStrictEqual({ type: "host-local" });
    expect(new TextDecoder().decode(ctx.stdin)).toContain('"subnet":"10.1.0.0/24"');
    expect(ctx.env.OTHER).toBe("x");
  });

  it("add: config 1.1.0 -> 1.1 fields kept (mtu) with sorted keys", async () => {
    const out = await run(fakePlugin().plugin, ADD_ENV, conf({}, "1.1.0"));
    expect(out.json).toStrictEqual({ ...RESULT, cniVersion: "1.1.0" });
    expect(out.stdout.indexOf('"interfaces"')).toBeLessThan(out.stdout.indexOf('"ips"'));
    expect(out.stdout.indexOf('"mac"')).toBeLessThan(out.stdout.indexOf('"mtu"'));
  });

  it("add: config 0.2.0 and a result without IPs -> 999 conversion error", async () => {
    const { plugin } = fakePlugin({ add: () => ({ cniVersion: "1.1.0", interfaces: [{ name: "eth0" }] }) });
    const out = await run(plugin, ADD_ENV, conf({}, "0.2.0"));
    expect(out.code).toBe(1);
    expect(out.json).toStrictEqual({ cniVersion: "0.2.0", code: 999, msg: "cannot convert: no valid IP addresses" });
  });

  it("add: prevResult in an older version -> converted to current for the plugin", async () => {
    const { plugin, calls } = fakePlugin();
    await run(plugin, ADD_ENV, conf({ prevResult: { ips: [{ version: "4", address: "10.1.0.5/24" }] } }, "0.4.0"));
    expect(calls.add[0]!.conf.prevResult).toStrictEqual({ cniVersion: "1.1.0", ips: [{ address: "10.1.0.5/24" }] });
  });

  it("add: runtimeConfig, args and dns -> validated, kept in raw; dns parsed", async () => {
    const { plugin, calls } = fakePlugin();
    const extra = {
      runtimeConfig: { portMappings: [{ hostPort: 80 }] },
      args: { cni: { ips: ["10.1.0.9"] } },
      dns: { nameservers: ["1.1.1.1"], search: [] },
    };
    await run(plugin, ADD_ENV, conf(extra));
    expect(calls.add[0]!.conf).toMatchObject({ raw: extra, dns: { nameservers: ["1.1.1.1"] } });
  });
});

describe("env rules through runPlugin", () => {
  it("env: ADD missing everything -> error 4 naming all, latest cniVersion (config unread)", async () => {
    const out = await run(fakePlugin().plugin, { CNI_COMMAND: "ADD" }, conf());
    expect(out.code).toBe(1);
    expect(out.stdout).toBe(
      '{\n    "cniVersion": "1.1.0",\n    "code": 4,\n    "msg": "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing"\n}',
    );
  });

  it("env: DEL without CNI_NETNS -> plugin called with netns ''", async () => {
    const { plugin, calls } = fakePlugin();
    const { CNI_NETNS: _n, ...env } = withVerb("DEL");
    const out = await run(plugin, env, conf());
    expect(out).toMatchObject({ code: 0, stdout: "" });
    expect(calls.del[0]!.netns).toBe("");
  });

  it("env: CHECK without CNI_NETNS -> error 4", async () => {
    const { CNI_NETNS: _n, ...env } = withVerb("CHECK");
    expect((await run(fakePlugin().plugin, env, conf({ prevResult: PREV_04 }, "0.4.0"))).json).toMatchObject({
      code: 4,
      msg: "required env variables [CNI_NETNS] missing",
    });
  });

  it("env: unknown command -> error 4, plugin not called", async () => {
    const { plugin, calls } = fakePlugin();
    const out = await run(plugin, withVerb("FOO"), conf());
    expect(out.json).toStrictEqual({ cniVersion: "1.1.0", code: 4, msg: "unknown CNI_COMMAND: FOO" });
    expect(calls.add).toHaveLength(0);
  });

  it("env: bad container ID -> 4 with details; bad ifname -> 4", async () => {
    const { plugin } = fakePlugin();
    expect((await run(plugin, { ...ADD_ENV, CNI_CONTAINERID: "-bad" }, conf())).json).toStrictEqual({
      cniVersion: "1.0.0",
      code: 4,
      msg: "invalid characters in containerID",
      details: "-bad",
    });
    expect((await run(plugin, { ...ADD_ENV, CNI_IFNAME: "a:b" }, conf())).json.code).toBe(4);
  });

  it("env: GC and STATUS -> no container ID or ifname needed", async () => {
    const { plugin, calls } = fakePlugin();
    expect((await run(plugin, GC_ENV, conf({ "cni.dev/valid-attachments": [] }, "1.1.0"))).code).toBe(0);
    expect((await run(plugin, STATUS_ENV, conf({}, "1.1.0"))).code).toBe(0);
    expect(calls.gc).toHaveLength(1);
    expect(calls.status).toHaveLength(1);
  });

  it("env: CNI_NETNS is our own netns -> error 8, plugin not called; override=1 -> called", async () => {
    const { plugin, calls } = fakePlugin();
    const ids = { ownNetnsIdentity: () => "4:42", netnsIdentity: () => "4:42" };
    const out = await run(plugin, ADD_ENV, conf(), ids);
    expect(out.json).toMatchObject({ code: 8, msg: "plugin's netns and netns from CNI_NETNS should not be the same" });
    expect(calls.add).toHaveLength(0);
    expect((await run(plugin, { ...ADD_ENV, CNI_NETNS_OVERRIDE: "1" }, conf(), ids)).code).toBe(0);
    expect((await run(plugin, ADD_ENV, conf(), { ...ids, netnsIdentity: () => "4:43" })).code).toBe(0);
    expect(calls.add).toHaveLength(2);
  });

  it("env: CNI_NETNS own netns on DEL -> error 8 too", async () => {
    const ids = { ownNetnsIdentity: () => "4:42", netnsIdentity: () => "4:42" };
    expect((await run(fakePlugin().plugin, withVerb("DEL"), conf(), ids)).json.code).toBe(8);
  });
});

describe("CNI_ARGS through runPlugin", () => {
  it("args: syntax error -> 999 'ARGS: invalid pair', plugin not called", async () => {
    const { plugin, calls } = fakePlugin();
    const out = await run(plugin, { ...ADD_ENV, CNI_ARGS: "FOO" }, conf());
    expect(out.json).toStrictEqual({ cniVersion: "1.0.0", code: 999, msg: 'ARGS: invalid pair "FOO"' });
    expect(calls.add).toHaveLength(0);
  });

  it("args: bad IgnoreUnknown value -> 999", async () => {
    const out = await run(fakePlugin().plugin, { ...ADD_ENV, CNI_ARGS: "IgnoreUnknown=maybe" }, conf());
    expect(out.json.msg).toBe('ARGS: error parsing value of pair "IgnoreUnknown=maybe": boolean unmarshal error: invalid input maybe');
  });

  it("args: unknown keys without IgnoreUnknown -> left to the plugin (ignoreUnknownArgs false)", async () => {
    const { plugin, calls } = fakePlugin();
    expect((await run(plugin, { ...ADD_ENV, CNI_ARGS: "FOO=bar" }, conf())).code).toBe(0);
    expect(calls.add[0]!).toMatchObject({ cniArgs: [["FOO", "bar"]], ignoreUnknownArgs: false });
  });
});

describe("stdin and config errors", () => {
  it("config: bad JSON -> error 6", async () => {
    const out = await run(fakePlugin().plugin, ADD_ENV, '{"cniVersion":');
    expect(out.json).toMatchObject({ cniVersion: "1.1.0", code: 6 });
    expect(out.json.msg).toMatch(/^error unmarshall network config: /);
  });

  it("config: empty stdin -> error 6 'unexpected end of JSON input'", async () => {
    expect((await run(fakePlugin().plugin, ADD_ENV, "")).json).toMatchObject({
      code: 6,
      msg: "error unmarshall network config: unexpected end of JSON input",
    });
  });

  it("config: huge stdin -> error 6 naming the limit, plugin not called", async () => {
    const { plugin, calls } = fakePlugin();
    const huge = new Uint8Array(MAX_CONFIG_BYTES + 1).fill(0x20);
    const out = await run(plugin, ADD_ENV, huge);
    expect(out.json).toMatchObject({ code: 6, msg: `error unmarshall network config: input exceeds ${MAX_CONFIG_BYTES} bytes` });
    expect(calls.add).toHaveLength(0);
  });

  it("config: DEL, CHECK and GC over 1 MiB (a big prevResult, a long valid list) -> accepted up to 16 MiB; ADD refused", async () => {
    const routes = Array.from({ length: 40_000 }, (_, i) => ({ dst: `10.${i >> 8 & 255}.${i & 255}.0/24`, gw: "10.1.0.1" }));
    const prevResult = { ...RESULT, routes };
    const big = conf({ prevResult, "cni.dev/valid-attachments": [] }, "1.1.0");
    expect(big.length).toBeGreaterThan(MAX_CONFIG_BYTES);
    const { plugin, calls } = fakePlugin();
    expect((await run(plugin, ADD_ENV, big)).json).toMatchObject({ code: 6, msg: `error unmarshall network config: input exceeds ${MAX_CONFIG_BYTES} bytes` });
    expect((await run(plugin, withVerb("DEL"), big)).code).toBe(0);
    expect((await run(plugin, withVerb("CHECK"), big)).code).toBe(0);
    expect((await run(plugin, GC_ENV, big)).code).toBe(0);
    expect([calls.add.length, calls.del.length, calls.check.length, calls.gc.length]).toEqual([0, 1, 1, 1]);
    expect(calls.del[0]!.conf.prevResult?.routes).toHaveLength(40_000);
    const huge = new Uint8Array(MAX_TEARDOWN_CONFIG_BYTES + 1).fill(0x20);
    expect((await run(plugin, withVerb("DEL"), huge)).json).toMatchObject({ code: 6, msg: `error unmarshall network config: input exceeds ${MAX_TEARDOWN_CONFIG_BYTES} bytes` });
  });

  it("config: stdin `null` -> error 7 (missing network name, as the reference), plugin not called", async () => {
    const { plugin, calls } = fakePlugin();
    const out = await run(plugin, ADD_ENV, "null");
    expect(out.json).toMatchObject({ code: 7, msg: "missing network name" });
    expect(calls.add).toHaveLength(0);
  });

  it("config: 5000 levels of nesting -> clean error 6 naming the limit, no stack overflow; 100 levels -> accepted", async () => {
    const { plugin, calls } = fakePlugin();
    const deep = (n: number) => `{"cniVersion":"1.0.0","name":"n","type":"t","x":${"[".repeat(n)}${"]".repeat(n)}}`;
    const out = await run(plugin, ADD_ENV, deep(5000));
    expect(out.json).toMatchObject({ code: 6, msg: "error unmarshall network config: nested deeper than 512 levels" });
    expect(calls.add).toHaveLength(0);
    expect((await run(plugin, ADD_ENV, deep(100))).code).toBe(0);
  });

  it("config: stdin read fails -> error 5", async () => {
    const out = await run(fakePlugin().plugin, ADD_ENV, "", {
      readStdin: () => {
        throw new Error("EIO");
      },
    });
    expect(out.json).toMatchObject({ code: 5, msg: "error reading from stdin: EIO" });
  });

  it("config: __proto__ or constructor key anywhere -> error 6", async () => {
    for (const bad of ['{"cniVersion":"1.0.0","name":"n","type":"t","__proto__":{"x":1}}', '{"cniVersion":"1.0.0","name":"n","type":"t","ipam":{"constructor":{}}}']) {
      const out = await run(fakePlugin().plugin, ADD_ENV, bad);
      expect(out.json.code, bad).toBe(6);
      expect(out.json.msg).toMatch(/forbidden key/);
    }
  });

  it("config: JSON array or invalid UTF-8 -> error 6", async () => {
    expect((await run(fakePlugin().plugin, ADD_ENV, "[1]")).json.code).toBe(6);
    expect((await run(fakePlugin().plugin, ADD_ENV, new Uint8Array([0x7b, 0xff, 0x7d]))).json.code).toBe(6);
  });

  it("config: unknown cniVersion -> 1 'incompatible CNI versions' with Go-style details, latest version", async () => {
    const out = await run(fakePlugin().plugin, ADD_ENV, conf({}, "9.9.9"));
    expect(out.json).toStrictEqual({
      cniVersion: "1.1.0",
      code: 1,
      msg: "incompatible CNI versions",
      details: `config is "9.9.9", plugin supports ["0.1.0" "0.2.0" "0.3.0" "0.3.1" "0.4.0" "1.0.0" "1.1.0"]`,
    });
  });

  it("config: cniVersion not a string -> 6; absent -> 0.1.0 like the reference", async () => {
    expect((await run(fakePlugin().plugin, ADD_ENV, '{"cniVersion":1,"name":"n","type":"t"}')).json.code).toBe(6);
    const out = await run(fakePlugin().plugin, ADD_ENV, '{"name":"n","type":"t"}');
    expect(out.json).toMatchObject({ cniVersion: "0.1.0", ip4: { ip: "10.1.0.5/24", gateway: "10.1.0.1" } });
  });

  it("config: missing or invalid name -> 7", async () => {
    const { plugin } = fakePlugin();
    expect((await run(plugin, ADD_ENV, '{"cniVersion":"1.0.0","type":"t"}')).json).toMatchObject({ code: 7, msg: "missing network name" });
    expect((await run(plugin, ADD_ENV, conf({ name: "a b" }))).json).toMatchObject({ code: 7, details: "a b" });
  });

  it("config: missing type -> 7", async () => {
    expect((await run(fakePlugin().plugin, ADD_ENV, '{"cniVersion":"1.0.0","name":"n"}')).json.code).toBe(7);
  });

  it("config: bad prevResult -> 7 with the config's cniVersion in the error", async () => {
    const out = await run(fakePlugin().plugin, ADD_ENV, conf({ prevResult: { ips: [{ address: "nope" }] } }));
    expect(out.json).toMatchObject({ cniVersion: "1.0.0", code: 7 });
  });

  it("config: ipam not an object or ipam.type not a string -> 7; ipam {} -> type ''", async () => {
    const { plugin, calls } = fakePlugin();
    expect((await run(plugin, ADD_ENV, conf({ ipam: "host-local" }))).json.code).toBe(7);
    expect((await run(plugin, ADD_ENV, conf({ ipam: { type: 3 } }))).json.code).toBe(7);
    expect((await run(plugin, ADD_ENV, conf({ ipam: {} }))).code).toBe(0);
    expect(calls.add[0]!.conf.ipam).toStrictEqual({ type: "" });
  });
});

describe("version gates", () => {
  it("check: config 0.3.1 -> 1 'config version does not allow CHECK'", async () => {
    const { plugin, calls } = fakePlugin();
    const out = await run(plugin, withVerb("CHECK"), conf({ prevResult: PREV_04 }, "0.3.1"));
    expect(out.json).toStrictEqual({ cniVersion: "0.3.1", code: 1, msg: "config version does not allow CHECK" });
    expect(calls.check).toHaveLength(0);
  });

  it("check: config 0.4.0 with prevResult -> plugin.check called, nothing printed", async () => {
    const { plugin, calls } = fakePlugin();
    const out = await run(plugin, withVerb("CHECK"), conf({ prevResult: PREV_04 }, "0.4.0"));
    expect(out).toMatchObject({ code: 0, stdout: "" });
    expect(calls.check[0]!.conf.prevResult?.ips).toStrictEqual([{ address: "10.1.0.5/24" }]);
  });

  it("check: no prevResult -> 7 'required prevResult missing'", async () => {
    const out = await run(fakePlugin().plugin, withVerb("CHECK"), conf({}, "1.0.0"));
    expect(out.json).toMatchObject({ code: 7, msg: "required prevResult missing" });
  });

  it("check: plugin supports only up to 0.4.0, config 1.0.0 -> 1 'plugin version does not allow CHECK'", async () => {
    const { plugin } = fakePlugin({ supportedVersions: ["0.3.1", "0.4.0"] });
    const out = await run(plugin, withVerb("CHECK"), conf({ prevResult: { cniVersion: "1.0.0" } }, "1.0.0"));
    expect(out.json).toMatchObject({ code: 1, msg: "plugin version does not allow CHECK" });
  });

  for (const [verb, env] of [
    ["GC", GC_ENV],
    ["STATUS", STATUS_ENV],
  ] as const) {
    it(`${verb.toLowerCase()}: config 1.0.0 -> 1 'config version does not allow ${verb}'`, async () => {
      const out = await run(fakePlugin().plugin, env, conf({}, "1.0.0"));
      expect(out.json).toStrictEqual({ cniVersion: "1.0.0", code: 1, msg: `config version does not allow ${verb}` });
    });

    it(`${verb.toLowerCase()}: plugin without 1.1.0 -> 1 'plugin version does not allow ${verb}'`, async () => {
      const { plugin } = fakePlugin({ supportedVersions: ["0.4.0", "1.0.0"] });
      expect((await run(plugin, env, conf({}, "1.1.0"))).json.msg).toBe(`plugin version does not allow ${verb}`);
    });
  }

  it("gates: ADD and DEL -> no minimum version", async () => {
    const { plugin, calls } = fakePlugin();
    expect((await run(plugin, withVerb("DEL"), conf({}, "0.1.0"))).code).toBe(0);
    expect(calls.del).toHaveLength(1);
  });
});

describe("GC, STATUS, DEL and optional verbs", () => {
  it("gc: valid-attachments and libcni's attachments -> merged, deduplicated", async () => {
    const { plugin, calls } = fakePlugin();
    const body = conf(
      {
        "cni.dev/valid-attachments": [{ containerID: "a", ifname: "eth0" }],
        "cni.dev/attachments": [
          { containerID: "a", ifname: "eth0" },
          { containerID: "b", ifname: "eth1" },
        ],
      },
      "1.1.0",
    );
    const out = await run(plugin, GC_ENV, body);
    expect(out).toMatchObject({ code: 0, stdout: "" });
    expect(calls.gc[0]!.validAttachments).toStrictEqual([
      { containerID: "a", ifname: "eth0" },
      { containerID: "b", ifname: "eth1" },
    ]);
    expect(calls.gc[0]!.path).toStrictEqual(["/opt/cni/bin"]);
  });

  it("gc: no cni.dev/valid-attachments (missing or null) -> 7, the plugin's GC never runs", async () => {
    const { plugin, calls } = fakePlugin();
    for (const extra of [{}, { "cni.dev/valid-attachments": null }]) {
      const out = await run(plugin, GC_ENV, conf(extra, "1.1.0"));
      expect(out.json.code).toBe(7);
    }
    expect(calls.gc).toHaveLength(0);
  });

  it("gc: malformed attachment list -> 6", async () => {
    const out = await run(fakePlugin().plugin, GC_ENV, conf({ "cni.dev/valid-attachments": [{ containerID: 1 }] }, "1.1.0"));
    expect(out.json.code).toBe(6);
  });

  it("optional verbs: plugin without check/gc/status -> success, nothing printed", async () => {
    const { plugin } = fakePlugin({ check: undefined, gc: undefined, status: undefined });
    expect(await run(plugin, withVerb("CHECK"), conf({ prevResult: PREV_04 }, "0.4.0"))).toMatchObject({ code: 0, stdout: "" });
    expect(await run(plugin, GC_ENV, conf({ "cni.dev/valid-attachments": [] }, "1.1.0"))).toMatchObject({ code: 0, stdout: "" });
    expect(await run(plugin, STATUS_ENV, conf({}, "1.1.0"))).toMatchObject({ code: 0, stdout: "" });
  });

  it("status: plugin throws 50 -> error object with code 50", async () => {
    const { plugin } = fakePlugin({
      status: () => {
        throw new CniError(50, "plugin not available", "no IPs left");
      },
    });
    expect((await run(plugin, STATUS_ENV, conf({}, "1.1.0"))).json).toStrictEqual({
      cniVersion: "1.1.0",
      code: 50,
      msg: "plugin not available",
      details: "no IPs left",
    });
  });
});

describe("error mapping", () => {
  class NetnsGoneError extends Error {
    constructor() {
      super('failed to open netns "/x": no such file or directory');
      this.name = "NetnsGoneError";
    }
  }
  class StoreError extends Error {
    readonly cniCode = 11;
    readonly cniDetails = "lock held";
  }

  it("errors: CniError -> as is (code, msg, details, config cniVersion)", async () => {
    const { plugin } = fakePlugin({
      add: () => {
        throw new CniError(7, "bad bridge", "bridge name too long");
      },
    });
    const out = await run(plugin, ADD_ENV, conf({}, "0.3.1"));
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('{\n    "cniVersion": "0.3.1",\n    "code": 7,\n    "msg": "bad bridge",\n    "details": "bridge name too long"\n}');
  });

  it("errors: error with cniCode -> that code and cniDetails", async () => {
    const { plugin } = fakePlugin({
      del: async () => {
        throw new StoreError("lock busy");
      },
    });
    expect((await run(plugin, withVerb("DEL"), conf())).json).toStrictEqual({ cniVersion: "1.0.0", code: 11, msg: "lock busy", details: "lock held" });
  });

  it("errors: an uncoded lower-layer error (netns gone on ADD) -> 999 like the reference", () => {
    expect(toCniError(new NetnsGoneError())).toMatchObject({ code: 999, msg: 'failed to open netns "/x": no such file or directory' });
  });

  it("errors: plain Error or non-Error -> 999 with its message", async () => {
    const { plugin } = fakePlugin({
      add: () => {
        throw new Error("boom");
      },
    });
    expect((await run(plugin, ADD_ENV, conf())).json).toStrictEqual({ cniVersion: "1.0.0", code: 999, msg: "boom" });
    expect(toCniError("weird")).toMatchObject({ code: 999, msg: "weird" });
  });

  it("errors: rejected promise from an async verb -> printed, exit 1", async () => {
    const { plugin } = fakePlugin({ add: async () => Promise.reject(new CniError(11, "try again later")) });
    const out = await run(plugin, ADD_ENV, conf());
    expect(out).toMatchObject({ code: 1, json: { code: 11, msg: "try again later" } });
  });
});

describe("error lists: the code printed", () => {
  // codes in the order the steps failed -> the code printed
  const TABLE: [number[], number][] = [
    [[], 999],
    [[999], 999],
    [[999, 999], 999],
    [[11], 11],
    [[999, 11], 11],
    [[7, 11], 11],
    [[999, 7], 7],
    [[5, 7], 5],
    [[999, 100, 5], 100],
    [[999, 5, 11, 7], 11],
  ];
  for (const [codes, want] of TABLE) {
    it(`precedence: [${codes.join(", ")}] -> ${want}`, () => {
      const i = codePrecedence(codes);
      expect(codes.length ? codes[i] : 999).toBe(want);
    });
  }

  it("toCniError: a list -> the winner's code, every step in msg, details prefixed by their step", () => {
    const list = new StepErrors([
      ...stepFailures("delete container interface", new Error("EPERM")),
      ...stepFailures("release IP", tryAgainLater("store busy", "lock held")),
      ...stepFailures("remove masquerade rules", invalidConfig("bad")),
    ]);
    expect(toCniError(list)).toMatchObject({
      code: 11,
      msg: "delete container interface: EPERM; release IP: store busy; remove masquerade rules: bad",
      details: "release IP: lock held",
    });
  });

  it("toCniError: a rollback list (original error has no step) -> original first, its code unless 11 won", () => {
    const list = new StepErrors([...stepFailures("", unknownContainer("no such pod")), ...stepFailures("rollback: delete veth", internalError("EBUSY"))]);
    expect(toCniError(list)).toMatchObject({ code: 3, msg: "no such pod; rollback: delete veth: EBUSY" });
  });

  it("DEL through skel: IPAM answered 11 among 999s -> 11 printed", async () => {
    const { plugin } = fakePlugin({
      del: async () => {
        throw new StepErrors([...stepFailures("delete link", new Error("EPERM")), ...stepFailures("release IP", tryAgainLater("busy"))]);
      },
    });
    const out = await run(plugin, withVerb("DEL"), conf());
    expect(out.json).toStrictEqual({ cniVersion: "1.0.0", code: 11, msg: "delete link: EPERM; release IP: busy" });
  });

  it("fatal: printed as an error object, then rethrown so the caller stops at once", async () => {
    const { plugin } = fakePlugin({
      del: () => {
        throw new FatalError("failed to return to the original network namespace: EPERM");
      },
    });
    const printed: string[] = [];
    const io = { env: withVerb("DEL"), readStdin: () => new TextEncoder().encode(conf()), stdout: (s: string) => void printed.push(s), stderr: () => {} };
    await expect(runPlugin(plugin, io)).rejects.toBeInstanceOf(FatalError);
    expect(JSON.parse(printed.join(""))).toMatchObject({ code: 999, msg: /original network namespace/ });
  });
});
