// vrf meta plugin: puts the pod interface into a VRF (created on first use, deleted with its last
// interface), keeping the previous plugin's IPv6 addresses and routes, like the reference
// plugins/meta/vrf. GC and STATUS have nothing to do (absent = success).
import type { Plugin } from "../../../shared/cni/plugin.ts";
import { cmdAdd } from "./add.ts";
import { cmdCheck } from "./check.ts";
import { cmdDel } from "./del.ts";
import { systemDeps } from "./system-deps.ts";
import { VRF_VERSIONS } from "./versions.ts";

const plugin: Plugin = {
  type: "vrf",
  supportedVersions: VRF_VERSIONS,
  add: (ctx) => cmdAdd(ctx, systemDeps(ctx)),
  del: (ctx) => cmdDel(ctx, systemDeps(ctx)),
  check: (ctx) => cmdCheck(ctx, systemDeps(ctx)),
};

export default plugin;
