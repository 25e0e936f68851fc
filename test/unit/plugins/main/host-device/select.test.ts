// Device selection over a fake sysfs tree (a temp dir standing for /sys) and a fake link list: every
// key, the reference's priority, deviceID as PCI or auxiliary device, DPDK drivers, and the errors.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { HostDeviceConfig } from "../../../../../plugins/main/host-device/config.ts";
import { selectDevice, type LinkLookup, type Selection, type Sysfs } from "../../../../../plugins/main/host-device/select.ts";

let root: string;
let sysfs: Sysfs;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "tscni-sysfs-"));
  sysfs = { root };
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const LINKS = [
  { name: "lo", mac: "00:00:00:00:00:00" },
  { name: "eth0", mac: "02:00:00:00:00:01" },
  { name: "ens1f0", mac: "02:00:00:00:00:02" },
  { name: "ens1f0v3", mac: "02:00:00:00:00:03" },
  { name: "enp0s5", mac: "02:00:00:00:00:04" },
  { name: "sf4", mac: "02:00:00:00:00:05" },
];
const links: LinkLookup = { byName: (n) => LINKS.find((l) => l.name === n), all: () => LINKS };

function dir(path: string): void {
  mkdirSync(join(root, path), { recursive: true });
}

function pciDevice(id: string, driver: string, netdevs: string[] = [], sub = "net"): void {
  dir(`bus/pci/drivers/${driver}`);
  dir(`bus/pci/devices/${id}`);
  symlinkSync(`../../drivers/${driver}`, join(root, `bus/pci/devices/${id}/driver`));
  for (const n of netdevs) dir(`bus/pci/devices/${id}/${sub}/${n}`);
}

const cfg = (over: Partial<HostDeviceConfig>): HostDeviceConfig => ({
  device: "", hwaddr: "", kernelpath: "", pciBusID: "", deviceID: "", dpdkMode: false, ipamType: "", dns: {}, ...over,
});

function found(sel: Selection): string {
  if (sel.dpdk) throw new Error("unexpected DPDK mode");
  return sel.find(links);
}

describe("selectDevice", () => {
  it("select: device -> that link; missing -> error", () => {
    expect(found(selectDevice(cfg({ device: "eth0" }), sysfs))).toBe("eth0");
    expect(() => found(selectDevice(cfg({ device: "nope0" }), sysfs))).toThrow('link "nope0" not found');
  });

  it("select: hwaddr -> the first link with that MAC; none -> error", () => {
    expect(found(selectDevice(cfg({ hwaddr: "02:00:00:00:00:02" }), sysfs))).toBe("ens1f0");
    expect(() => found(selectDevice(cfg({ hwaddr: "02:00:00:00:00:99" }), sysfs))).toThrow("no link has MAC 02:00:00:00:00:99");
  });

  it("select: kernelpath -> the first entry (by name) of <path>/net under the sysfs root", () => {
    dir("devices/pci0000:00/0000:00:19.0/net/ens1f0");
    dir("devices/pci0000:00/0000:00:19.0/net/eth0");
    expect(found(selectDevice(cfg({ kernelpath: "/sys/devices/pci0000:00/0000:00:19.0" }), sysfs))).toBe("ens1f0");
    expect(() => found(selectDevice(cfg({ kernelpath: "/sys/devices/none" }), sysfs))).toThrow("failed to find network devices at");
    dir("devices/empty/net");
    expect(() => found(selectDevice(cfg({ kernelpath: "/sys/devices/empty" }), sysfs))).toThrow("failed to find network device in path");
  });

  it("select: pciBusID -> its net/ entry, or its virtio*/net/ entry; none -> error", () => {
    pciDevice("0000:03:00.0", "ixgbe", ["ens1f0"]);
    pciDevice("0000:00:05.0", "virtio-pci", ["enp0s5"], "virtio2/net");
    pciDevice("0000:00:06.0", "virtio-pci");
    expect(found(selectDevice(cfg({ pciBusID: "0000:03:00.0" }), sysfs))).toBe("ens1f0");
    expect(found(selectDevice(cfg({ pciBusID: "0000:00:05.0" }), sysfs))).toBe("enp0s5");
    expect(() => found(selectDevice(cfg({ pciBusID: "0000:00:06.0" }), sysfs))).toThrow("no net directory under pci device 0000:00:06.0");
  });

  it("select: pciBusID without a driver link -> 'error with host device' before anything moves", () => {
    dir("bus/pci/devices/0000:03:00.0/net/ens1f0");
    expect(() => selectDevice(cfg({ pciBusID: "0000:03:00.0" }), sysfs)).toThrow("error with host device");
    expect(() => selectDevice(cfg({ pciBusID: "0000:09:00.0" }), sysfs)).toThrow("error with host device");
  });

  it.each(["vfio-pci", "uio_pci_generic", "igb_uio"])("select: PCI device bound to %s -> DPDK mode (nothing to move)", (driver) => {
    pciDevice("0000:03:00.1", driver);
    expect(selectDevice(cfg({ pciBusID: "0000:03:00.1" }), sysfs)).toEqual({ dpdk: true });
    // the driver decides even when a device name is given too, and overrides the DPDKMode key
    expect(selectDevice(cfg({ device: "eth0", pciBusID: "0000:03:00.1" }), sysfs)).toEqual({ dpdk: true });
    pciDevice("0000:03:00.2", "ixgbevf", ["ens1f0v3"]);
    expect(found(selectDevice(cfg({ pciBusID: "0000:03:00.2", dpdkMode: true }), sysfs))).toBe("ens1f0v3");
  });

  it("select: DPDKMode key without a PCI address -> DPDK mode (the reference's untagged field)", () => {
    expect(selectDevice(cfg({ device: "eth0", dpdkMode: true }), sysfs)).toEqual({ dpdk: true });
  });

  it("select: runtimeConfig.deviceID of a PCI device -> overrides pciBusID", () => {
    pciDevice("0000:03:00.2", "ixgbevf", ["ens1f0v3"]);
    expect(found(selectDevice(cfg({ pciBusID: "0000:03:00.0", deviceID: "0000:03:00.2" }), sysfs))).toBe("ens1f0v3");
  });

  it("select: runtimeConfig.deviceID of an auxiliary device -> its net/ entry; neither -> error", () => {
    dir("bus/auxiliary/devices/mlx5_core.sf.4/net/sf4");
    expect(found(selectDevice(cfg({ deviceID: "mlx5_core.sf.4" }), sysfs))).toBe("sf4");
    expect(() => selectDevice(cfg({ deviceID: "mlx5_core.sf.9" }), sysfs)).toThrow("runtime config DeviceID mlx5_core.sf.9 not found or unsupported");
  });

  it("select: priority device > hwaddr > kernelpath > pciBusID > auxiliary (as the reference)", () => {
    pciDevice("0000:03:00.0", "ixgbe", ["ens1f0"]);
    dir("devices/x/net/enp0s5");
    const all = { hwaddr: "02:00:00:00:00:03", kernelpath: "/sys/devices/x", pciBusID: "0000:03:00.0" };
    expect(found(selectDevice(cfg({ device: "eth0", ...all }), sysfs))).toBe("eth0");
    expect(found(selectDevice(cfg(all), sysfs))).toBe("ens1f0v3");
    expect(found(selectDevice(cfg({ ...all, hwaddr: "" }), sysfs))).toBe("enp0s5");
    expect(found(selectDevice(cfg({ ...all, hwaddr: "", kernelpath: "" }), sysfs))).toBe("ens1f0");
  });
});
