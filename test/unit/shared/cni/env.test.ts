import { describe, expect, it } from "vitest";
import { CniError } from "../../../../shared/cni/errors.ts";
import {
  REQUIRED_ENV,
  checkNotOwnNetns,
  missingEnv,
  parseCommand,
  readEnv,
  validateContainerId,
  validateIfname,
  validateNetworkName,
} from "../../../../shared/cni/env.ts";

function codeOf(fn: () => unknown): { code: number; msg: string; details: string } | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!(e instanceof CniError)) throw e;
    return { code: Number(e.code), msg: e.msg, details: e.details };
  }
}

const FULL = { CNI_COMMAND: "ADD", CNI_CONTAINERID: "c1", CNI_NETNS: "/run/netns/x", CNI_IFNAME: "eth0", CNI_PATH: "/opt/cni/bin:/usr/lib/cni" };

describe("env table", () => {
  it("table: required vars per command -> as the reference skel", () => {
    expect(REQUIRED_ENV.ADD).toStrictEqual(["CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"]);
    expect(REQUIRED_ENV.CHECK).toStrictEqual(REQUIRED_ENV.ADD);
    expect(REQUIRED_ENV.DEL).toStrictEqual(["CNI_COMMAND", "CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH"]);
    expect(REQUIRED_ENV.GC).toStrictEqual(["CNI_COMMAND", "CNI_PATH"]);
    expect(REQUIRED_ENV.STATUS).toStrictEqual(["CNI_COMMAND", "CNI_PATH"]);
    expect(REQUIRED_ENV.VERSION).toStrictEqual(["CNI_COMMAND"]);
  });

  it("readEnv: ADD with nothing -> error 4 naming all missing vars in reference order", () => {
    expect(codeOf(() => readEnv({ CNI_COMMAND: "ADD" }, "ADD"))).toStrictEqual({
      code: 4,
      msg: "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing",
      details: "",
    });
  });

  it("readEnv: DEL without CNI_NETNS -> ok, netns empty", () => {
    const { CNI_NETNS: _omit, ...env } = { ...FULL, CNI_COMMAND: "DEL" };
    expect(readEnv(env, "DEL").netns).toBe("");
  });

  it("readEnv: empty string counts as missing", () => {
    expect(missingEnv({ ...FULL, CNI_IFNAME: "" }, "ADD")).toStrictEqual(["CNI_IFNAME"]);
  });

  it("readEnv: GC/STATUS need only CNI_PATH", () => {
    expect(missingEnv({ CNI_COMMAND: "GC" }, "GC")).toStrictEqual(["CNI_PATH"]);
    expect(readEnv({ CNI_COMMAND: "STATUS", CNI_PATH: "/a" }, "STATUS").path).toStrictEqual(["/a"]);
  });

  it("readEnv: CNI_PATH split on ':' without empty entries; override parsed", () => {
    const e = readEnv({ ...FULL, CNI_PATH: "/a::/b:", CNI_NETNS_OVERRIDE: "TRUE" }, "ADD");
    expect(e.path).toStrictEqual(["/a", "/b"]);
    expect(e.netnsOverride).toBe(true);
    expect(readEnv({ ...FULL, CNI_NETNS_OVERRIDE: "yes" }, "ADD").netnsOverride).toBe(false);
  });

  it("parseCommand: unknown -> error 4 'unknown CNI_COMMAND: FOO'", () => {
    expect(codeOf(() => parseCommand("FOO"))).toMatchObject({ code: 4, msg: "unknown CNI_COMMAND: FOO" });
    expect(parseCommand("GC")).toBe("GC");
    expect(codeOf(() => parseCommand("add"))?.code).toBe(4);
  });
});

describe("container ID, ifname, network name", () => {
  it("containerID: empty -> 3 'missing containerID'; bad chars -> 4 with the ID as details", () => {
    expect(codeOf(() => validateContainerId(""))).toStrictEqual({ code: 3, msg: "missing containerID", details: "" });
    expect(codeOf(() => validateContainerId("-bad"))).toStrictEqual({ code: 4, msg: "invalid characters in containerID", details: "-bad" });
    for (const bad of ["a b", "a/b", "_x", ".x", "a:b", "é"]) expect(codeOf(() => validateContainerId(bad))?.code, bad).toBe(4);
    for (const ok of ["a", "0abc", "a.b-c_d", "Z9"]) expect(codeOf(() => validateContainerId(ok)), ok).toBeUndefined();
  });

  it("ifname: rules of the reference -> code 4 with its messages", () => {
    expect(codeOf(() => validateIfname(""))?.msg).toBe("interface name is empty");
    expect(codeOf(() => validateIfname("abcdefghijklmnop"))).toStrictEqual({
      code: 4,
      msg: "interface name is too long",
      details: "interface name should be less than 16 characters",
    });
    expect(codeOf(() => validateIfname("abcdefghijklmno"))).toBeUndefined();
    expect(codeOf(() => validateIfname("ééééééééé"))?.msg).toBe("interface name is too long"); // 18 bytes
    expect(codeOf(() => validateIfname("."))?.msg).toBe("interface name is . or ..");
    expect(codeOf(() => validateIfname(".."))?.msg).toBe("interface name is . or ..");
    for (const bad of ["a/b", "a:b", "a b", "a\tb", "a\u00a0b", "a\u2003b", "a\u0085b"]) {
      expect(codeOf(() => validateIfname(bad))?.msg, JSON.stringify(bad)).toBe("interface name contains / or : or whitespace characters");
    }
    expect(codeOf(() => validateIfname("eth0.100"))).toBeUndefined();
  });

  it("network name: empty -> 7 'missing network name'; bad -> 7 with the name as details", () => {
    expect(codeOf(() => validateNetworkName(""))).toStrictEqual({ code: 7, msg: "missing network name", details: "" });
    expect(codeOf(() => validateNetworkName("bad name"))).toStrictEqual({
      code: 7,
      msg: "invalid characters found in network name",
      details: "bad name",
    });
    expect(codeOf(() => validateNetworkName("podnet-1.v2_x"))).toBeUndefined();
  });
});

describe("own netns check", () => {
  const base = readEnv(FULL, "ADD");
  const same = { own: () => "4:100", of: () => "4:100" };

  it("netns: same identity as ours -> error 8", () => {
    expect(codeOf(() => checkNotOwnNetns(base, same))).toStrictEqual({
      code: 8,
      msg: "plugin's netns and netns from CNI_NETNS should not be the same",
      details: "",
    });
  });

  it("netns: same identity with CNI_NETNS_OVERRIDE=1 -> allowed", () => {
    expect(codeOf(() => checkNotOwnNetns({ ...base, netnsOverride: true }, same))).toBeUndefined();
  });

  it("netns: different, unknown target, or no lookups -> allowed", () => {
    expect(codeOf(() => checkNotOwnNetns(base, { own: () => "4:100", of: () => "4:101" }))).toBeUndefined();
    expect(codeOf(() => checkNotOwnNetns(base, { own: () => "4:100", of: () => undefined }))).toBeUndefined();
    expect(codeOf(() => checkNotOwnNetns(base, {}))).toBeUndefined();
    expect(codeOf(() => checkNotOwnNetns({ ...base, netns: "" }, same))).toBeUndefined();
  });
});
