import { describe, expect, it } from "vitest";
import { splitFlags, UsageError } from "../../../cmd/flags.ts";

const SPEC = { command: "x", valued: new Set(["--a"]), boolean: new Set(["--b"]) };

describe("splitFlags", () => {
  it("positional, --flag value, --flag=value, boolean --flag", () => {
    const r = splitFlags(["p1", "--a", "1", "p2", "--b", "--a=2=3"], SPEC);
    expect(r.positional).toEqual(["p1", "p2"]);
    expect([...r.flags]).toEqual([["--a", "2=3"], ["--b", ""]]);
  });

  it.each([
    [["--c"], "tscni x: unknown flag --c"],
    [["--a"], "tscni x: --a needs a value"],
    [["--b=1"], "tscni x: --b takes no value"],
  ])("%j -> UsageError %s", (argv, msg) => {
    expect(() => splitFlags(argv, SPEC)).toThrow(UsageError);
    expect(() => splitFlags(argv, SPEC)).toThrow(msg);
  });
});
