import { describe, expect, it } from "vitest";
import { CniError } from "../../../../shared/cni/errors.ts";
import { decodingFailure } from "../../../../shared/cni/errors.ts";
import { parseJsonText } from "../../../../shared/cni/json.ts";
import { ConfigReader, foldKey, keyNames, parseMac, validIfName } from "../../../../shared/cni/reader.ts";

function thrown(f: () => unknown): CniError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CniError);
    return e as CniError;
  }
  throw new Error("expected a CniError");
}

const read = (json: string) => ConfigReader.of(parseJsonText(json));

describe("key matching (Go encoding/json, go1.19)", () => {
  // [JSON key, field name, matches]
  const table: [string, string, boolean][] = [
    ["isGateway", "isGateway", true],
    ["IsGateway", "isGateway", true],
    ["ISGATEWAY", "isGateway", true],
    ["isgateway", "isGateway", true],
    ["is_gateway", "isGateway", false],
    ["isGateway ", "isGateway", false],
    ["MTU", "mtu", true],
    ["Mtu", "mtu", true],
    ["mtu\u0000", "mtu", false],
    ["HostIP", "hostIP", true],
    ["hostip", "hostIP", true],
    ["IngressRate", "ingressRate", true],
    ["cni.dev/valid-attachments", "cni.dev/valid-attachments", true],
    ["CNI.DEV/VALID-ATTACHMENTS", "cni.dev/valid-attachments", true],
    ["cni_dev/valid-attachments", "cni.dev/valid-attachments", false],
    ["ip4", "ip4", true],
    ["IP4", "ip4", true],
    // Unicode simple folding onto ASCII: U+017F LATIN SMALL LETTER LONG S = s, U+212A KELVIN SIGN = k
    ["\u017fubnet", "subnet", true],
    ["i\u017fGateway", "isGateway", true],
    ["mac\u017fpoofchk", "macspoofchk", true],
    ["macspoofch\u212a", "macspoofchk", true],
    ["\u212Aey", "key", true],
    // other non-ASCII never folds onto an ASCII name
    ["\u0130pam", "ipam", false],
    ["ipa\u1e3f", "ipam", false],
    ["ｍtu", "mtu", false],
  ];
  it.each(table)("key %j names field %j: %s", (key, name, want) => {
    expect(keyNames(key, name)).toBe(want);
  });

  it("foldKey: non-ASCII other than U+017F/U+212A -> never matches", () => {
    expect(foldKey("\u00e9")).toBe("");
    expect(foldKey("ABC\u017f")).toBe("abcs");
  });
});

