// firewall meta plugin (reference plugins/meta/firewall): lets a container's traffic be forwarded even
// where the node's forward policy drops, and applies the network's ingressPolicy. Rules go to the
// iptables filter table (reference layout: CNI-FORWARD, admin chain first, CNI-ISOLATION-STAGE-1/2)
// where an iptables FORWARD chain exists, else to tscni's nft table inet cni_firewall. Versions 0.4.0+
// as the reference. STATUS fails (code 50) when nftables cannot be used on this node.
import { pluginNotAvailable } from "../../../shared/cni/errors.ts";
import type { Plugin, PluginLog } from "../../../shared/cni/plugin.ts";
import { cmdAdd } from "./add.ts";
import { cmdCheck } from "./check.ts";
import { cmdDel } from "./del.ts";
import type { FirewallDeps } from "./deps.ts";
import { cmdGc } from "./gc.ts";
import { FIREWALL_VERSIONS } from "./versions.ts";

/** The entry: deps built from the skel's IO for each verb. */
function makePlugin(deps: (io: PluginLog) => Promise<FirewallDeps>): Plugin {
  return {
    type: "firewall",
    supportedVersions: FIREWALL_VERSIONS,
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
