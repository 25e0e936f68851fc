// portmap meta plugin: publishes container ports on the node (runtimeConfig.portMappings) like the
// reference plugins/meta/portmap, always through nftables, in-process (libnftables): DNAT maps with one
// element per mapping tagged "<containerID> net:<hash(network)>" in the reference's `cni_hostport`
// tables (layout: shared/firewall/portmap-rules.ts). `backend` is accepted and ignored; iptables-syntax
// conditions are refused. STATUS fails (code 50) when nftables cannot be used on this node.
import { pluginNotAvailable } from "../../../shared/cni/errors.ts";
import type { Plugin } from "../../../shared/cni/plugin.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { cmdAdd } from "./add.ts";
import { cmdCheck } from "./check.ts";
import { cmdDel } from "./del.ts";
import type { PortmapDeps } from "./deps.ts";
import { cmdGc } from "./gc.ts";

/** The reference supports version.All. */
export function makePlugin(deps: () => Promise<PortmapDeps>): Plugin {
  return {
    type: "portmap",
    supportedVersions: SUPPORTED_VERSIONS,
    add: async (ctx) => cmdAdd(ctx, await deps()),
    del: async (ctx) => cmdDel(ctx, await deps()),
    check: async (ctx) => cmdCheck(ctx, await deps()),
    gc: async (ctx) => cmdGc(ctx, await deps()),
    status: async () => {
      if (!(await deps()).nftablesAvailable()) {
        throw pluginNotAvailable("nftables is unavailable: install libnftables1 or nftables");
      }
    },
  };
}

const plugin = makePlugin(async () => (await import("./system-deps.ts")).systemDeps);
export default plugin;