describe("ConfigReader", () => {
  it("scalars: every key naming the field counts, the last one wins", () => {
    expect(read('{"isGateway": true, "IsGateway": false}').bool("isGateway")).toBe(false);
    expect(read('{"IsGateway": false, "isGateway": true}').bool("isGateway")).toBe(true);
    expect(read('{"ISGATEWAY": true}').bool("isGateway")).toBe(true);
    expect(read('{"mtu": 1400, "MTU": 1500, "Mtu": 9000}').int("mtu", 0)).toBe(9000);
  });

  it("null: leaves the field as it was (default, or an earlier value)", () => {
    expect(read('{"mtu": null}').int("mtu", 7)).toBe(7);
    expect(read('{"mtu": 1400, "MTU": null}').int("mtu", 0)).toBe(1400);
    expect(read('{"bridge": null}').str("bridge", "cni0")).toBe("cni0");
    expect(read('{"ipam": null}').child("ipam")).toBeUndefined();
    expect(read('{"mtu": null}').has("mtu")).toBe(true);
  });

  it("unknown keys: ignored", () => {
    const r = read('{"bogus": "x", "mtuu": 5}');
    expect(r.int("mtu", 0)).toBe(0);
    expect(r.has("bogus")).toBe(true);
  });

  it("types: every non-null value is checked, naming the path", () => {
    expect(thrown(() => read('{"isGateway": "yes"}').bool("isGateway")).message).toBe('isGateway: expected a boolean, got "yes"');
    expect(thrown(() => read('{"IsGateway": 1, "isGateway": true}').bool("isGateway")).code).toBe(7);
    expect(thrown(() => read('{"mtu": 1.5}').int("mtu", 0)).message).toBe("mtu: expected an integer, got 1.5");
    expect(thrown(() => read('{"mtu": 70000}').int("mtu", 0, { min: 0, max: 65535 })).message).toBe(
      "mtu: 70000 is out of range (must be between 0 and 65535)",
    );
    expect(thrown(() => read('{"name": 5}').str("name")).message).toBe("name: expected a string, got 5");
    expect(read('{"latency": 2.5}').num("latency", 0)).toBe(2.5);
  });

  it("paths: nested objects and arrays name each step", () => {
    const r = read('{"IPAM": {"Ranges": [[{"subnet": "10.0.0.0/8"}, {"Subnet": 7}]]}}');
    const ranges = r.child("ipam")!.arr("ranges")!;
    const set = ranges[0]!.arr();
    expect(set[0]!.obj().str("subnet")).toBe("10.0.0.0/8");
    expect(thrown(() => set[1]!.obj().str("subnet")).message).toBe("ipam.ranges[0][1].subnet: expected a string, got 7");
    expect(thrown(() => set[1]!.obj().fail("subnet", "invalid CIDR address: x")).message).toBe(
      "ipam.ranges[0][1].subnet: invalid CIDR address: x",
    );
    expect(thrown(() => r.child("ipam")!.child("ranges")).message).toMatch(/^ipam\.ranges: expected an object/);
  });

  it("objects: two keys naming one struct field merge, later keys winning", () => {
    const r = read('{"ipam": {"type": "host-local", "subnet": "10.0.0.0/8"}, "IPAM": {"Subnet": "10.1.0.0/16"}}');
    const ipam = r.child("ipam")!;
    expect(ipam.str("type")).toBe("host-local");
    expect(ipam.str("subnet")).toBe("10.1.0.0/16");
  });

  it("arrays: a later array replaces an earlier one (a Go slice)", () => {
    expect(read('{"routes": [1, 2], "Routes": [3]}').arr("routes")!.map((v) => v.value)).toEqual([3]);
    expect(read('{"search": ["a"], "SEARCH": ["b", "c"]}').strings("search")).toEqual(["b", "c"]);
    expect(read('{"routes": [1], "Routes": null}').arr("routes")).toBeUndefined();
  });

  it("childOrEmpty: absent -> an empty reader with the path", () => {
    const rc = read("{}").childOrEmpty("runtimeConfig");
    expect(rc.arr("portMappings")).toBeUndefined();
    expect(rc.path).toBe("runtimeConfig");
  });

  it("__proto__/constructor/prototype keys -> error 6", () => {
    const evil = JSON.parse('{"a": {"__proto__": {"x": 1}}}');
    expect(thrown(() => ConfigReader.of(evil).child("a")).code).toBe(6);
    expect(thrown(() => ConfigReader.of({ constructor: 1 })).code).toBe(6);
    expect(thrown(() => ConfigReader.of({ prototype: 1 })).code).toBe(6);
    expect(thrown(() => parseJsonText('{"__proto__": 1}')).code).toBe(6);
  });

  it("error factory: a reader made with another factory throws its code", () => {
    const r = ConfigReader.of({ cniVersion: 1 }, { error: decodingFailure });
    expect(thrown(() => r.str("cniVersion")).code).toBe(6);
    expect(thrown(() => ConfigReader.of([], { path: "prevResult" })).message).toBe("prevResult: expected an object, got []");
  });
});

describe("parseMac / validIfName", () => {
  it("parseMac: canonical lowercase; malformed or multicast -> error 7", () => {
    expect(parseMac("02:AA:bb:00:00:01", "x")).toBe("02:aa:bb:00:00:01");
    expect(thrown(() => parseMac("02:aa:bb:00:00", "x")).code).toBe(7);
    expect(thrown(() => parseMac("01:00:5e:00:00:01", "x")).message).toMatch(/multicast/);
  });

  it("validIfName: kernel rules", () => {
    expect(validIfName("cni0")).toBe(true);
    expect(validIfName("a".repeat(15))).toBe(true);
    expect(validIfName("a".repeat(16))).toBe(false);
    expect(validIfName("ééééééééé")).toBe(false);
    for (const bad of ["", ".", "..", "a b", "a/b", "a:b"]) expect(validIfName(bad)).toBe(false);
  });
});
