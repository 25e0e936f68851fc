// The tap plugin (reference v1.3.0+): the pod gets a persistent TAP device (for a VM or a userspace
// network stack in the pod), optionally on a bridge in the pod netns, with or without IPAM.
import type { Plugin } from "../../../shared/cni/plugin.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { delPodIface, statusThroughIpam } from "../pod/single-iface.ts";
import { add } from "./add.ts";
import { check } from "./check.ts";

// GC: nothing of a tap lives outside the pod netns (the reference's GC is a no-op too).
const plugin: Plugin = {
  type: "tap",
  supportedVersions: SUPPORTED_VERSIONS,
  add: (ctx) => add(ctx, "/sys"),
  del: delPodIface,
  check,
  status: statusThroughIpam,
};
export default plugin;
