// The bridge plugin: a veth per pod, host end on a Linux bridge, container end addressed from IPAM.
import type { Plugin } from "../../../shared/cni/plugin.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { add } from "./add.ts";
import { check } from "./check.ts";
import { del } from "./del.ts";
import { gc, status } from "../pod/gc.ts";

const plugin: Plugin = { type: "bridge", supportedVersions: SUPPORTED_VERSIONS, add, del, check, gc, status };
export default plugin;
