// The skel: turns env + stdin into one validated context, gates versions (one table), calls one verb
// of the plugin, converts and prints the result, and maps any error to the CNI error object. Pure:
// all I/O goes through SkelIO, so unit tests drive every verb in-process.
import { ignoreUnknownOf, parseCniArgs } from "./args.ts";
import { buildNetConf, networkName, validAttachments } from "./config.ts";
import {
  checkNotOwnNetns,
  readEnv,
  validateAttachment,
  type CniEnv,
  type Command,
  type NetnsIdentity,
} from "./env.ts";
import {
  ErrorCode,
  FatalError,
  StepErrors,
  asCniError,
  failureText,
  incompatibleVersion,
  invalidConfig,
  ioFailure,
  type CniError,
} from "./errors.ts";
import { goIndent, goQuote, goQuoteList, maxConfigBytes, type JsonObject } from "./json.ts";
import type { CmdContext, GcContext, Plugin, StatusContext, Verb } from "./plugin.ts";
import { answerFront, configVersion, decodeConfig, metricsFileOf, type SkelIO } from "./front.ts";
import { LATEST_VERSION, SUPPORTED_VERSIONS, formatResult, versionAtLeast } from "./version.ts";

export type { InvocationRecord, SkelIO } from "./front.ts";

/** What an invocation learned on its way, for the error object and the metrics. */
interface CallState {
  version?: string;
  metricsFile?: string;
}

/** Minimum config version per verb (the reference gates CHECK, GC and STATUS; one table here). */
const VERSION_GATES: Readonly<Partial<Record<Verb, string>>> = Object.freeze({
  CHECK: "0.4.0",
  GC: "1.1.0",
  STATUS: "1.1.0",
});

const ATTACHMENT_VERBS: ReadonlySet<Verb> = new Set<Verb>(["ADD", "DEL", "CHECK"]);

/**
 * Runs one plugin invocation and returns the process exit code (0 ok, 1 error printed on stdout).
 * A FatalError is printed too, then rethrown: the caller must stop at once (tscni.ts exits 1).
 */
export async function runPlugin(plugin: Plugin, io: SkelIO): Promise<number> {
  const front = await answerFront(plugin, io);
  if ("exitCode" in front) return front.exitCode;
  const { verb } = front;
  const state: CallState = {};
  let code = 0;
  try {
    await runVerb(plugin, io, verb, state);
    return 0;
  } catch (e) {
    const err = toCniError(e);
    io.stdout(goIndent(err.toJSON(state.version ?? LATEST_VERSION)));
    if (e instanceof FatalError) {
      state.metricsFile = undefined; // nothing else may run, metrics included
      throw e; // printed; the caller exits
    }
    code = err.code;
    return 1;
  } finally {
    if (state.metricsFile && io.recordMetrics) await io.recordMetrics(state.metricsFile, { plugin: plugin.type, verb, code });
  }
}

/** Everything between the environment and the plugin call, as named steps. */
async function runVerb(plugin: Plugin, io: SkelIO, command: Verb, state: CallState): Promise<void> {
  const env = readEnv(io.env, command);
  const stdin = readStdin(io);
  const raw = decodeConfig(stdin, maxConfigBytes(command));
  state.version = knownVersion(raw);
  state.metricsFile = metricsFileOf(raw);
  networkName(raw);
  if (ATTACHMENT_VERBS.has(command)) validateAttachment(env);
  const version = configVersion(raw);
  checkVersionGate(command, version, plugin.supportedVersions);
  checkCompatible(version, plugin.supportedVersions);
  if (ATTACHMENT_VERBS.has(command)) checkNotOwnNetns(env, netnsIdentity(io));
  await dispatch(plugin, io, { env, stdin, raw, version });
}

function netnsIdentity(io: SkelIO): NetnsIdentity {
  return { own: () => io.ownNetnsIdentity?.(), of: (path) => io.netnsIdentity?.(path) };
}

/** The config's cniVersion when it is one we know: errors are then reported in it. */
function knownVersion(raw: JsonObject): string | undefined {
  let version: string;
  try {
    version = configVersion(raw);
  } catch {
    return undefined;
  }
  return SUPPORTED_VERSIONS.includes(version) ? version : undefined;
}

