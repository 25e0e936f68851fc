// host-device configuration: every key of the reference (v1.9.x), validated before any kernel or
// sysfs access. Pure. Which device the keys select (sysfs, links) is decided at ADD/CHECK time by
// select.ts.
import type { NetConf } from "../../../shared/cni/plugin.ts";
import { invalidConfig } from "../../../shared/cni/errors.ts";
import { ConfigReader, validIfName } from "../../../shared/cni/reader.ts";
import type { DNS } from "../../../shared/cni/types.ts";

export interface HostDeviceConfig {
  /** a link name in the node netns ("" = not given) */
  device: string;
  /** a MAC in canonical lowercase form ("" = not given) */
  hwaddr: string;
  /** a device directory under /sys/devices/ ("" = not given) */
  kernelpath: string;
  /** a PCI address as in /sys/bus/pci/devices ("" = not given) */
  pciBusID: string;
  /** runtimeConfig.deviceID (capability deviceID): a PCI or an auxiliary device ("" = not given) */
  deviceID: string;
  /** the untagged DPDKMode field: nothing is moved (also set by a DPDK driver on pciBusID's device) */
  dpdkMode: boolean;
  /** "" = no IPAM (L2 only) */
  ipamType: string;
  /** the network's dns, which replaces whatever IPAM returned (as the reference) */
  dns: DNS;
}

const MAC_RE = /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){4}$/;
/** a sysfs directory entry name: no separator, not "." or ".." */
const SYSFS_NAME_RE = /^(?!\.{1,2}$)[A-Za-z0-9_.:-]+$/;

function readHwaddr(r: ConfigReader): string {
  const text = r.str("hwaddr");
  if (!text) return "";
  if (!MAC_RE.test(text)) r.fail("hwaddr", `failed to parse MAC address ${JSON.stringify(text)}`);
  return text.toLowerCase().replaceAll("-", ":");
}

function readDevice(r: ConfigReader): string {
  const name = r.str("device");
  if (name && !validIfName(name)) r.fail("device", `invalid interface name ${JSON.stringify(name)}`);
  return name;
}

function readKernelpath(r: ConfigReader): string {
  const path = r.str("kernelpath");
  if (!path) return "";
  if (!path.startsWith("/sys/devices/") || path.split("/").some((seg) => seg === "..")) {
    r.fail("kernelpath", `kernel device path ${JSON.stringify(path)} must be absolute and begin with /sys/devices/`);
  }
  return path;
}

/** A name used as a sysfs path component: no way out of its directory. */
function readSysfsName(r: ConfigReader, key: string, what: string): string {
  const id = r.str(key);
  if (id && !SYSFS_NAME_RE.test(id)) r.fail(key, `invalid ${what} ${JSON.stringify(id)}`);
  return id;
}

export function parseHostDeviceConfig(conf: NetConf): Readonly<HostDeviceConfig> {
  const r = ConfigReader.of(conf.raw);
  const cfg: HostDeviceConfig = {
    device: readDevice(r),
    hwaddr: readHwaddr(r),
    kernelpath: readKernelpath(r),
    pciBusID: readSysfsName(r, "pciBusID", "PCI address"),
    deviceID: readSysfsName(r.childOrEmpty("runtimeConfig"), "deviceID", "device ID"),
    dpdkMode: r.bool("DPDKMode"),
    ipamType: conf.ipam?.type ?? "",
    dns: Object.freeze({ ...conf.dns }),
  };
  if (!cfg.device && !cfg.hwaddr && !cfg.kernelpath && !cfg.pciBusID && !cfg.deviceID) {
    throw invalidConfig('specify either "device", "hwaddr", "kernelpath" or "pciBusID"');
  }
  return Object.freeze(cfg);
}
