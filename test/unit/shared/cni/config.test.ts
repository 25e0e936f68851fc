import { describe, expect, it } from "vitest";
import { buildNetConf, validAttachments } from "../../../../shared/cni/config.ts";
import { configVersion, decodeConfig } from "../../../../shared/cni/front.ts";
import { CniError } from "../../../../shared/cni/errors.ts";
import { goIndent, goQuote, goQuoteList, sortKeysDeep } from "../../../../shared/cni/json.ts";

const enc = (s: string) => new TextEncoder().encode(s);

function code(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!(e instanceof CniError)) throw e;
    return Number(e.code);
  }
}

describe("decodeConfig", () => {
  it("decode: object -> returned; array, scalar, nested __proto__ -> error 6", () => {
    expect(decodeConfig(enc('{"a":{"b":[1]}}'))).toStrictEqual({ a: { b: [1] } });
    expect(code(() => decodeConfig(enc("[]")))).toBe(6);
    expect(code(() => decodeConfig(enc('"x"')))).toBe(6);
    expect(code(() => decodeConfig(enc('{"a":[{"__proto__":{"polluted":1}}]}')))).toBe(6);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("configVersion: absent or empty -> 0.1.0; number -> 6", () => {
    expect(configVersion({})).toBe("0.1.0");
    expect(configVersion({ cniVersion: "" })).toBe("0.1.0");
    expect(configVersion({ cniVersion: "1.1.0" })).toBe("1.1.0");
    expect(code(() => configVersion({ cniVersion: 1 }))).toBe(6);
  });
});

describe("buildNetConf", () => {
  const raw = {
    cniVersion: "1.0.0",
    name: "n",
    type: "bridge",
    bridge: "cni0",
    ipam: { type: "host-local", ranges: [[{ subnet: "10.0.0.0/24" }]] },
    prevResult: { cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/24" }] },
  };

  it("build: full config -> NetConf with raw kept, absent optionals left out", () => {
    const conf = buildNetConf(raw, "1.0.0");
    expect(conf).toStrictEqual({
      cniVersion: "1.0.0",
      name: "n",
      type: "bridge",
      ipam: { type: "host-local" },
      prevResult: { cniVersion: "1.1.0", ips: [{ address: "10.0.0.2/24" }] },
      raw,
    });
  });

  it("build: keys in any case (CNIVersion, Name, Type, IPAM, PrevResult, DNS) -> read like Go", () => {
    const odd = {
      CNIVersion: "1.0.0",
      Name: "n",
      TYPE: "bridge",
      IPAM: { Type: "host-local" },
      DNS: { NameServers: ["1.1.1.1"] },
      PrevResult: { CNIVersion: "1.0.0", IPs: [{ Address: "10.0.0.2/24" }] },
    };
    expect(configVersion(odd)).toBe("1.0.0");
    const conf = buildNetConf(odd, "1.0.0");
    expect(conf).toMatchObject({ name: "n", type: "bridge", ipam: { type: "host-local" }, dns: { nameservers: ["1.1.1.1"] } });
    expect(conf.prevResult?.ips).toEqual([{ address: "10.0.0.2/24" }]);
    expect(code(() => configVersion({ CNIVERSION: 1 }))).toBe(6);
  });

  it("build: runtimeConfig/args not objects, dns malformed -> error 7", () => {
    expect(code(() => buildNetConf({ ...raw, runtimeConfig: [] }, "1.0.0"))).toBe(7);
    expect(code(() => buildNetConf({ ...raw, args: "x" }, "1.0.0"))).toBe(7);
    expect(code(() => buildNetConf({ ...raw, dns: { nameservers: "8.8.8.8" } }, "1.0.0"))).toBe(7);
  });
});

describe("validAttachments", () => {
  it("attachments: neither key, or null -> error 7 (never 'everything is stale'); empty list -> []", () => {
    expect(code(() => validAttachments({}))).toBe(7);
    expect(code(() => validAttachments({ "cni.dev/valid-attachments": null }))).toBe(7);
    expect(validAttachments({ "cni.dev/valid-attachments": [] })).toStrictEqual([]);
  });

  it("attachments: both keys -> union in order without duplicates", () => {
    expect(
      validAttachments({
        "cni.dev/attachments": [{ containerID: "b", ifname: "eth0" }],
        "cni.dev/valid-attachments": [
          { containerID: "a", ifname: "eth0" },
          { containerID: "b", ifname: "eth0" },
        ],
      }),
    ).toStrictEqual([
      { containerID: "a", ifname: "eth0" },
      { containerID: "b", ifname: "eth0" },
    ]);
  });

  it("attachments: not an array or entries without strings -> error 6", () => {
    expect(code(() => validAttachments({ "cni.dev/valid-attachments": {} }))).toBe(6);
    expect(code(() => validAttachments({ "cni.dev/attachments": [{ containerID: "a" }] }))).toBe(6);
  });
});

describe("Go-style JSON text", () => {
  it("goIndent: nested empty containers -> {} and [] like MarshalIndent", () => {
    expect(goIndent({ a: {}, b: [], c: [{ d: 1 }] })).toBe('{\n    "a": {},\n    "b": [],\n    "c": [\n        {\n            "d": 1\n        }\n    ]\n}');
  });

  it("sortKeysDeep: keys sorted at every depth, arrays keep order", () => {
    expect(JSON.stringify(sortKeysDeep({ b: 1, a: [{ z: 1, y: 2 }] }))).toBe('{"a":[{"y":2,"z":1}],"b":1}');
  });

  it("goQuote: control characters -> Go escapes", () => {
    expect(goQuote('a"b\\c\n\x01')).toBe('"a\\"b\\\\c\\n\\x01"');
    expect(goQuoteList(["0.1.0", "1.0.0"])).toBe('["0.1.0" "1.0.0"]');
  });
});
