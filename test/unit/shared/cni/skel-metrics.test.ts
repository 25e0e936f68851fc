// skel's metrics hook: called once per invocation when (and only when) the config names metricsFile,
// after the result or error is printed, with the verb and the printed code.
import { describe, expect, it } from "vitest";
import { FatalError, unknownContainer } from "../../../../shared/cni/errors.ts";
import type { InvocationRecord } from "../../../../shared/cni/skel.ts";
import { ADD_ENV, conf, fakePlugin, run } from "./harness.ts";

function recorder() {
  const calls: Array<{ file: string; call: InvocationRecord; stdoutBefore: string }> = [];
  let stdout = "";
  return {
    calls,
    seen: (s: string) => void (stdout += s),
    recordMetrics: async (file: string, call: InvocationRecord) => void calls.push({ file, call, stdoutBefore: stdout }),
  };
}

describe("skel metrics hook", () => {
  it("add: metricsFile set -> one record, plugin/verb/code 0, after the result is printed", async () => {
    const r = recorder();
    const out = await run(fakePlugin().plugin, ADD_ENV, conf({ metricsFile: "/m/cni.prom" }), { recordMetrics: r.recordMetrics, stdout: r.seen });
    expect(out.code).toBe(0);
    expect(r.calls.map((c) => [c.file, c.call])).toEqual([["/m/cni.prom", { plugin: "fake", verb: "ADD", code: 0 }]]);
    expect(r.calls[0]!.stdoutBefore).toContain('"cniVersion"');
  });

  it("add: no metricsFile (or not a string) -> never called", async () => {
    const r = recorder();
    await run(fakePlugin().plugin, ADD_ENV, conf(), { recordMetrics: r.recordMetrics });
    await run(fakePlugin().plugin, ADD_ENV, conf({ metricsFile: 5 }), { recordMetrics: r.recordMetrics });
    expect(r.calls).toEqual([]);
  });

  it("key matched like Go (MetricsFile); a plugin error -> recorded with its code; a bad env -> code 4", async () => {
    const r = recorder();
    const failing = fakePlugin({ del: () => { throw unknownContainer("gone"); } }).plugin;
    expect((await run(failing, { ...ADD_ENV, CNI_COMMAND: "DEL" }, conf({ MetricsFile: "/m" }), { recordMetrics: r.recordMetrics })).code).toBe(1);
    await run(fakePlugin().plugin, { ...ADD_ENV, CNI_NETNS: undefined }, conf({ metricsFile: "/m" }), { recordMetrics: r.recordMetrics });
    expect(r.calls.map((c) => c.call)).toEqual([{ plugin: "fake", verb: "DEL", code: 3 }]);
    // the env is checked before stdin is read: no config, so no metricsFile known for that one
  });

  it("VERSION with a config naming metricsFile -> recorded as VERSION", async () => {
    const r = recorder();
    await run(fakePlugin().plugin, { CNI_COMMAND: "VERSION" }, conf({ metricsFile: "/m" }), { recordMetrics: r.recordMetrics });
    expect(r.calls.map((c) => c.call)).toEqual([{ plugin: "fake", verb: "VERSION", code: 0 }]);
  });

  it("FatalError (netns not restored) -> nothing else runs: no record", async () => {
    const r = recorder();
    const fatal = fakePlugin({ add: () => { throw new FatalError("setns back failed"); } }).plugin;
    await expect(run(fatal, ADD_ENV, conf({ metricsFile: "/m" }), { recordMetrics: r.recordMetrics })).rejects.toBeInstanceOf(FatalError);
    expect(r.calls).toEqual([]);
  });
});
