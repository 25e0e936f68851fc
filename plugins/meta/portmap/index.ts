// portmap meta plugin: publishes container ports on the node (runtimeConfig.portMappings) like the
// reference plugins/meta/portmap, always through nftables, in-process (libnftables): DNAT maps with one
// element per mapping tagged "<containerID> net:<hash(network)>" in the reference's `cni_hostport`
// tables (layout: shared/firewall/portmap-rules.ts, the nft driver's port forwards). `backend` is accepted and ignored; iptables-syntax
// conditions are refused. STATUS fails (code 50) when nftables cannot be used on this node.
import { pluginNotAvailable } from "../../../shared/cni/errors.ts";
import type { Plugin, PluginLog } from "../../../shared/cni/plugin.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { cmdAdd } from "./add.ts";
import { cmdCheck } from "./check.ts";
import { cmdDel } from "./del.ts";
import type { PortmapDeps } from "./deps.ts";
import { cmdGc } from "./gc.ts";

/** The entry: deps built from the skel's IO for each verb. The reference supports version.All. */
function makePlugin(deps: (io: PluginLog) => Promise<PortmapDeps>): Plugin {
  return {
    type: "portmap",
    supportedVersions: SUPPORTED_VERSIONS,
    add: async (ctx) => cmdAdd(ctx, await deps(ctx)),
    del: async (ctx) => cmdDel(ctx, await deps(ctx)),
    check: async (ctx) => cmdCheck(ctx, await deps(ctx)),
    gc: async (ctx) => cmdGc(ctx, await deps(ctx)),
    status: async (ctx) => {
      if (!(await deps(ctx)).firewall.available()) {
        throw pluginNotAvailable("nftables is unavailable: install libnftables1 or nftables");
      }
    },
  };
}

const plugin = makePlugin(async (io) => (await import("./system-deps.ts")).systemDeps(io));
export default plugin;
