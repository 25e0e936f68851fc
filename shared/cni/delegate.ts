// Delegation to another plugin (IPAM): find CNI_PATH/<type>, run it with the same environment
// (CNI_COMMAND replaced) and the whole stdin config, and read its stdout as the reference's
// pkg/invoke does. Fast path: when the file found is this very executable (same device and inode as
// /proc/self/exe) and the type is registered, the plugin runs in-process through the same skel, so
// results, errors and locking are identical and one exec is saved.
// Impure (stat, spawn). Call it from the host netns only: never spawn inside a container namespace.
import { statSync, writeSync } from "node:fs";
import { fromErrorObject, internalError, type CniError } from "./errors.ts";
import { goQuote, parseJsonBytes } from "./json.ts";
import type { Plugin, Verb } from "./plugin.ts";
import { ConfigReader } from "./reader.ts";
import { runPlugin } from "./skel.ts";
import type { Result } from "./types.ts";
import { parseResult } from "./version.ts";

/** What every verb context (CmdContext, GcContext, StatusContext) offers for delegation. */
export interface DelegateContext {
  path: readonly string[];
  stdin: Uint8Array;
  env: Readonly<Record<string, string | undefined>>;
  conf: { cniVersion: string };
}

type PluginLoader = () => Promise<Plugin>;

/** What one run of a delegated plugin produced. */
export interface PluginOutput {
  exitCode: number;
  /** the signal that killed it (e.g. "SIGKILL"); exitCode is then meaningless */
  signal?: string;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

/** The side effects, injectable for tests. */
export interface DelegateDeps {
  /** "dev:ino" of a regular file, undefined if missing or not a regular file */
  fileIdentity(path: string): string | undefined;
  /** "dev:ino" of the running executable */
  selfIdentity(): string | undefined;
  exec(path: string, env: Record<string, string>, stdin: Uint8Array): PluginOutput;
  /** where a delegate's stderr is copied (the reference copies it to the caller's stderr) */
  forwardStderr(bytes: Uint8Array): void;
}

const inProcess = new Map<string, PluginLoader>();

/** Lets `type` run in-process when CNI_PATH resolves it to this executable. */
export function registerInProcess(type: string, loader: PluginLoader): void {
  inProcess.set(type, loader);
}

// ---------------------------------------------------------------------------------------------
// The verbs

export async function delegateAdd(type: string, ctx: DelegateContext, deps = defaultDeps): Promise<Result> {
  const stdout = await delegate(type, "ADD", ctx, deps);
  return parseResult(parseJsonBytes(stdout, "delegated plugin result"), ctx.conf.cniVersion);
}

export async function delegateDel(type: string, ctx: DelegateContext, deps = defaultDeps): Promise<void> {
  await delegate(type, "DEL", ctx, deps);
}

export async function delegateCheck(type: string, ctx: DelegateContext, deps = defaultDeps): Promise<void> {
  await delegate(type, "CHECK", ctx, deps);
}

export async function delegateGC(type: string, ctx: DelegateContext, deps = defaultDeps): Promise<void> {
  await delegate(type, "GC", ctx, deps);
}

export async function delegateStatus(type: string, ctx: DelegateContext, deps = defaultDeps): Promise<void> {
  await delegate(type, "STATUS", ctx, deps);
}

/**
 * Rollback of a delegated ADD (the spec: "if IPAM ADD fails / a later step fails, call IPAM DEL"):
 * an undo step for the undo stack that runs the delegate with CNI_COMMAND=DEL.
 */
export function undoDelegateAdd(type: string, ctx: DelegateContext, deps = defaultDeps): () => Promise<void> {
  return () => delegateDel(type, ctx, deps);
}

/** Runs the delegate for one verb; returns its stdout on success, throws its error otherwise. */
async function delegate(type: string, verb: Verb, ctx: DelegateContext, deps: DelegateDeps): Promise<Uint8Array> {
  const path = findInPath(type, ctx.path, deps);
  const env = delegateEnv(ctx.env, verb);
  const loader = inProcess.get(type);
  const self = loader !== undefined && isSameFile(path, deps);
  const out = self ? await runInProcess(loader, env, ctx.stdin) : deps.exec(path, env, ctx.stdin);
  if (out.stderr.length > 0) deps.forwardStderr(out.stderr);
  if (out.exitCode !== 0) throw pluginError(out, path);
  return out.stdout;
}

// ---------------------------------------------------------------------------------------------
// Steps

/** The reference's invoke.FindInPath, with its messages. */
export function findInPath(type: string, dirs: readonly string[], deps: Pick<DelegateDeps, "fileIdentity">): string {
  if (type === "") throw internalError("no plugin name provided");
  if (type.includes("/")) throw internalError(`invalid plugin name: ${type}`);
  if (dirs.length === 0) throw internalError("no paths provided");
  for (const dir of dirs) {
    const full = `${dir.replace(/\/+$/, "")}/${type}`;
    if (deps.fileIdentity(full) !== undefined) return full;
  }
  throw internalError(`failed to find plugin ${goQuote(type)} in path [${dirs.join(" ")}]`);
}

/** The caller's environment with CNI_COMMAND replaced (undefined values dropped). */
export function delegateEnv(env: DelegateContext["env"], verb: Verb): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  out.CNI_COMMAND = verb;
  return out;
}

