// sbr meta plugin: source-based routing for the pod interface's addresses (a rule and a routing table
// per IP, the interface's routes moved there; or rules into one fixed `table`), like the reference
// plugins/meta/sbr. CHECK, GC and STATUS have nothing to do (absent = success, as the reference).
import type { Plugin } from "../../../shared/cni/plugin.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { cmdAdd } from "./add.ts";
import { cmdDel } from "./del.ts";
import { systemDeps } from "./system-deps.ts";

const plugin: Plugin = {
  type: "sbr",
  supportedVersions: SUPPORTED_VERSIONS,
  add: (ctx) => cmdAdd(ctx, systemDeps(ctx)),
  del: (ctx) => cmdDel(ctx, systemDeps(ctx)),
};

export default plugin;
