// bandwidth meta plugin: shapes a container's traffic with tbf qdiscs on its host veth (toward the
// container) and on an ifb fed by an ingress redirect (from the container), like the reference
// plugins/meta/bandwidth. GC deletes this network's ifbs whose attachment is not valid (gc.ts); STATUS
// has nothing to do (absent = success). The entry: builds the
// production deps from the skel's IO and hands them to each verb.
import type { Plugin } from "../../../shared/cni/plugin.ts";
import { cmdAdd } from "./add.ts";
import { cmdCheck } from "./check.ts";
import { cmdDel } from "./del.ts";
import { cmdGc } from "./gc.ts";
import { systemDeps } from "./system-deps.ts";
import { BANDWIDTH_VERSIONS } from "./versions.ts";

const plugin: Plugin = {
  type: "bandwidth",
  supportedVersions: BANDWIDTH_VERSIONS,
  add: (ctx) => cmdAdd(ctx, systemDeps(ctx)),
  del: (ctx) => cmdDel(ctx, systemDeps(ctx)),
  check: (ctx) => cmdCheck(ctx, systemDeps(ctx)),
  gc: (ctx) => cmdGc(ctx, systemDeps(ctx)),
};

export default plugin;
