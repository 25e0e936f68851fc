import { describe, expect, it } from "vitest";
import { buildNetConf } from "../../../../../shared/cni/config.ts";
import { parseVlanConfig } from "../../../../../plugins/main/vlan/config.ts";

const parse = (keys: Record<string, unknown>) =>
  parseVlanConfig(buildNetConf({ cniVersion: "1.0.0", name: "vlnet", type: "vlan", master: "eth1", ipam: { type: "static" }, ...keys }, "1.0.0"));

describe("parseVlanConfig", () => {
  it("parse: master and ipam only -> vlan id 0, inherited mtu; frozen", () => {
    const c = parse({});
    expect(c).toEqual({ master: "eth1", vlanId: 0, mtu: 0, linkInContainer: false, ipamType: "static", dns: {} });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("parse: every key, any case -> taken", () => {
    expect(parse({ VLANID: 4094, Mtu: 1400, linkInContainer: true })).toMatchObject({ vlanId: 4094, mtu: 1400, linkInContainer: true });
  });

  it("parse: no master, vlanId out of 0..4094, no ipam -> error 7", () => {
    for (const [keys, msg] of [
      [{ master: "" }, '"master" field is required'],
      [{ vlanId: 4095 }, "invalid VLAN ID 4095 (must be between 0 and 4094 inclusive)"],
      [{ vlanId: -1 }, "invalid VLAN ID -1"],
      [{ vlanId: 1.5 }, "vlanId"],
      [{ ipam: {} }, "requires an IPAM configuration"],
    ] as const) {
      expect(() => parse(keys)).toThrowError(expect.objectContaining({ code: 7, message: expect.stringContaining(msg) }));
    }
  });
});
