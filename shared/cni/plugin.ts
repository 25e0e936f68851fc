// The one contract between skel and a plugin. Plugins never read process.env, stdout or exit:
// skel parses and validates everything, calls one verb, converts and prints.
import type { Attachment, DNS, Result } from "./types.ts";

/**
 * The parsed network configuration (stdin) as every plugin sees it. Plugin-specific keys, runtimeConfig
 * and args stay in `raw`: read them with `ConfigReader.of(conf.raw)` (shared/cni/reader.ts), which
 * matches keys like the reference's Go encoding/json.
 */
export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  /** the delegated IPAM plugin's type ("" for `ipam: {}`); its keys stay in `raw` */
  ipam?: { type: string };
  dns?: DNS;
  /** prevResult, already converted to the current version (undefined when absent) */
  prevResult?: Result;
  /** the whole decoded stdin object, for plugin config parsers */
  raw: Record<string, unknown>;
}

export type Verb = "ADD" | "DEL" | "CHECK" | "GC" | "STATUS";

/** The skel's log channel, handed to every verb: plugins log here, never to process.stderr. */
export interface PluginLog {
  /** Writes text to the plugin's stderr (stdout is the CNI result). */
  stderr(s: string): void;
}

/** A line logger over the skel's stderr: `<prefix>: <line>`; a closed stderr loses the line, never fails the verb. */
export function lineLogger(io: PluginLog, prefix: string): (line: string) => void {
  return (line) => {
    try {
      io.stderr(`${prefix}: ${line}\n`);
    } catch {
      /* informative only */
    }
  };
}

/** Everything an ADD/DEL/CHECK needs: validated env plus config. */
export interface CmdContext extends PluginLog {
  verb: "ADD" | "DEL" | "CHECK";
  containerId: string;
  /** may be "" on DEL */
  netns: string;
  ifname: string;
  /** CNI_ARGS as ordered key/value pairs (already syntax-checked) */
  cniArgs: ReadonlyArray<readonly [string, string]>;
  /** true when CNI_ARGS carried IgnoreUnknown=1/true */
  ignoreUnknownArgs: boolean;
  /** CNI_PATH split on ':' */
  path: string[];
  conf: NetConf;
  /** the raw stdin bytes, passed unchanged to a delegated plugin */
  stdin: Uint8Array;
  /** the environment, for delegating to another plugin with the same env */
  env: Readonly<Record<string, string | undefined>>;
}

export interface GcContext extends PluginLog {
  verb: "GC";
  path: string[];
  conf: NetConf;
  validAttachments: Attachment[];
  stdin: Uint8Array;
  env: Readonly<Record<string, string | undefined>>;
}

export interface StatusContext extends PluginLog {
  verb: "STATUS";
  path: string[];
  conf: NetConf;
  stdin: Uint8Array;
  env: Readonly<Record<string, string | undefined>>;
}

type Awaitable<T> = T | Promise<T>;

export interface Plugin {
  /** the plugin type, e.g. "bridge"; also the name it is installed as */
  type: string;
  supportedVersions: readonly string[];
  /** returns the result in the current version; skel converts to the config's cniVersion */
  add(ctx: CmdContext): Awaitable<Result>;
  del(ctx: CmdContext): Awaitable<void>;
  /** absent = success (like a nil func in the reference skel) */
  check?(ctx: CmdContext): Awaitable<void>;
  gc?(ctx: GcContext): Awaitable<void>;
  status?(ctx: StatusContext): Awaitable<void>;
}
