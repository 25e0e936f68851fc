import { describe, expect, it } from "vitest";
import { buildNetConf } from "../../../../../shared/cni/config.ts";
import { parseMacvlanConfig } from "../../../../../plugins/main/macvlan/config.ts";
import { MACVLAN_MODE_BRIDGE, MACVLAN_MODE_PASSTHRU, MACVLAN_MODE_PRIVATE, MACVLAN_MODE_VEPA } from "../../../../../shared/netlink/codec/link.ts";

function parse(keys: Record<string, unknown>, cniArgs: [string, string][] = [], ignoreUnknownArgs = false) {
  const raw = { cniVersion: "1.0.0", name: "mvnet", type: "macvlan", ...keys };
  return parseMacvlanConfig({ conf: buildNetConf(raw, "1.0.0"), cniArgs, ignoreUnknownArgs });
}

describe("parseMacvlanConfig", () => {
  it("parse: nothing set -> default-route master, bridge mode, inherited mtu, kernel MAC, L2 only; frozen", () => {
    const c = parse({});
    expect(c).toEqual({ master: "", modeName: "bridge", mode: MACVLAN_MODE_BRIDGE, mtu: 0, mac: undefined, linkInContainer: false, bcQueueLen: 0, ipamType: "", dns: {} });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("parse: every key (case-insensitive like Go) -> taken", () => {
    const c = parse({ Master: "eth1", MODE: "vepa", mtu: 1400, mac: "02:AA:00:00:00:01", linkincontainer: true, bcQueueLen: 50, ipam: { type: "static" }, dns: { nameservers: ["1.1.1.1"] } });
    expect(c).toMatchObject({ master: "eth1", modeName: "vepa", mode: MACVLAN_MODE_VEPA, mtu: 1400, mac: "02:aa:00:00:00:01", linkInContainer: true, bcQueueLen: 50, ipamType: "static", dns: { nameservers: ["1.1.1.1"] } });
  });

  it.each([
    ["", MACVLAN_MODE_BRIDGE],
    ["bridge", MACVLAN_MODE_BRIDGE],
    ["private", MACVLAN_MODE_PRIVATE],
    ["vepa", MACVLAN_MODE_VEPA],
    ["passthru", MACVLAN_MODE_PASSTHRU],
  ])("parse: mode %j -> %i", (mode, want) => {
    expect(parse({ mode }).mode).toBe(want);
  });

  it("parse: unknown mode, negative mtu, bcqueuelen over uint32, mtu as string -> error 7 naming the key", () => {
    for (const [keys, msg] of [
      [{ mode: "Bridge" }, 'mode: unknown macvlan mode: "Bridge"'],
      [{ mtu: -1 }, "mtu"],
      [{ bcqueuelen: 2 ** 32 }, "bcqueuelen"],
      [{ mtu: "1400" }, "mtu"],
    ] as const) {
      expect(() => parse(keys)).toThrowError(expect.objectContaining({ code: 7, message: expect.stringContaining(msg) }));
    }
  });

  it("parse: MAC precedence -> runtimeConfig.mac > CNI_ARGS MAC > mac", () => {
    const mac = "02:00:00:00:00:01";
    expect(parse({ mac }).mac).toBe(mac);
    expect(parse({ mac }, [["MAC", "02:00:00:00:00:02"]]).mac).toBe("02:00:00:00:00:02");
    expect(parse({ mac, runtimeConfig: { mac: "02:00:00:00:00:03" } }, [["MAC", "02:00:00:00:00:02"]]).mac).toBe("02:00:00:00:00:03");
  });

  it("parse: invalid or multicast MAC, from any source -> error naming the source", () => {
    expect(() => parse({ mac: "zz" })).toThrow(/in mac/);
    expect(() => parse({}, [["MAC", "01:00:5e:00:00:01"]])).toThrow(/CNI_ARGS MAC/);
    expect(() => parse({ runtimeConfig: { mac: "02:00" } })).toThrow(/runtimeConfig\.mac/);
  });

  it("parse: CNI_ARGS unknown key -> error unless IgnoreUnknown (types.LoadArgs)", () => {
    expect(() => parse({}, [["FOO", "1"]])).toThrow(/ARGS: unknown args/);
    expect(parse({}, [["FOO", "1"], ["MAC", "02:00:00:00:00:02"]], true).mac).toBe("02:00:00:00:00:02");
  });
});
