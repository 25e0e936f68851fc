import { describe, expect, it } from "vitest";
import { buildNetConf } from "../../../../../shared/cni/config.ts";
import { masterName, parseIpvlanConfig } from "../../../../../plugins/main/ipvlan/config.ts";
import { IPVLAN_MODE_L2, IPVLAN_MODE_L3, IPVLAN_MODE_L3S } from "../../../../../shared/netlink/codec/link.ts";

const conf = (keys: Record<string, unknown>) => buildNetConf({ cniVersion: "1.0.0", name: "ipvnet", type: "ipvlan", ...keys }, "1.0.0");

describe("parseIpvlanConfig", () => {
  it("parse: nothing set -> l2, inherited mtu, master resolved later; frozen", () => {
    const c = parseIpvlanConfig(conf({}));
    expect(c).toEqual({ master: "", modeName: "l2", mode: IPVLAN_MODE_L2, mtu: 0, linkInContainer: false, ipamType: "", dns: {} });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([["l2", IPVLAN_MODE_L2], ["l3", IPVLAN_MODE_L3], ["l3s", IPVLAN_MODE_L3S], ["", IPVLAN_MODE_L2]])("parse: mode %j -> %i", (mode, want) => {
    expect(parseIpvlanConfig(conf({ mode })).mode).toBe(want);
  });

  it("parse: mode bridge (an ipvlan flag, not a mode) or L3 -> error 7", () => {
    expect(() => parseIpvlanConfig(conf({ mode: "bridge" }))).toThrowError(expect.objectContaining({ code: 7, message: expect.stringContaining('unknown ipvlan mode: "bridge"') }));
    expect(() => parseIpvlanConfig(conf({ mode: "L3" }))).toThrow(/unknown ipvlan mode/);
  });

  it("masterName: configured wins; chained -> prevResult's only named interface; else '' (default route)", () => {
    const prev = (interfaces: unknown[]) => ({ cniVersion: "1.0.0", interfaces, ips: [{ address: "10.0.0.2/24" }] });
    const c1 = conf({ master: "eth9", prevResult: prev([{ name: "a" }]) });
    expect(masterName(parseIpvlanConfig(c1), c1)).toBe("eth9");
    const c2 = conf({ prevResult: prev([{ name: "a" }]) });
    expect(masterName(parseIpvlanConfig(c2), c2)).toBe("a");
    const c3 = conf({});
    expect(masterName(parseIpvlanConfig(c3), c3)).toBe("");
    for (const ifaces of [[], [{ name: "a" }, { name: "b" }], [{ name: "" }]]) {
      const c = conf({ prevResult: prev(ifaces) });
      expect(() => masterName(parseIpvlanConfig(c), c)).toThrow(/chained master failure/);
    }
  });
});
