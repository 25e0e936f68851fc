// The host-device plugin: an existing node interface (by name, MAC, sysfs path, PCI address, or the
// runtime's deviceID: PCI or auxiliary) moves into the pod, renamed to CNI_IFNAME, and back on DEL.
import type { Plugin } from "../../../shared/cni/plugin.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { gcThroughIpam, statusThroughIpam } from "../pod/single-iface.ts";
import { add } from "./add.ts";
import { check } from "./check.ts";
import { del } from "./del.ts";
import { SYSTEM_SYSFS } from "./select.ts";

// GC: the device itself is not node state to collect (with the pod netns gone, a physical device is
// back in the root netns by the kernel's doing, a virtual one is gone), but its IP is: GC is forwarded
// to IPAM when there is one (the reference's GC is a no-op, so an IP whose ADD was killed leaked).
const plugin: Plugin = {
  type: "host-device",
  supportedVersions: SUPPORTED_VERSIONS,
  add: (ctx) => add(ctx, SYSTEM_SYSFS),
  del,
  check: (ctx) => check(ctx, SYSTEM_SYSFS),
  status: statusThroughIpam,
  gc: gcThroughIpam,
};
export default plugin;
