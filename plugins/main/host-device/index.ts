// The host-device plugin: an existing node interface (by name, MAC, sysfs path, PCI address, or the
// runtime's deviceID: PCI or auxiliary) moves into the pod, renamed to CNI_IFNAME, and back on DEL.
import type { Plugin } from "../../../shared/cni/plugin.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { statusThroughIpam } from "../pod/single-iface.ts";
import { add } from "./add.ts";
import { check } from "./check.ts";
import { del } from "./del.ts";
import { SYSTEM_SYSFS } from "./select.ts";

// GC: nothing of a host-device attachment lives outside the pod netns (the reference's GC is a no-op).
const plugin: Plugin = {
  type: "host-device",
  supportedVersions: SUPPORTED_VERSIONS,
  add: (ctx) => add(ctx, SYSTEM_SYSFS),
  del,
  check: (ctx) => check(ctx, SYSTEM_SYSFS),
  status: statusThroughIpam,
};
export default plugin;
