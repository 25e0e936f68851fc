import { describe, expect, it } from "vitest";
import { CniError } from "../../../../shared/cni/errors.ts";
import { ignoreUnknownOf, loadArgs, parseArgBool, parseCniArgs } from "../../../../shared/cni/args.ts";

function failure(fn: () => unknown): { code: number; msg: string } | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!(e instanceof CniError)) throw e;
    return { code: Number(e.code), msg: e.msg };
  }
}

describe("parseCniArgs", () => {
  it("parse: empty -> no pairs", () => {
    expect(parseCniArgs("")).toStrictEqual([]);
  });

  it("parse: K=V;K=V -> ordered pairs, empty values allowed", () => {
    expect(parseCniArgs("IgnoreUnknown=1;K8S_POD_NAME=web-0;IP=")).toStrictEqual([
      ["IgnoreUnknown", "1"],
      ["K8S_POD_NAME", "web-0"],
      ["IP", ""],
    ]);
  });

  it("parse: missing '=', extra '=' or empty segment -> 999 'ARGS: invalid pair'", () => {
    expect(failure(() => parseCniArgs("FOO"))).toStrictEqual({ code: 999, msg: 'ARGS: invalid pair "FOO"' });
    expect(failure(() => parseCniArgs("A=b=c"))).toStrictEqual({ code: 999, msg: 'ARGS: invalid pair "A=b=c"' });
    expect(failure(() => parseCniArgs("A=b;;C=d"))).toStrictEqual({ code: 999, msg: 'ARGS: invalid pair ""' });
    expect(failure(() => parseCniArgs("A=b;"))).toStrictEqual({ code: 999, msg: 'ARGS: invalid pair ""' });
  });
});

describe("IgnoreUnknown", () => {
  it("ignore: 1/true/TRUE -> true; 0/false -> false; absent -> false", () => {
    expect(ignoreUnknownOf(parseCniArgs("IgnoreUnknown=1"))).toBe(true);
    expect(ignoreUnknownOf(parseCniArgs("IgnoreUnknown=true"))).toBe(true);
    expect(ignoreUnknownOf(parseCniArgs("IgnoreUnknown=TRUE"))).toBe(true);
    expect(ignoreUnknownOf(parseCniArgs("IgnoreUnknown=0"))).toBe(false);
    expect(ignoreUnknownOf(parseCniArgs("IgnoreUnknown=1;IgnoreUnknown=false"))).toBe(false);
    expect(ignoreUnknownOf(parseCniArgs("A=b"))).toBe(false);
  });

  it("ignore: 'yes' -> 999 with the reference's boolean message", () => {
    expect(failure(() => ignoreUnknownOf(parseCniArgs("IgnoreUnknown=Yes")))).toStrictEqual({
      code: 999,
      msg: 'ARGS: error parsing value of pair "IgnoreUnknown=Yes": boolean unmarshal error: invalid input yes',
    });
  });

  it("parseArgBool: garbage -> throws", () => {
    expect(() => parseArgBool("2")).toThrow("boolean unmarshal error: invalid input 2");
  });
});

describe("loadArgs", () => {
  const parsers = { IP: (v: string) => v.split(","), MAC: String };

  it("load: known keys -> parsed values, last occurrence wins", () => {
    const pairs = parseCniArgs("IP=10.0.0.2,10.0.0.3;MAC=aa;MAC=bb");
    expect(loadArgs(pairs, parsers, false)).toStrictEqual({ IP: ["10.0.0.2", "10.0.0.3"], MAC: "bb" });
  });

  it("load: unknown key -> 999 'ARGS: unknown args' listing the pairs", () => {
    expect(failure(() => loadArgs(parseCniArgs("FOO=bar;IP=1;BAZ=q"), parsers, false))).toStrictEqual({
      code: 999,
      msg: 'ARGS: unknown args ["FOO=bar" "BAZ=q"]',
    });
  });

  it("load: unknown key with ignoreUnknown -> ignored", () => {
    expect(loadArgs(parseCniArgs("IgnoreUnknown=1;K8S_POD_NAME=x;IP=1"), parsers, true)).toStrictEqual({ IP: ["1"] });
  });

  it("load: IgnoreUnknown itself -> never an unknown arg", () => {
    expect(loadArgs(parseCniArgs("IgnoreUnknown=0"), parsers, false)).toStrictEqual({});
  });

  it("load: keys are case-sensitive -> 'ip' is unknown", () => {
    expect(failure(() => loadArgs(parseCniArgs("ip=1"), parsers, false))?.msg).toBe('ARGS: unknown args ["ip=1"]');
  });

  it("load: a parser throws -> 999 'error parsing value of pair'", () => {
    const strict = {
      IP: (v: string) => {
        if (!/^\d+\.\d+\.\d+\.\d+$/.test(v)) throw new Error(`invalid IP address ${v}`);
        return v;
      },
    };
    expect(failure(() => loadArgs(parseCniArgs("IP=notanip"), strict, false))).toStrictEqual({
      code: 999,
      msg: 'ARGS: error parsing value of pair "IP=notanip": invalid IP address notanip',
    });
  });

  it("load: '__proto__' key -> reported unknown, prototype untouched", () => {
    expect(failure(() => loadArgs(parseCniArgs("__proto__=x"), parsers, false))?.msg).toBe('ARGS: unknown args ["__proto__=x"]');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
