// The front of every call: what is read first (the command, the stdin config's cniVersion and
// metricsFile) and what is answered before any plugin code loads: the about text (no CNI_COMMAND),
// VERSION and an unknown command. The dispatcher (tscni.ts) calls answerFront with the registry's
// versions before it imports the skel or the plugin; the skel calls it too, so both paths are one.
// Keep this module's imports light: each module it reaches is evaluated on every exec. Pure.
import { commandOf, parseCommand, type Command } from "./env.ts";
import { asCniError, decodingFailure } from "./errors.ts";
import { goCompactLine, goIndent, isObject, parseJsonBytes, type JsonObject } from "./json.ts";
import type { Verb } from "./plugin.ts";
import { ConfigReader } from "./reader.ts";
import { LATEST_VERSION, highestVersion } from "./spec-versions.ts";

export interface SkelIO {
  env: Readonly<Record<string, string | undefined>>;
  /** the whole stdin (the caller may stop reading past MAX_CONFIG_BYTES; longer input is rejected) */
  readStdin(): Uint8Array;
  stdout(s: string): void;
  stderr(s: string): void;
  /** identity (e.g. "dev:ino") of the plugin's own netns; absent/undefined = skip the check */
  ownNetnsIdentity?(): string | undefined;
  /** identity of the netns at path; undefined when it cannot be opened */
  netnsIdentity?(path: string): string | undefined;
  /** build version for the "about" text (default "version unknown", like the reference) */
  version?: string;
  /**
   * Records a finished invocation in the config's `metricsFile` (a Prometheus textfile). Called only
   * when the config names one; the implementation is loaded then (no cost otherwise). Must not throw.
   */
  recordMetrics?(file: string, call: InvocationRecord): Promise<void>;
}

/** What skel knows of a finished invocation (the recorder adds the latency). */
export interface InvocationRecord {
  readonly plugin: string;
  readonly verb: Verb | "VERSION";
  /** 0 success, else the CNI code printed */
  readonly code: number;
}

/** What the front needs of a plugin: its name and the spec versions it speaks. */
interface PluginAbout {
  readonly type: string;
  readonly supportedVersions: readonly string[];
}

/** The front's outcome: answered (exit with this code), or a verb the plugin must run. */
type FrontOutcome = { readonly exitCode: number } | { readonly verb: Verb };

/** The version a config without cniVersion has (the reference's ConfigDecoder default). */
const DEFAULT_CONFIG_VERSION = "0.1.0";

/** Decodes stdin into a JSON object: error 6 when too large, not UTF-8, not JSON, or not an object. */
export function decodeConfig(stdin: Uint8Array, limit?: number): JsonObject {
  const value = parseJsonBytes(stdin, "network config", limit);
  // Go unmarshals `null` into the zero config: the reference then fails on its missing name (7)
  if (value === null) return {};
  if (!isObject(value)) throw decodingFailure("error unmarshall network config: not a JSON object");
  return value;
}

/** The config's cniVersion ("0.1.0" when absent, as the reference decodes it); error 6 if not a string. */
export function configVersion(raw: JsonObject): string {
  const r = ConfigReader.of(raw, { error: (msg) => decodingFailure(`decoding version from network config: ${msg}`) });
  return r.str("cniVersion") || DEFAULT_CONFIG_VERSION;
}

/** The config's `metricsFile` (any key spelling Go would match); a non-string value is ignored. */
export function metricsFileOf(raw: JsonObject): string | undefined {
  try {
    const v = ConfigReader.of(raw).value("metricsFile")?.value;
    return typeof v === "string" && v !== "" ? v : undefined;
  } catch {
    return undefined; // the config's own checks report a bad config
  }
}

/**
 * Answers what needs no plugin code: the about text, VERSION (metrics recorded when the config names a
 * metricsFile) and an unknown CNI_COMMAND (error 4). Anything else is a verb for the plugin.
 */
export async function answerFront(plugin: PluginAbout, io: SkelIO): Promise<FrontOutcome> {
  const cmd = commandOf(io.env);
  if (cmd === undefined) return { exitCode: printAbout(plugin, io) };
  let command: Command;
  try {
    command = parseCommand(cmd);
  } catch (e) {
    io.stdout(goIndent(asCniError(e).toJSON(LATEST_VERSION)));
    return { exitCode: 1 };
  }
  if (command !== "VERSION") return { verb: command };
  const metricsFile = printVersion(plugin, io);
  if (metricsFile && io.recordMetrics) await io.recordMetrics(metricsFile, { plugin: plugin.type, verb: "VERSION", code: 0 });
  return { exitCode: 0 };
}

function printAbout(plugin: PluginAbout, io: SkelIO): number {
  io.stderr(`CNI ${plugin.type} plugin ${io.version ?? "version unknown"}\n`);
  io.stderr(`CNI protocol versions supported: ${plugin.supportedVersions.join(", ")}\n`);
  return 0;
}

/**
 * VERSION: the config's cniVersion when given and supported, else the newest; stdin is optional.
 * Returns the config's metricsFile, if any.
 */
function printVersion(plugin: PluginAbout, io: SkelIO): string | undefined {
  const supported = plugin.supportedVersions;
  let requested: string | undefined;
  let metricsFile: string | undefined;
  try {
    const raw = decodeConfig(io.readStdin());
    metricsFile = metricsFileOf(raw);
    requested = configVersion(raw);
  } catch {
    requested = undefined;
  }
  const cniVersion = requested && supported.includes(requested) ? requested : highestVersion(supported);
  io.stdout(goCompactLine({ cniVersion, supportedVersions: supported }));
  return metricsFile;
}
