// The ipvlan plugin: the pod gets an ipvlan (l2, l3 or l3s) of a host (or pod) interface, sharing its MAC.
import type { Plugin } from "../../../shared/cni/plugin.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { delPodIface, gcThroughIpam, statusThroughIpam } from "../pod/single-iface.ts";
import { add } from "./add.ts";
import { check } from "./check.ts";

const plugin: Plugin = { type: "ipvlan", supportedVersions: SUPPORTED_VERSIONS, add, del: delPodIface, check, status: statusThroughIpam, gc: gcThroughIpam };
export default plugin;
