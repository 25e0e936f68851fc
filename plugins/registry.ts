// Plugin types this executable answers to. Loaders are dynamic imports so that, e.g., loopback never
// evaluates the bridge or nftables modules; the versions each plugin speaks are known here without
// loading it (the dispatcher answers VERSION and the about text from them). Every exec evaluates this
// module: it imports only light ones (a plugin's versions.ts, never its code).
import type { Plugin } from "../shared/cni/plugin.ts";
import { internalError } from "../shared/cni/errors.ts";
import { SUPPORTED_VERSIONS } from "../shared/cni/spec-versions.ts";
import { BANDWIDTH_VERSIONS } from "./meta/bandwidth/versions.ts";
import { FIREWALL_VERSIONS } from "./meta/firewall/versions.ts";
import { VRF_VERSIONS } from "./meta/vrf/versions.ts";

type PluginLoader = () => Promise<Plugin>;

/** The one list of plugin names: build and install ask the compiled binary (`tscni --plugins`). */
export const PLUGIN_LOADERS: Record<string, PluginLoader> = {
  bridge: async () => (await import("./main/bridge/index.ts")).default,
  ptp: async () => (await import("./main/ptp/index.ts")).default,
  macvlan: async () => (await import("./main/macvlan/index.ts")).default,
  ipvlan: async () => (await import("./main/ipvlan/index.ts")).default,
  vlan: async () => (await import("./main/vlan/index.ts")).default,
  dummy: async () => (await import("./main/dummy/index.ts")).default,
  "host-device": async () => (await import("./main/host-device/index.ts")).default,
  tap: async () => (await import("./main/tap/index.ts")).default,
  loopback: async () => (await import("./main/loopback/plugin.ts")).default,
  "host-local": async () => (await import("./ipam/host-local/index.ts")).default,
  static: async () => (await import("./ipam/static/index.ts")).default,
  dhcp: async () => (await import("./ipam/dhcp/index.ts")).default,
  portmap: async () => (await import("./meta/portmap/index.ts")).default,
  bandwidth: async () => (await import("./meta/bandwidth/index.ts")).default,
  tuning: async () => (await import("./meta/tuning/index.ts")).default,
  firewall: async () => (await import("./meta/firewall/index.ts")).default,
  sbr: async () => (await import("./meta/sbr/index.ts")).default,
  vrf: async () => (await import("./meta/vrf/index.ts")).default,
};

/** A long-running mode of a plugin (`dhcp daemon [flags]`): resolves with the exit code. */
type Subcommand = (argv: readonly string[], io: { env: Readonly<Record<string, string | undefined>>; stderr: (s: string) => void }) => Promise<number>;

/** Subcommands by plugin name, then by first argument (the reference's `dhcp daemon`). */
export const SUBCOMMANDS: Record<string, Record<string, () => Promise<Subcommand>>> = {
  dhcp: { daemon: async () => (await import("./ipam/dhcp/daemon/main.ts")).runDaemon },
};

export const PLUGIN_NAMES: readonly string[] = Object.keys(PLUGIN_LOADERS);

/** The plugins that do not speak every version: each one's index.ts uses the same constant. */
const NARROWER_VERSIONS: Readonly<Record<string, readonly string[]>> = { bandwidth: BANDWIDTH_VERSIONS, firewall: FIREWALL_VERSIONS, vrf: VRF_VERSIONS };

/** The spec versions plugin `type` speaks (every supported one unless it is narrower). */
export function pluginVersions(type: string): readonly string[] {
  return Object.hasOwn(NARROWER_VERSIONS, type) ? NARROWER_VERSIONS[type]! : SUPPORTED_VERSIONS;
}

export function notImplemented(type: string): Plugin {
  const fail = (): never => {
    throw internalError(`plugin type "${type}" is not implemented by tscni`);
  };
  return { type, supportedVersions: pluginVersions(type), add: fail, del: fail, check: fail, gc: fail, status: fail };
}
