// scripts/vitest-verdict.mjs: the one line and the pass/fail a vitest run's summary gives.
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { verdict } from "../../../scripts/vitest-verdict.mjs";

const TIMEOUT = 'Error: [vitest-worker]: Timeout calling "onTaskUpdate"';
const base = { passed: 10, failed: 0, skipped: 0, brokenFiles: [], brokenSuites: [], unhandled: [], reason: "passed" };

describe("vitest verdict", () => {
  it.each([
    ["all passed, exit 0", {}, 0, false, "10 passed, 0 failed", true],
    ["skips shown on the host", { skipped: 3 }, 0, false, "10 passed, 0 failed, 3 skipped", true],
    ["skips are failures in the VM", { skipped: 3 }, 0, true, "10 passed, 3 failed", false],
    ["a failed test", { failed: 1, reason: "failed" }, 1, false, "10 passed, 1 failed", false],
    ["only the worker RPC timeout, exit 1", { unhandled: [TIMEOUT], reason: "failed" }, 1, false, "10 passed, 0 failed", true],
    ["another unhandled error", { unhandled: [TIMEOUT, "TypeError: x is undefined"] }, 1, false, "10 passed, 1 failed", false],
    ["a file that failed to load", { brokenFiles: ["/r/test/a.test.ts"] }, 1, false, "10 passed, 1 failed", false],
    ["a failing beforeAll", { brokenSuites: ["suite"], skipped: 2 }, 1, false, "10 passed, 1 failed, 2 skipped", false],
    ["interrupted", { reason: "interrupted" }, 130, false, "10 passed, 1 failed", false],
    ["exit 1 with nothing to explain it", {}, 1, false, "10 passed, 1 failed", false],
  ])("%s", (_name, over, rc, skippedFail, line, ok) => {
    const v = verdict({ ...base, ...over }, rc, skippedFail);
    expect(v.line).toBe(line);
    expect(v.ok).toBe(ok);
  });

  it("no summary -> one failure", () => {
    expect(verdict(undefined, 1, false)).toMatchObject({ line: "0 passed, 1 failed", ok: false });
  });
});
