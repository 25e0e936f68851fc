// The vlan plugin: the pod gets an 802.1Q sub-interface of a host (or pod) interface.
import type { Plugin } from "../../../shared/cni/plugin.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { delPodIface, gcThroughIpam, statusThroughIpam } from "../pod/single-iface.ts";
import { add } from "./add.ts";
import { check } from "./check.ts";

const plugin: Plugin = { type: "vlan", supportedVersions: SUPPORTED_VERSIONS, add, del: delPodIface, check, status: statusThroughIpam, gc: gcThroughIpam };
export default plugin;
