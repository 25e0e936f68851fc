import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CniError,
  ErrorCode,
  StepErrors,
  asCniError,
  fromErrorObject,
  hostPortInUse,
  stepFailures,
  tryAgainLater,
  wrapError,
} from "../../../../shared/cni/errors.ts";

const ROOT = join(__dirname, "../../../..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return name.endsWith(".ts") ? [p] : [];
  });
}

/**
 * Every place in the source that builds a CNI error code from a number rather than through a named
 * factory of shared/cni/errors.ts: a CniError constructed elsewhere, a `cniCode` set from a literal,
 * an error object written with a literal code, a code constant defined outside the code tables.
 */
const CODE_FROM_NUMBER = [
  /new CniError\(/,
  /\bcniCode\s*[=:]\s*\d/,
  /\bcode:\s*\d+\s*,\s*msg\b/,
  /\bERR_[A-Z_]+\s*=\s*\d/,
];

function codeFromNumberSites(): string[] {
  const files = [join(ROOT, "tscni.ts"), ...["cmd", "shared", "plugins"].flatMap((d) => sources(join(ROOT, d)))];
  const sites: string[] = [];
  for (const file of files) {
    const path = relative(ROOT, file);
    if (path === "shared/cni/errors.ts") continue;
    readFileSync(file, "utf8").split("\n").forEach((line, i) => {
      if (CODE_FROM_NUMBER.some((re) => re.test(line))) sites.push(`${path}:${i + 1}: ${line.trim()}`);
    });
  }
  return sites;
}

describe("error codes", () => {
  it("source: no code is built from a number outside shared/cni/errors.ts (named factories only)", () => {
    expect(codeFromNumberSites()).toEqual([]);
  });

  it("source check: catches each way of building a code from a number", () => {
    const bad = ["throw new CniError(999, m)", "readonly cniCode = 4;", 'write({ code: 999, msg: "x" })', "export const ERR_PORT = 100;"];
    for (const line of bad) expect(CODE_FROM_NUMBER.some((re) => re.test(line)), line).toBe(true);
    const fine = ["throw internalError(m)", "readonly cniCode = ErrorCode.InvalidEnvironment;", "const EEXIST = 17;"];
    for (const line of fine) expect(CODE_FROM_NUMBER.some((re) => re.test(line)), line).toBe(false);
  });

  it("factories: portmap's 100 and the spec codes", () => {
    expect(hostPortInUse("port taken", "0.0.0.0:80/tcp held by c1")).toMatchObject({ code: 100, msg: "port taken" });
    expect(tryAgainLater("busy").code).toBe(ErrorCode.TryAgainLater);
  });

  it("asCniError: CniError as is, coded error keeps its code and details, anything else 999", () => {
    const coded = Object.assign(new Error("lock busy"), { cniCode: ErrorCode.TryAgainLater, cniDetails: "held" });
    expect(asCniError(coded)).toMatchObject({ code: 11, msg: "lock busy", details: "held" });
    const e = tryAgainLater("x");
    expect(asCniError(e)).toBe(e);
    expect(asCniError(new Error("boom"))).toMatchObject({ code: 999, msg: "boom" });
  });

  it("wrapError: context prefixed, the cause's code and details kept", () => {
    expect(wrapError("failed to create bridge", tryAgainLater("dump interrupted", "EINTR"))).toMatchObject({
      code: 11,
      msg: "failed to create bridge: dump interrupted",
      details: "EINTR",
    });
    expect(wrapError("ctx", new Error("EPERM")).code).toBe(999);
  });

  it("fromErrorObject: a delegate's positive integer code kept; other codes 999; empty msg replaced", () => {
    expect(fromErrorObject(11, "busy", "", "fallback")).toMatchObject({ code: 11, msg: "busy" });
    expect(fromErrorObject(123, "", "", "fallback")).toMatchObject({ code: 123, msg: "fallback" });
    for (const code of [0, -1, 2.5, "11", undefined]) expect(fromErrorObject(code, "m", "", "f").code).toBe(999);
  });

  it("stepFailures: each failure keeps step, cause and code; a nested list is flattened under the step", () => {
    const cause = tryAgainLater("busy");
    expect(stepFailures("release IP", cause)).toEqual([{ step: "release IP", cause, error: cause }]);
    const inner = new StepErrors([...stepFailures("a", new Error("x")), ...stepFailures("b", cause)]);
    const flat = stepFailures("gc", inner);
    expect(flat.map((f) => [f.step, f.error.code])).toEqual([["gc: a", 999], ["gc: b", 11]]);
    expect(inner.message).toBe("a: x; b: busy");
  });

  it("CniError: toJSON leaves details out when empty", () => {
    expect(tryAgainLater("m").toJSON("1.0.0")).toStrictEqual({ cniVersion: "1.0.0", code: 11, msg: "m" });
    expect(new CniError(ErrorCode.Internal, "m", "d").toJSON("1.0.0")).toStrictEqual({ cniVersion: "1.0.0", code: 999, msg: "m", details: "d" });
  });
});
