import { describe, expect, it } from "vitest";
import {
  delegateAdd,
  delegateCheck,
  delegateDel,
  delegateEnv,
  delegateGC,
  delegateStatus,
  findInPath,
  registerInProcess,
  undoDelegateAdd,
  type DelegateContext,
  type DelegateDeps,
  type PluginOutput,
} from "../../../../shared/cni/delegate.ts";
import { CniError } from "../../../../shared/cni/errors.ts";
import { fakePlugin } from "./harness.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const CONFIG = '{"cniVersion":"0.4.0","name":"net1","type":"bridge","ipam":{"type":"ipam-x"}}';

function ctx(over: Partial<DelegateContext> = {}): DelegateContext {
  return {
    path: ["/a", "/b/"],
    stdin: enc(CONFIG),
    env: {
      CNI_COMMAND: "ADD",
      CNI_CONTAINERID: "c1",
      CNI_NETNS: "/run/netns/c",
      CNI_IFNAME: "eth0",
      CNI_PATH: "/a:/b/",
      CNI_ARGS: "IgnoreUnknown=1",
      UNSET: undefined,
    },
    conf: { cniVersion: "0.4.0" },
    ...over,
  };
}

interface Recorded {
  execs: { path: string; env: Record<string, string>; stdin: string }[];
  stderr: string[];
}

/** Files: path -> identity. The executable itself is "1:1". */
function fakeDeps(files: Record<string, string>, output: PluginOutput): { deps: DelegateDeps; rec: Recorded } {
  const rec: Recorded = { execs: [], stderr: [] };
  const deps: DelegateDeps = {
    fileIdentity: (p) => files[p],
    selfIdentity: () => "1:1",
    exec: (path, env, stdin) => {
      rec.execs.push({ path, env, stdin: new TextDecoder().decode(stdin) });
      return output;
    },
    forwardStderr: (b) => void rec.stderr.push(new TextDecoder().decode(b)),
  };
  return { deps, rec };
}

const ok = (stdout: string, stderr = ""): PluginOutput => ({ exitCode: 0, stdout: enc(stdout), stderr: enc(stderr) });
const fail = (stdout: string, stderr = "", exitCode = 1): PluginOutput => ({ exitCode, stdout: enc(stdout), stderr: enc(stderr) });

async function caught(p: Promise<unknown>): Promise<CniError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CniError) return e;
    throw e;
  }
  throw new Error("expected a CniError");
}

describe("findInPath", () => {
  const deps = { fileIdentity: (p: string) => (p === "/b/ipam-x" ? "2:2" : undefined) };

  it("find: first directory holding the file -> its path", () => {
    expect(findInPath("ipam-x", ["/a", "/b"], deps)).toBe("/b/ipam-x");
    expect(findInPath("ipam-x", ["/b/"], deps)).toBe("/b/ipam-x");
  });

  it("find: nowhere -> the reference message", () => {
    expect(() => findInPath("nope", ["/tmp/x", "/usr/lib/cni"], deps)).toThrow('failed to find plugin "nope" in path [/tmp/x /usr/lib/cni]');
  });

  it("find: empty name, '/' in name, no dirs -> errors", () => {
    expect(() => findInPath("", ["/a"], deps)).toThrow("no plugin name provided");
    expect(() => findInPath("../x", ["/a"], deps)).toThrow("invalid plugin name: ../x");
    expect(() => findInPath("x", [], deps)).toThrow("no paths provided");
  });
});

