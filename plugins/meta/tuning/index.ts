// tuning meta plugin: sysctls in the pod's netns and the pod interface's MAC, promisc, MTU, allmulti
// and txqueuelen, with the originals backed up and restored on DEL, like the reference
// plugins/meta/tuning. GC removes this network's backups whose attachment is not valid (gc.ts);
// STATUS has nothing to do (absent = success).
import type { Plugin } from "../../../shared/cni/plugin.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { cmdAdd } from "./add.ts";
import { cmdCheck } from "./check.ts";
import { cmdDel } from "./del.ts";
import { cmdGc } from "./gc.ts";
import { systemDeps } from "./system-deps.ts";

const plugin: Plugin = {
  type: "tuning",
  supportedVersions: SUPPORTED_VERSIONS,
  add: (ctx) => cmdAdd(ctx, systemDeps(ctx)),
  del: (ctx) => cmdDel(ctx, systemDeps(ctx)),
  check: (ctx) => cmdCheck(ctx, systemDeps(ctx)),
  gc: (ctx) => cmdGc(ctx, systemDeps(ctx)),
};

export default plugin;
