import { describe, expect, it } from "vitest";
import { buildNetConf } from "../../../../../shared/cni/config.ts";
import { parseHostDeviceConfig } from "../../../../../plugins/main/host-device/config.ts";

const parse = (keys: Record<string, unknown>) =>
  parseHostDeviceConfig(buildNetConf({ cniVersion: "1.0.0", name: "hdnet", type: "host-device", ...keys }, "1.0.0"));

describe("parseHostDeviceConfig", () => {
  it("parse: device only -> defaults, no IPAM; frozen", () => {
    const c = parse({ device: "eth1" });
    expect(c).toEqual({ device: "eth1", hwaddr: "", kernelpath: "", pciBusID: "", deviceID: "", dpdkMode: false, ipamType: "", dns: {} });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("parse: every key, any case (Go encoding/json) -> taken; hwaddr canonical", () => {
    const c = parse({
      Device: "eth1",
      HWADDR: "AA-BB-CC-00-11-22",
      KernelPath: "/sys/devices/pci0000:00/0000:00:19.0",
      pcibusid: "0000:00:19.0",
      runtimeConfig: { DeviceID: "mlx5_core.sf.4" },
      dpdkmode: true,
      ipam: { type: "static" },
      dns: { nameservers: ["9.9.9.9"] },
    });
    expect(c).toEqual({
      device: "eth1",
      hwaddr: "aa:bb:cc:00:11:22",
      kernelpath: "/sys/devices/pci0000:00/0000:00:19.0",
      pciBusID: "0000:00:19.0",
      deviceID: "mlx5_core.sf.4",
      dpdkMode: true,
      ipamType: "static",
      dns: { nameservers: ["9.9.9.9"] },
    });
  });

  it("parse: a single selection key is enough (hwaddr, kernelpath, pciBusID, deviceID)", () => {
    expect(parse({ hwaddr: "02:00:00:00:00:01" }).hwaddr).toBe("02:00:00:00:00:01");
    expect(parse({ kernelpath: "/sys/devices/virtual" }).kernelpath).toBe("/sys/devices/virtual");
    expect(parse({ pciBusID: "0000:03:00.1" }).pciBusID).toBe("0000:03:00.1");
    expect(parse({ runtimeConfig: { deviceID: "0000:03:00.1" } }).deviceID).toBe("0000:03:00.1");
  });

  it("parse: bad input -> error 7 naming the key", () => {
    for (const [keys, msg] of [
      [{}, 'specify either "device", "hwaddr", "kernelpath" or "pciBusID"'],
      [{ device: "" }, "specify either"],
      [{ device: "a b" }, "device: invalid interface name"],
      [{ device: "x".repeat(16) }, "device: invalid interface name"],
      [{ hwaddr: "02:00:00:00:00" }, 'hwaddr: failed to parse MAC address "02:00:00:00:00"'],
      [{ hwaddr: "02:00-00:00:00:01" }, "hwaddr: failed to parse MAC address"],
      [{ kernelpath: "sys/devices/x" }, "must be absolute and begin with /sys/devices/"],
      [{ kernelpath: "/sys/devices/../../etc" }, "must be absolute and begin with /sys/devices/"],
      [{ kernelpath: "/sys/class/net" }, "kernelpath: kernel device path"],
      [{ pciBusID: "../0000:00:01.0" }, "pciBusID: invalid PCI address"],
      [{ pciBusID: ".." }, "pciBusID: invalid PCI address"],
      [{ runtimeConfig: { deviceID: "a/b" } }, "runtimeConfig.deviceID: invalid device ID"],
      [{ device: 5 }, "device"],
    ] as const) {
      expect(() => parse(keys), msg).toThrowError(expect.objectContaining({ code: 7, message: expect.stringContaining(msg) }));
    }
  });
});