describe("exec path", () => {
  it("delegateEnv: same env, CNI_COMMAND replaced, undefined dropped", () => {
    expect(delegateEnv(ctx().env, "DEL")).toStrictEqual({
      CNI_COMMAND: "DEL",
      CNI_CONTAINERID: "c1",
      CNI_NETNS: "/run/netns/c",
      CNI_IFNAME: "eth0",
      CNI_PATH: "/a:/b/",
      CNI_ARGS: "IgnoreUnknown=1",
    });
  });

  it("add: other executable -> exec'd with whole stdin, 0.4.0 result converted to current", async () => {
    const { deps, rec } = fakeDeps(
      { "/b/ipam-x": "2:2" },
      ok('{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.1.0.5/24","gateway":"10.1.0.1"}],"dns":{}}', "log line\n"),
    );
    const r = await delegateAdd("ipam-x", ctx(), deps);
    expect(r).toStrictEqual({ cniVersion: "1.1.0", ips: [{ address: "10.1.0.5/24", gateway: "10.1.0.1" }] });
    expect(rec.execs).toHaveLength(1);
    expect(rec.execs[0]).toMatchObject({ path: "/b/ipam-x", stdin: CONFIG });
    expect(rec.execs[0]!.env.CNI_COMMAND).toBe("ADD");
    expect(rec.stderr).toStrictEqual(["log line\n"]);
  });

  it("add: result without cniVersion -> read in the config's version", async () => {
    const { deps } = fakeDeps({ "/a/ipam-x": "2:2" }, ok('{"ips":[{"version":"6","address":"fd00::2/64"}]}'));
    expect((await delegateAdd("ipam-x", ctx(), deps)).ips).toStrictEqual([{ address: "fd00::2/64" }]);
  });

  it("add: garbage stdout with exit 0 -> CniError", async () => {
    const { deps } = fakeDeps({ "/a/ipam-x": "2:2" }, ok("not json"));
    expect((await caught(delegateAdd("ipam-x", ctx(), deps))).code).toBe(6);
  });

  it("error: delegate prints an error object -> rethrown with its code, msg and details", async () => {
    const { deps } = fakeDeps({ "/a/ipam-x": "2:2" }, fail('{"cniVersion":"0.4.0","code":11,"msg":"busy","details":"lock"}'));
    const e = await caught(delegateAdd("ipam-x", ctx(), deps));
    expect({ code: e.code, msg: e.msg, details: e.details }).toStrictEqual({ code: 11, msg: "busy", details: "lock" });
  });

  it("error: no stdout -> stderr quoted, or exit status when silent", async () => {
    const quiet = fakeDeps({ "/a/ipam-x": "2:2" }, fail("", "", 2)).deps;
    expect((await caught(delegateDel("ipam-x", ctx(), quiet))).msg).toBe("plugin /a/ipam-x failed with no error message: exit status 2");
    const noisy = fakeDeps({ "/a/ipam-x": "2:2" }, fail("", "panic: x\n")).deps;
    expect((await caught(delegateDel("ipam-x", ctx(), noisy))).msg).toBe('plugin /a/ipam-x failed: "panic: x\\n"');
  });

  it("error: killed or silent delegate -> never an empty msg; the plugin's path and its signal or exit status named, stderr kept", async () => {
    const killed = (stderr: string): PluginOutput => ({ ...fail("", stderr), signal: "SIGKILL" });
    const table: [PluginOutput, { code: number; msg: string; details: string }][] = [
      [killed(""), { code: 999, msg: "plugin /a/ipam-x failed with no error message: signal: SIGKILL", details: "" }],
      [killed("oom\n"), { code: 999, msg: 'plugin /a/ipam-x failed: "oom\\n"', details: "signal: SIGKILL" }],
      [fail("", "", 3), { code: 999, msg: "plugin /a/ipam-x failed with no error message: exit status 3", details: "" }],
      [fail("", "panic\n", 2), { code: 999, msg: 'plugin /a/ipam-x failed: "panic\\n"', details: "exit status 2" }],
      [fail('{"code":11}', "locked\n"), { code: 11, msg: 'plugin /a/ipam-x failed with code 11 and no error message: exit status 1: "locked\\n"', details: "" }],
      [fail('{"msg":""}'), { code: 999, msg: "plugin /a/ipam-x failed with code none and no error message: exit status 1", details: "" }],
      [fail('{"code":-4,"msg":"odd"}'), { code: 999, msg: "odd", details: "" }],
      [fail('{"code":1.5,"msg":"odd"}'), { code: 999, msg: "odd", details: "" }],
    ];
    for (const [out, want] of table) {
      const e = await caught(delegateDel("ipam-x", ctx(), fakeDeps({ "/a/ipam-x": "2:2" }, out).deps));
      expect({ code: e.code, msg: e.msg, details: e.details }, JSON.stringify(want)).toStrictEqual(want);
    }
  });

  it("error: unparsable stdout -> 999 naming the output", async () => {
    const { deps } = fakeDeps({ "/a/ipam-x": "2:2" }, fail("oops"));
    const e = await caught(delegateCheck("ipam-x", ctx(), deps));
    expect(e.code).toBe(999);
    expect(e.msg).toMatch(/^plugin \/a\/ipam-x failed but error parsing its diagnostic message "oops": /);
  });

  it("verbs: DEL/CHECK/GC/STATUS and undo -> CNI_COMMAND set accordingly", async () => {
    const { deps, rec } = fakeDeps({ "/a/ipam-x": "2:2" }, ok(""));
    await delegateDel("ipam-x", ctx(), deps);
    await delegateCheck("ipam-x", ctx(), deps);
    await delegateGC("ipam-x", ctx(), deps);
    await delegateStatus("ipam-x", ctx(), deps);
    await undoDelegateAdd("ipam-x", ctx(), deps)();
    expect(rec.execs.map((e) => e.env.CNI_COMMAND)).toStrictEqual(["DEL", "CHECK", "GC", "STATUS", "DEL"]);
  });

  it("registered type but a different file -> exec'd, not run in-process", async () => {
    const { plugin, calls } = fakePlugin({ type: "ipam-other" });
    registerInProcess("ipam-other", async () => plugin);
    const { deps, rec } = fakeDeps({ "/a/ipam-other": "9:9" }, ok(""));
    await delegateDel("ipam-other", ctx(), deps);
    expect(rec.execs).toHaveLength(1);
    expect(calls.del).toHaveLength(0);
  });
});

