import { describe, expect, it } from "vitest";
import { UsageError } from "../../../../cmd/flags.ts";
import { parseRunArgs, parseValid } from "../../../../cmd/run/args.ts";

describe("parseRunArgs", () => {
  it("parseRunArgs: add with every flag -> parsed", () => {
    const a = parseRunArgs(
      ["add", "/c.conflist", "/run/netns/p", "--id", "c1", "--ifname=net1", "--cap-args", '{"portMappings":[]}', "--args", "A=1;B=2", "--plugin-dir", "/a:/b", "--cache-dir", "/tmp/c"],
      {},
    );
    expect(a).toEqual({
      verb: "add", conflist: "/c.conflist", netns: "/run/netns/p", containerId: "c1", ifName: "net1",
      capabilityArgs: { portMappings: [] }, capArgsGiven: true, cniArgs: [["A", "1"], ["B", "2"]],
      pluginDirs: ["/a", "/b"], cacheDir: "/tmp/c",
    });
  });

  it("parseRunArgs: defaults -> eth0, CNI_PATH / TSCNI_CACHE_DIR from env, id from a hash of the netns", () => {
    const a = parseRunArgs(["check", "/c", "/run/netns/p"], { CNI_PATH: "/x:/y", TSCNI_CACHE_DIR: "/cache" });
    expect(a.ifName).toBe("eth0");
    expect(a.pluginDirs).toEqual(["/x", "/y"]);
    expect(a.cacheDir).toBe("/cache");
    expect(a.containerId).toMatch(/^tscni-[0-9a-f]{14}$/);
    expect(parseRunArgs(["del", "/c", "/run/netns/p"], {}).containerId).toBe(a.containerId);
    expect(parseRunArgs(["del", "/c", "--id", "x"], {})).toMatchObject({ pluginDirs: ["/opt/cni/bin"], cacheDir: "/var/lib/cni", netns: "" });
  });

  it("parseRunArgs: gc --valid -> attachments; status needs nothing", () => {
    expect(parseRunArgs(["gc", "/c", "--valid", "a,b/net1"], {}).valid).toEqual([
      { containerID: "a", ifname: "eth0" },
      { containerID: "b", ifname: "net1" },
    ]);
    expect(parseRunArgs(["gc", "/c", "--valid", ""], {}).valid).toEqual([]);
    expect(parseRunArgs(["status", "/c"], {}).verb).toBe("status");
  });

  it.each([
    [["bogus", "/c"]],
    [["add"]],
    [["add", "/c"]],
    [["del", "/c"]],
    [["gc", "/c"]],
    [["add", "/c", "/ns", "extra"]],
    [["add", "/c", "/ns", "--nope", "1"]],
    [["add", "/c", "/ns", "--id"]],
    [["add", "/c", "/ns", "--cap-args", "[1]"]],
  ])("parseRunArgs: %j -> usage error", (argv) => {
    expect(() => parseRunArgs(argv, {})).toThrow(UsageError);
  });

  it("parseValid: empty parts ignored; a third part -> usage error", () => {
    expect(parseValid(",a,")).toEqual([{ containerID: "a", ifname: "eth0" }]);
    expect(() => parseValid("a/b/c")).toThrow(UsageError);
  });
});