function isSameFile(path: string, deps: DelegateDeps): boolean {
  const self = deps.selfIdentity();
  return self !== undefined && deps.fileIdentity(path) === self;
}

/** The same skel run as an exec'd child would do, with stdout/stderr captured. */
async function runInProcess(loader: PluginLoader, env: Record<string, string>, stdin: Uint8Array): Promise<PluginOutput> {
  let stdout = "";
  let stderr = "";
  const exitCode = await runPlugin(await loader(), {
    env,
    readStdin: () => stdin,
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    ownNetnsIdentity: () => fileIdentityOf("/proc/self/ns/net", false),
    netnsIdentity: (p) => fileIdentityOf(p, false),
  });
  const enc = new TextEncoder();
  return { exitCode, stdout: enc.encode(stdout), stderr: enc.encode(stderr) };
}

/**
 * The reference's pluginErr: the delegate's error object, else a message built from its output. Never
 * an empty msg: a silent or killed delegate is named by its path and by its exit status or signal (in
 * msg, or in details beside its stderr), and an error object without msg gets one. The reference says
 * "netplugin failed ..." without naming which plugin.
 */
function pluginError(out: PluginOutput, path: string): CniError {
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  const status = exitStatus(out);
  const who = `plugin ${path}`;
  if (stdout.trim() === "") {
    if (stderr === "") return internalError(`${who} failed with no error message: ${status}`);
    return internalError(`${who} failed: ${goQuote(stderr)}`, status);
  }
  try {
    // types.Error's fields, matched like Go's encoding/json; a field of the wrong type reads as unset
    const r = ConfigReader.of(parseJsonBytes(out.stdout, "plugin error"), { error: internalError });
    const field = (name: string): unknown => r.value(name)?.value;
    const said = stderr === "" ? "" : `: ${goQuote(stderr)}`;
    const fallback = `${who} failed with code ${String(field("code") ?? "none")} and no error message: ${status}${said}`;
    return fromErrorObject(field("code"), stringOf(field("msg")), stringOf(field("details")), fallback);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return internalError(`${who} failed but error parsing its diagnostic message ${goQuote(stdout)}: ${why}`, status);
  }
}

/** As Go's exec.ExitError prints it: "exit status 2", or "signal: SIGKILL" for a killed plugin. */
function exitStatus(out: PluginOutput): string {
  return out.signal ? `signal: ${out.signal}` : `exit status ${out.exitCode}`;
}

const stringOf = (v: unknown): string => (typeof v === "string" ? v : "");

// ---------------------------------------------------------------------------------------------
// Real side effects

function fileIdentityOf(path: string, regularOnly: boolean): string | undefined {
  try {
    const st = statSync(path);
    if (regularOnly && !st.isFile()) return undefined;
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

let selfIdentityCache: string | undefined;

const ETXTBSY_RETRIES = 5;

/** Runs the plugin; retries "text file busy" like the reference's RawExec (5 tries, 1 s apart). */
function execPlugin(path: string, env: Record<string, string>, stdin: Uint8Array): PluginOutput {
  for (let attempt = 1; ; attempt++) {
    try {
      const p = Bun.spawnSync({ cmd: [path], env, stdin, stdout: "pipe", stderr: "pipe" });
      const signal = p.signalCode == null ? undefined : String(p.signalCode);
      return { exitCode: p.exitCode ?? 1, signal, stdout: p.stdout, stderr: p.stderr };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ETXTBSY" || attempt >= ETXTBSY_RETRIES) throw e;
      Bun.sleepSync(1000);
    }
  }
}

const defaultDeps: DelegateDeps = {
  fileIdentity: (p) => fileIdentityOf(p, true),
  selfIdentity: () => (selfIdentityCache ??= fileIdentityOf("/proc/self/exe", true)),
  exec: execPlugin,
  forwardStderr: (bytes) => {
    try {
      writeSync(2, bytes);
    } catch {
      // stderr is informational only
    }
  },
};
