// The macvlan plugin: the pod gets a macvlan of a host (or, with linkInContainer, pod) interface.
import type { Plugin } from "../../../shared/cni/plugin.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { delPodIface, gcThroughIpam, statusThroughIpam } from "../pod/single-iface.ts";
import { add } from "./add.ts";
import { check } from "./check.ts";

// GC: forwarded to IPAM (the link goes with the pod netns; the reference's GC is a no-op).
const plugin: Plugin = { type: "macvlan", supportedVersions: SUPPORTED_VERSIONS, add, del: delPodIface, check, status: statusThroughIpam, gc: gcThroughIpam };
export default plugin;
