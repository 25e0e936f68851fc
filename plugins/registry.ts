// Plugin types this executable answers to. Loaders are dynamic imports so that, e.g., loopback never
// evaluates the bridge or nftables modules.
import type { Plugin } from "../shared/cni/plugin.ts";
import { CniError, ErrorCode } from "../shared/cni/errors.ts";
import { SUPPORTED_VERSIONS } from "../shared/cni/version.ts";

export type PluginLoader = () => Promise<Plugin>;

export const PLUGIN_LOADERS: Record<string, PluginLoader> = {
  loopback: async () => (await import("./loopback/plugin.ts")).default,
  "host-local": async () => (await import("../ipam/host-local/index.ts")).default,
  bridge: async () => (await import("./bridge/index.ts")).default,
  ptp: async () => (await import("./ptp/index.ts")).default,
  bandwidth: async () => (await import("../meta/bandwidth/index.ts")).default,
  portmap: async () => (await import("../meta/portmap/index.ts")).default,
};

/** Every name the build hard-links; ones without a loader yet answer "not implemented". */
export const PLUGIN_NAMES = ["bridge", "ptp", "loopback", "host-local", "portmap", "bandwidth"] as const;

export function notImplemented(type: string): Plugin {
  const fail = (): never => {
    throw new CniError(ErrorCode.Internal, `plugin type "${type}" is not implemented by tscni`);
  };
  return { type, supportedVersions: SUPPORTED_VERSIONS, add: fail, del: fail, check: fail, gc: fail, status: fail };
}