function readStdin(io: SkelIO): Uint8Array {
  try {
    return io.readStdin();
  } catch (e) {
    throw ioFailure(`error reading from stdin: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The reference's per-verb gates: config version >= the verb's minimum, and a plugin version >= config's. */
function checkVersionGate(verb: Verb, version: string, pluginVersions: readonly string[]): void {
  const min = VERSION_GATES[verb];
  if (min === undefined) return;
  if (!versionAtLeast(version, min)) throw incompatibleVersion(`config version does not allow ${verb}`);
  if (!pluginVersions.some((v) => versionAtLeast(v, version))) {
    throw incompatibleVersion(`plugin version does not allow ${verb}`);
  }
}

/** The reference's Reconciler: the config version must be one the plugin lists. */
function checkCompatible(version: string, pluginVersions: readonly string[]): void {
  if (pluginVersions.includes(version)) return;
  const details = `config is ${goQuote(version)}, plugin supports ${goQuoteList(pluginVersions)}`;
  throw incompatibleVersion("incompatible CNI versions", details);
}

interface Invocation {
  env: CniEnv;
  stdin: Uint8Array;
  raw: JsonObject;
  version: string;
}

async function dispatch(plugin: Plugin, io: SkelIO, inv: Invocation): Promise<void> {
  const command: Command = inv.env.command;
  if (command === "GC") return plugin.gc?.(gcContext(io, inv));
  if (command === "STATUS") return plugin.status?.(statusContext(io, inv));
  const ctx = cmdContext(io, inv);
  if (ctx.verb === "ADD") return io.stdout(formatResult(await plugin.add(ctx), inv.version));
  if (ctx.verb === "DEL") return plugin.del(ctx);
  if (!ctx.conf.prevResult) throw invalidConfig("required prevResult missing");
  return plugin.check?.(ctx);
}

function cmdContext(io: SkelIO, inv: Invocation): CmdContext {
  const cniArgs = parseCniArgs(inv.env.args);
  return {
    verb: inv.env.command as CmdContext["verb"],
    containerId: inv.env.containerId,
    netns: inv.env.netns,
    ifname: inv.env.ifname,
    cniArgs,
    ignoreUnknownArgs: ignoreUnknownOf(cniArgs),
    path: inv.env.path,
    conf: buildNetConf(inv.raw, inv.version),
    stdin: inv.stdin,
    env: io.env,
    stderr: io.stderr,
  };
}

function gcContext(io: SkelIO, inv: Invocation): GcContext {
  const conf = buildNetConf(inv.raw, inv.version);
  return { verb: "GC", path: inv.env.path, conf, validAttachments: validAttachments(inv.raw), stdin: inv.stdin, env: io.env, stderr: io.stderr };
}

function statusContext(io: SkelIO, inv: Invocation): StatusContext {
  return { verb: "STATUS", path: inv.env.path, conf: buildNetConf(inv.raw, inv.version), stdin: inv.stdin, env: io.env, stderr: io.stderr };
}

// ---------------------------------------------------------------------------------------------
// Error mapping

/**
 * The code printed for a list of failures: 11 "try again later" when any step answered it (a retry
 * may succeed, e.g. an IPAM busy on DEL); else the first specific code; 999 only when all are 999.
 * Returns the index of the failure whose code wins (0 for an empty list).
 */
export function codePrecedence(codes: readonly number[]): number {
  const retry = codes.indexOf(ErrorCode.TryAgainLater);
  if (retry >= 0) return retry;
  const specific = codes.findIndex((c) => c !== ErrorCode.Internal);
  return specific >= 0 ? specific : 0;
}

/** Any error as the CniError to print; a StepErrors list gets its code by codePrecedence. */
export function toCniError(e: unknown): CniError {
  if (!(e instanceof StepErrors) || e.failures.length === 0) return asCniError(e);
  const { failures } = e;
  const winner = failures[codePrecedence(failures.map((f) => f.error.code))]!.error;
  const details = failures.filter((f) => f.error.details).map((f) => (f.step ? `${f.step}: ${f.error.details}` : f.error.details));
  return winner.withText(failures.map(failureText).join("; "), details.join("; "));
}
