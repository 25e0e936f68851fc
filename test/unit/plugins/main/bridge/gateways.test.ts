import { describe, expect, it } from "vitest";
import type { BridgeConfig } from "../../../../../plugins/main/bridge/config.ts";
import { applyGateways, CONTAINER_IFACE_INDEX } from "../../../../../plugins/main/bridge/gateways.ts";
import type { Result } from "../../../../../shared/cni/types.ts";

function cfg(over: Partial<BridgeConfig>): BridgeConfig {
  return { isGateway: false, isDefaultGateway: false, ...over } as BridgeConfig;
}

function result(ips: { address: string; gateway?: string }[], routes: Result["routes"] = undefined): Result {
  return { cniVersion: "1.1.0", ips: ips.map((i) => ({ ...i })), ...(routes ? { routes } : {}) };
}

describe("applyGateways", () => {
  it("apply: no gateway keys -> every IP on the container interface, nothing else", () => {
    const r = result([{ address: "10.1.0.5/24" }]);
    expect(applyGateways(r, cfg({}))).toEqual([]);
    expect(r.ips).toEqual([{ address: "10.1.0.5/24", interface: CONTAINER_IFACE_INDEX }]);
    expect(r.routes).toBeUndefined();
  });

  it("apply: isGateway without IPAM gateway -> network+1 per family, on the bridge with the IP's prefix", () => {
    const r = result([{ address: "10.1.0.5/24" }, { address: "fd00:1::5/64" }]);
    expect(applyGateways(r, cfg({ isGateway: true }))).toEqual(["10.1.0.1/24", "fd00:1::1/64"]);
    expect(r.ips!.map((i) => i.gateway)).toEqual(["10.1.0.1", "fd00:1::1"]);
  });

  it("apply: isGateway with IPAM gateway -> kept", () => {
    const r = result([{ address: "10.1.0.5/16", gateway: "10.1.255.254" }]);
    expect(applyGateways(r, cfg({ isGateway: true }))).toEqual(["10.1.255.254/16"]);
  });

  it("apply: isDefaultGateway -> one default route per family, via the first gateway of that family", () => {
    const r = result([{ address: "10.1.0.5/24" }, { address: "10.2.0.5/24" }, { address: "fd00:1::5/64" }]);
    const addrs = applyGateways(r, cfg({ isGateway: true, isDefaultGateway: true }));
    expect(addrs).toEqual(["10.1.0.1/24", "10.2.0.1/24", "fd00:1::1/64"]);
    expect(r.routes).toEqual([
      { dst: "0.0.0.0/0", gw: "10.1.0.1" },
      { dst: "::/0", gw: "fd00:1::1" },
    ]);
  });

  it("apply: isDefaultGateway with an IPAM default route that has a gw -> no second default", () => {
    const r = result([{ address: "10.1.0.5/24" }], [{ dst: "0.0.0.0/0", gw: "10.1.0.254" }]);
    applyGateways(r, cfg({ isGateway: true, isDefaultGateway: true }));
    expect(r.routes).toEqual([{ dst: "0.0.0.0/0", gw: "10.1.0.254" }]);
  });

  it("apply: isDefaultGateway with an IPAM default route without gw -> one more, via the gateway", () => {
    const r = result([{ address: "10.1.0.5/24" }], [{ dst: "0.0.0.0/0" }]);
    applyGateways(r, cfg({ isGateway: true, isDefaultGateway: true }));
    expect(r.routes).toEqual([{ dst: "0.0.0.0/0" }, { dst: "0.0.0.0/0", gw: "10.1.0.1" }]);
  });
});
