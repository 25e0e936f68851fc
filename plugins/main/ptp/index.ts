// The ptp plugin: a point-to-point veth per pod, routed (not bridged) through the host.
import type { Plugin } from "../../../shared/cni/plugin.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { gc, status } from "../pod/gc.ts";
import { add } from "./add.ts";
import { check } from "./check.ts";
import { del } from "./del.ts";

const plugin: Plugin = { type: "ptp", supportedVersions: SUPPORTED_VERSIONS, add, del, check, gc, status };
export default plugin;