describe("in-process fast path", () => {
  it("self: file is this executable and type registered -> run in-process, no exec, result converted", async () => {
    const { plugin, calls } = fakePlugin({ type: "ipam-self" });
    registerInProcess("ipam-self", async () => plugin);
    const { deps, rec } = fakeDeps({ "/b/ipam-self": "1:1" }, ok(""));
    const r = await delegateAdd("ipam-self", ctx(), deps);
    expect(rec.execs).toHaveLength(0);
    expect(calls.add).toHaveLength(1);
    expect(calls.add[0]).toMatchObject({ verb: "ADD", containerId: "c1", ifname: "eth0", path: ["/a", "/b/"] });
    expect(calls.add[0]!.conf.cniVersion).toBe("0.4.0");
    // the in-process plugin's result went through the same 0.4.0 printing and parsing as an exec would
    expect(r).toStrictEqual({
      cniVersion: "1.1.0",
      interfaces: [{ name: "eth0", mac: "aa:bb:cc:dd:ee:ff", sandbox: "/run/netns/c" }],
      ips: [{ interface: 0, address: "10.1.0.5/24", gateway: "10.1.0.1" }],
    });
  });

  it("self: in-process plugin throws -> same CniError as from an exec'd one", async () => {
    const { plugin } = fakePlugin({
      type: "ipam-self-err",
      del: () => {
        throw new CniError(11, "busy", "lock");
      },
    });
    registerInProcess("ipam-self-err", async () => plugin);
    const { deps } = fakeDeps({ "/a/ipam-self-err": "1:1" }, ok(""));
    const e = await caught(delegateDel("ipam-self-err", ctx(), deps));
    expect({ code: e.code, msg: e.msg, details: e.details }).toStrictEqual({ code: 11, msg: "busy", details: "lock" });
  });

  it("self: in-process run gets the config bytes unchanged and CNI_COMMAND replaced", async () => {
    const { plugin, calls } = fakePlugin({ type: "ipam-self-gc" });
    registerInProcess("ipam-self-gc", async () => plugin);
    const { deps } = fakeDeps({ "/a/ipam-self-gc": "1:1" }, ok(""));
    const gcConf = '{"cniVersion":"1.1.0","name":"net1","type":"bridge","cni.dev/valid-attachments":[{"containerID":"a","ifname":"eth0"}]}';
    await delegateGC("ipam-self-gc", ctx({ stdin: enc(gcConf), conf: { cniVersion: "1.1.0" } }), deps);
    expect(calls.gc).toHaveLength(1);
    expect(new TextDecoder().decode(calls.gc[0]!.stdin)).toBe(gcConf);
    expect(calls.gc[0]!.env.CNI_COMMAND).toBe("GC");
    expect(calls.gc[0]!.validAttachments).toStrictEqual([{ containerID: "a", ifname: "eth0" }]);
  });
});
