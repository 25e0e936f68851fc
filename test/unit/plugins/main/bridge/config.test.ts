import { describe, expect, it } from "vitest";
import { parseBridgeConfig } from "../../../../../plugins/main/bridge/config.ts";
import { buildNetConf } from "../../../../../shared/cni/config.ts";
import { CniError } from "../../../../../shared/cni/errors.ts";
import { code7 } from "../../../cni-error.ts";

const IPAM = { type: "host-local", subnet: "10.1.0.0/24" };
type Pairs = [string, string][];

function parse(keys: Record<string, unknown>, cniArgs: Pairs = []) {
  const raw = { cniVersion: "1.0.0", name: "brnet", type: "bridge", ipam: IPAM, ...keys };
  return parseBridgeConfig(buildNetConf(raw, "1.0.0"), cniArgs);
}

describe("parseBridgeConfig", () => {
  it("parse: only ipam -> reference defaults, frozen", () => {
    const c = parse({});
    expect(c).toEqual({
      bridge: "cni0",
      isGateway: false,
      isDefaultGateway: false,
      forceAddress: false,
      ipMasq: false,
      ipMasqBackend: "nftables",
      mtu: 0,
      hairpinMode: false,
      promiscMode: false,
      vlan: 0,
      vlanTrunk: [],
      preserveDefaultVlan: false,
      macspoofchk: false,
      enabledad: false,
      disableContainerInterface: false,
      portIsolation: false,
      hasIpam: true,
      mac: "",
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("parse: keys matched like Go's encoding/json (any case, last key wins)", () => {
    expect(parse({ IsGateway: true, MTU: 1400, HairpinMode: true, Bridge: "br9" })).toMatchObject({
      isGateway: true,
      mtu: 1400,
      hairpinMode: true,
      bridge: "br9",
    });
    expect(parse({ ISGATEWAY: true }).isGateway).toBe(true);
    expect(parse({ isGateway: true, IsGateway: false }).isGateway).toBe(false);
    expect(parse({ IsGateway: false, isGateway: true }).isGateway).toBe(true);
    expect(parse({ runtimeConfig: { MAC: "02:00:00:00:00:0B" } }).mac).toBe("02:00:00:00:00:0b");
    expect(code7(() => parse({ VlanTrunk: [{ ID: 5000 }] }))).toMatch(/^vlanTrunk\[0\]\.id: incorrect trunk id/);
  });

  it("parse: isDefaultGateway -> implies isGateway", () => {
    expect(parse({ isDefaultGateway: true })).toMatchObject({ isGateway: true, isDefaultGateway: true });
  });

  it("parse: bridge absent or null -> cni0; empty string, too long or with a slash -> error 7", () => {
    expect(parse({}).bridge).toBe("cni0");
    expect(parse({ bridge: null }).bridge).toBe("cni0");
    expect(code7(() => parse({ bridge: "" }))).toMatch(/invalid bridge name ""/);
    expect(parse({ bridge: "br-test" }).bridge).toBe("br-test");
    expect(code7(() => parse({ bridge: "a-very-long-bridge-name" }))).toMatch(/invalid bridge name/);
    code7(() => parse({ bridge: "br/0" }));
  });

  it("parse: wrong types -> error 7 naming the key", () => {
    expect(code7(() => parse({ isGateway: "yes" }))).toMatch(/isGateway/);
    expect(code7(() => parse({ mtu: 1400.5 }))).toMatch(/mtu/);
    expect(code7(() => parse({ vlan: "100" }))).toMatch(/vlan/);
    code7(() => parse({ vlanTrunk: {} }));
    code7(() => parse({ vlanTrunk: [5] }));
  });

  it("parse: vlan out of 0..4094 -> error 7", () => {
    expect(parse({ vlan: 4094 }).vlan).toBe(4094);
    expect(code7(() => parse({ vlan: 4095 }))).toMatch(/invalid VLAN ID 4095/);
    code7(() => parse({ vlan: -1 }));
  });

  it("parse: vlanTrunk ids and ranges -> sorted, de-duplicated ids", () => {
    const c = parse({ vlanTrunk: [{ id: 300 }, { minID: 101, maxID: 103 }, { id: 102 }, { minID: 5, maxID: 5, id: 7 }] });
    expect(c.vlanTrunk).toEqual([5, 7, 101, 102, 103, 300]);
  });

  it("parse: vlanTrunk half ranges, reversed ranges, ids out of range -> error 7", () => {
    expect(code7(() => parse({ vlanTrunk: [{ minID: 10 }] }))).toMatch(/maxID is missing/);
    expect(code7(() => parse({ vlanTrunk: [{ maxID: 10 }] }))).toMatch(/minID is missing/);
    expect(code7(() => parse({ vlanTrunk: [{ minID: 20, maxID: 10 }] }))).toMatch(/minID is greater than maxID/);
    expect(code7(() => parse({ vlanTrunk: [{ id: 0 }] }))).toMatch(/incorrect trunk id/);
    expect(code7(() => parse({ vlanTrunk: [{ minID: 1, maxID: 4095 }] }))).toMatch(/incorrect trunk maxID/);
  });

  it("parse: vlan with vlanTrunk -> error 7", () => {
    expect(code7(() => parse({ vlan: 5, vlanTrunk: [{ id: 6 }] }))).toMatch(/vlan and vlanTrunk/);
  });

  it("parse: hairpinMode with promiscMode -> error 7", () => {
    expect(code7(() => parse({ hairpinMode: true, promiscMode: true }))).toMatch(/hairpin/);
  });

  it("parse: disableContainerInterface -> needs ipam {}", () => {
    code7(() => parse({ disableContainerInterface: true }));
    expect(parse({ disableContainerInterface: true, ipam: {} })).toMatchObject({ disableContainerInterface: true, hasIpam: false });
  });

  it("parse: ipMasqBackend -> iptables or nftables, else error 7", () => {
    expect(parse({ ipMasqBackend: "iptables" }).ipMasqBackend).toBe("iptables");
    expect(parse({ ipMasqBackend: "nftables" }).ipMasqBackend).toBe("nftables");
    code7(() => parse({ ipMasqBackend: "pf" }));
  });

  it("parse: MAC sources -> CNI_ARGS < args.cni.mac < runtimeConfig.mac, lowercased", () => {
    const args: Pairs = [["IgnoreUnknown", "1"], ["MAC", "02:00:00:00:00:0A"]];
    expect(parse({}, args).mac).toBe("02:00:00:00:00:0a");
    expect(parse({ args: { cni: { mac: "02:00:00:00:00:02" } } }, args).mac).toBe("02:00:00:00:00:02");
    expect(parse({ args: { cni: { mac: "02:00:00:00:00:02" } }, runtimeConfig: { mac: "02:00:00:00:00:03" } }, args).mac).toBe(
      "02:00:00:00:00:03",
    );
  });

  it("parse: invalid or multicast MAC -> error 7", () => {
    code7(() => parse({ runtimeConfig: { mac: "not-a-mac" } }));
    expect(code7(() => parse({}, [["MAC", "01:00:5e:00:00:01"]]))).toMatch(/multicast/);
  });
});
