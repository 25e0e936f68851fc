// The tap plugin (reference v1.3.0+): the pod gets a persistent TAP device (for a VM or a userspace
// network stack in the pod), optionally on a bridge in the pod netns, with or without IPAM.
import type { Plugin } from "../../../shared/cni/plugin.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { delPodIface, gcThroughIpam, statusThroughIpam } from "../pod/single-iface.ts";
import { add } from "./add.ts";
import { check } from "./check.ts";

// GC: the tap lives in the pod netns and goes with it; its IP does not, so GC is forwarded to IPAM when
// there is one (the reference's GC is a no-op: an IP whose ADD was killed leaked).
const plugin: Plugin = {
  type: "tap",
  supportedVersions: SUPPORTED_VERSIONS,
  add: (ctx) => add(ctx, "/sys"),
  del: delPodIface,
  check,
  status: statusThroughIpam,
  gc: gcThroughIpam,
};
export default plugin;
