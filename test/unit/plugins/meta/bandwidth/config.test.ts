import { describe, expect, it } from "vitest";
import { CniError } from "../../../../../shared/cni/errors.ts";
import type { NetConf } from "../../../../../shared/cni/plugin.ts";
import { ifbDeviceName, isPassthrough, parseConfig } from "../../../../../plugins/meta/bandwidth/config.ts";
import { code7 } from "../../../cni-error.ts";

function conf(keys: Record<string, unknown>, runtimeConfig: Record<string, unknown> = {}): NetConf {
  const raw = { cniVersion: "1.0.0", name: "mynet", type: "bandwidth", runtimeConfig, ...keys };
  return { cniVersion: "1.0.0", name: "mynet", type: "bandwidth", raw };
}

describe("parseConfig", () => {
  it("parseConfig: all four keys -> both directions, default latency 25", () => {
    const c = parseConfig(conf({ ingressRate: 8e6, ingressBurst: 8e4, egressRate: 16e6, egressBurst: 16e4 }));
    expect(c).toEqual({
      name: "mynet",
      cniVersion: "1.0.0",
      latencyMs: 25,
      ingress: { rateBits: 8e6, burstBits: 8e4 },
      egress: { rateBits: 16e6, burstBits: 16e4 },
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("parseConfig: no keys anywhere -> passthrough", () => {
    expect(isPassthrough(parseConfig(conf({})))).toBe(true);
  });

  it("parseConfig: all zero -> passthrough", () => {
    const c = parseConfig(conf({ ingressRate: 0, ingressBurst: 0, egressRate: 0, egressBurst: 0 }));
    expect(isPassthrough(c)).toBe(true);
  });

  it("parseConfig: only ingress -> egress undefined", () => {
    const c = parseConfig(conf({ ingressRate: 1000, ingressBurst: 100 }));
    expect(c.ingress).toEqual({ rateBits: 1000, burstBits: 100 });
    expect(c.egress).toBeUndefined();
  });

  it("parseConfig: runtimeConfig.bandwidth only -> used", () => {
    const c = parseConfig(conf({}, { bandwidth: { egressRate: 8000, egressBurst: 800 } }));
    expect(c.egress).toEqual({ rateBits: 8000, burstBits: 800 });
  });

  it("parseConfig: any top-level key (even 0) -> runtimeConfig.bandwidth ignored", () => {
    const c = parseConfig(conf({ ingressRate: 0 }, { bandwidth: { egressRate: 8000, egressBurst: 800 } }));
    expect(isPassthrough(c)).toBe(true);
  });

  it("parseConfig: key in another case -> matched like Go's encoding/json", () => {
    const c = parseConfig(conf({ IngressRate: 1000, ingressburst: 100 }));
    expect(c.ingress).toEqual({ rateBits: 1000, burstBits: 100 });
  });

  it("parseConfig: containerd CRI's capitalised runtimeConfig.bandwidth -> read", () => {
    const c = parseConfig(conf({}, { Bandwidth: { IngressRate: 8e6, IngressBurst: 8e4, EgressRate: 16e6, EgressBurst: 16e4 } }));
    expect(c.ingress).toEqual({ rateBits: 8e6, burstBits: 8e4 });
    expect(c.egress).toEqual({ rateBits: 16e6, burstBits: 16e4 });
    expect(code7(() => parseConfig(conf({}, { bandwidth: { IngressRate: -1 } })))).toMatch(/runtimeConfig\.bandwidth\.ingressRate: -1 is out of range/);
  });

  it("parseConfig: null value -> 0 (as Go decodes null into uint64)", () => {
    expect(isPassthrough(parseConfig(conf({ ingressRate: null, ingressBurst: null })))).toBe(true);
  });

  it.each([
    [{ ingressRate: 1000 }, "if rate is set, burst must also be set"],
    [{ egressBurst: 1000 }, "if burst is set, rate must also be set"],
    [{ ingressRate: -1, ingressBurst: 100 }, "ingressRate"],
    [{ egressRate: 1000, egressBurst: -5 }, "egressBurst"],
    [{ ingressRate: "1000", ingressBurst: 100 }, "ingressRate"],
    [{ ingressRate: 1.5, ingressBurst: 100 }, "ingressRate"],
    [{ ingressRate: 2 ** 60, ingressBurst: 100 }, "ingressRate"],
    [{ ingressRate: [1], ingressBurst: 100 }, "ingressRate"],
    [{ ingressRate: 1000, ingressBurst: 8 * 0x1_0000_0000 }, "burst cannot be more than 4GB"],
    [{ ingressRate: 7, ingressBurst: 100 }, "below 1 byte/s"],
    [{ ingressRate: 1000, ingressBurst: 100, latencyMs: 0 }, "latencyMs"],
    [{ ingressRate: 1000, ingressBurst: 100, latencyMs: -3 }, "latencyMs"],
    [{ ingressRate: 1000, ingressBurst: 100, latencyMs: "25" }, "latencyMs"],
    [{ ingressRate: 1000, ingressBurst: 100, latencyMs: 10_001 }, "latencyMs"],
  ])("parseConfig: %j -> error 7 naming %s", (keys, fragment) => {
    expect(code7(() => parseConfig(conf(keys)))).toContain(fragment);
  });

  it.each([
    ["containerd CRI (annotations)", 0xffff_ffff],
    ["CRI-O", 8 * 0xffff_ffff - 1],
    ["older CRI-O", 8 * 0xffff_ffff],
  ])("parseConfig: burst a runtime sends (%s, %d bits) -> accepted", (_who, burst) => {
    const cfg = parseConfig(conf({}, { bandwidth: { IngressRate: 1_000_000, IngressBurst: burst, EgressRate: 10_000_000, EgressBurst: burst } }));
    expect(cfg.ingress).toEqual({ rateBits: 1_000_000, burstBits: burst });
    expect(cfg.egress).toEqual({ rateBits: 10_000_000, burstBits: burst });
  });

  it("parseConfig: runtimeConfig.bandwidth rate without burst -> error 7", () => {
    expect(code7(() => parseConfig(conf({}, { bandwidth: { ingressRate: 5 } })))).toContain("burst must also be set");
  });

  it("parseConfig: runtimeConfig.bandwidth not an object -> error 7", () => {
    code7(() => parseConfig(conf({}, { bandwidth: 5 })));
  });

  it("parseConfig: latencyMs 2.5 -> kept", () => {
    expect(parseConfig(conf({ ingressRate: 1000, ingressBurst: 100, latencyMs: 2.5 })).latencyMs).toBe(2.5);
  });
});

describe("ifbDeviceName", () => {
  it("ifbDeviceName: mynet + ctr1 -> the name the reference 1.1.1 created", () => {
    // observed: /usr/lib/cni/bandwidth ADD with name "mynet", CNI_CONTAINERID "ctr1"
    expect(ifbDeviceName("mynet", "ctr1")).toBe("bwp5145007e2a84");
  });

  it("ifbDeviceName: any input -> bwp + 12 hex, 15 chars", () => {
    expect(ifbDeviceName("n", "x".repeat(200))).toMatch(/^bwp[0-9a-f]{12}$/);
  });
});
