// Which host link a host-device config names, as the reference decides it: `device` > `hwaddr` >
// `kernelpath` > `pciBusID` (or a PCI runtimeConfig.deviceID) > an auxiliary deviceID, and whether
// the PCI device is bound to a userspace (DPDK) driver, in which case nothing is moved. Reads sysfs
// under an injectable root and the node's links through an injectable lookup, so every branch is
// unit-tested over a fake sysfs tree (test/unit/plugins/main/host-device/select.test.ts). No Bun API.
import { existsSync, lstatSync, readdirSync, realpathSync } from "node:fs";
import { basename, join } from "node:path";
import { internalError } from "../../../shared/cni/errors.ts";
import type { HostDeviceConfig } from "./config.ts";

/** Drivers that hand a NIC to userspace (the reference's list): such a device has no netdev to move. */
const USERSPACE_DRIVERS = ["vfio-pci", "uio_pci_generic", "igb_uio"];

/** The sysfs mount ("/sys" in production; a fake tree in tests). */
export interface Sysfs {
  root: string;
}

export const SYSTEM_SYSFS: Sysfs = { root: "/sys" };

/** The node's links as selection needs them (name and MAC). */
export interface LinkLookup {
  byName(name: string): { name: string } | undefined;
  all(): readonly { name: string; mac?: string }[];
}

/** What the config selects: a link name to move, or DPDK mode (nothing to move). */
export type Selection = { dpdk: true } | { dpdk: false; find(links: LinkLookup): string };

const fail = (msg: string): never => {
  throw internalError(msg);
};

const pciDir = (s: Sysfs, id: string) => join(s.root, "bus/pci/devices", id);
const auxDir = (s: Sysfs, id: string) => join(s.root, "bus/auxiliary/devices", id);

/** runtimeConfig.deviceID: a PCI device if sysfs has it, else an auxiliary one, else an error. */
function resolveDeviceID(s: Sysfs, id: string): { pci: string; aux: string } {
  if (existsSync(pciDir(s, id))) return { pci: id, aux: "" };
  if (existsSync(auxDir(s, id))) return { pci: "", aux: id };
  return fail(`runtime config DeviceID ${id} not found or unsupported`);
}

/** True when the PCI device's driver is a userspace (DPDK) one; no driver link is an error. */
function hasDpdkDriver(s: Sysfs, pci: string): boolean {
  const link = join(pciDir(s, pci), "driver");
  let driver: string;
  try {
    driver = basename(realpathSync(link));
  } catch (e) {
    return fail(`error with host device: ${(e as NodeJS.ErrnoException).code ?? "error"} reading ${link}`);
  }
  return USERSPACE_DRIVERS.includes(driver);
}

/** The first entry (by name, as Go's os.ReadDir sorts) of a device's net/ directory. */
function firstNetdev(dir: string): string {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return fail(`failed to find network devices at "${dir}"`);
  }
  return entries[0] ?? fail(`failed to find network device in path ${dir}`);
}

/** A PCI device's net/ directory, or that of its virtio child (virtio-net). */
function pciNetDir(s: Sysfs, pci: string): string {
  const dir = join(pciDir(s, pci), "net");
  if (isPresent(dir)) return dir;
  const virtio = safeList(pciDir(s, pci)).filter((e) => e.startsWith("virtio")).sort().map((e) => join(pciDir(s, pci), e, "net"));
  return virtio.find(isPresent) ?? fail(`no net directory under pci device ${pci}`);
}

function isPresent(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The name of a link that must exist in the node netns (as the reference's LinkByName). */
function existing(links: LinkLookup, name: string): string {
  return links.byName(name)?.name ?? fail(`link "${name}" not found`);
}

function byMac(links: LinkLookup, mac: string): string {
  const l = links.all().find((x) => x.mac === mac);
  return l?.name ?? fail(`no link has MAC ${mac}`);
}

/** The kernelpath's sysfs directory under the injected root ("/sys/devices/x" -> <root>/devices/x). */
const underRoot = (s: Sysfs, kernelpath: string) => join(s.root, kernelpath.slice("/sys/".length));

/**
 * Decides, before anything changes, what the config selects: sysfs is read now (deviceID, DPDK
 * driver); the link itself is looked up by find() in the node netns.
 */
export function selectDevice(cfg: HostDeviceConfig, s: Sysfs): Selection {
  const { pci, aux } = cfg.deviceID ? resolveDeviceID(s, cfg.deviceID) : { pci: cfg.pciBusID, aux: "" };
  const dpdk = pci ? hasDpdkDriver(s, pci) : cfg.dpdkMode;
  if (dpdk) return { dpdk: true };
  if (cfg.device) return { dpdk: false, find: (l) => existing(l, cfg.device) };
  if (cfg.hwaddr) return { dpdk: false, find: (l) => byMac(l, cfg.hwaddr) };
  if (cfg.kernelpath) return { dpdk: false, find: (l) => existing(l, firstNetdev(join(underRoot(s, cfg.kernelpath), "net"))) };
  if (pci) return { dpdk: false, find: (l) => existing(l, firstNetdev(pciNetDir(s, pci))) };
  if (aux) return { dpdk: false, find: (l) => existing(l, firstNetdev(join(auxDir(s, aux), "net"))) };
  return fail("failed to find physical interface");
}
