// Finding and executing one plugin the way libcni's invoke package does: the first regular file
// named after the type in the plugin dirs, the runtime's env plus the CNI_* variables, the config on
// stdin, a result or an error object on stdout.
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { decodingFailure, fromErrorObject, internalError, type CniError } from "../../shared/cni/errors.ts";
import { parseJsonText } from "../../shared/cni/json.ts";
import { ConfigReader } from "../../shared/cni/reader.ts";
import { typeOf } from "./conflist.ts";
import type { Invocation } from "./runner.ts";

/** invoke.FindInPath: the first dir holding a regular file named `type`. */
function findInPath(type: string, dirs: readonly string[]): string {
  if (type.includes("/")) throw internalError(`invalid plugin name: ${type}`);
  for (const dir of dirs) {
    const path = join(dir, type);
    try {
      if (statSync(path).isFile()) return path;
    } catch {
      // not in this dir
    }
  }
  throw internalError(`failed to find plugin "${type}" in path [${dirs.join(" ")}]`);
}

/** The environment libcni's invoke.Args.AsEnv builds: the caller's, CNI_* variables replaced. */
function pluginEnv(inv: Invocation, dirs: readonly string[], base: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !k.startsWith("CNI_")) env[k] = v;
  const rt = inv.rt;
  return {
    ...env,
    CNI_COMMAND: inv.verb,
    CNI_CONTAINERID: rt?.containerId ?? "",
    CNI_NETNS: rt?.netns ?? "",
    CNI_ARGS: (rt?.cniArgs ?? []).map(([k, v]) => `${k}=${v}`).join(";"),
    CNI_IFNAME: rt?.ifName ?? "",
    CNI_PATH: dirs.join(":"),
  };
}

/** The plugin's stdout as a types.Error object (fields matched like Go's encoding/json); undefined if it is none. */
function errorObject(stdout: string): ConfigReader | undefined {
  try {
    return ConfigReader.of(parseJsonText(stdout, "plugin error"));
  } catch {
    return undefined;
  }
}

/** The plugin's failure as libcni reports it: its own code and message, prefixed with which plugin failed. */
function failure(inv: Invocation, status: number | null, stdout: string, stderr: string): CniError {
  const who = `plugin type="${typeOf(inv.stdin)}" name="${String(inv.stdin.name)}" failed (${inv.verb.toLowerCase()})`;
  const r = errorObject(stdout);
  const field = (name: string): unknown => r?.value(name)?.value;
  const code = field("code");
  if (typeof code === "number") {
    const str = (v: unknown): string => (typeof v === "string" ? v : "");
    return fromErrorObject(code, `${who}: ${str(field("msg"))}`, str(field("details")), who);
  }
  const why = stderr.trim() || stdout.trim() || `exit status ${status}`;
  return internalError(`${who}: netplugin failed: ${JSON.stringify(why)}`);
}

/** Runs one plugin; its parsed stdout (undefined when empty) or a CniError. */
export function execPlugin(inv: Invocation, dirs: readonly string[]): unknown {
  const path = findInPath(typeOf(inv.stdin), dirs);
  const r = spawnSync(path, [], {
    input: JSON.stringify(inv.stdin),
    env: pluginEnv(inv, dirs, process.env),
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (r.error) throw internalError(`exec ${path}: ${r.error.message}`);
  if (r.status !== 0) throw failure(inv, r.status, r.stdout, r.stderr);
  if (r.stdout.trim() === "") return undefined;
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw decodingFailure(`plugin type="${typeOf(inv.stdin)}": invalid JSON on stdout: ${JSON.stringify(r.stdout.slice(0, 200))}`);
  }
}
