// tscni: one executable, many plugins. Installed as hard links named after each plugin type,
// it dispatches on the name it was invoked by (process.argv0 keeps it in a Bun-compiled binary).
// Each plugin is loaded lazily so a plugin pays only for its own modules at start-up; the about text,
// VERSION and an unknown command are answered before the skel or any plugin code loads (front.ts).
// Every module this file imports statically is evaluated on every exec: keep them light
// (test/unit/architecture.test.ts lists what they may be).
import { readSync, statSync, writeSync } from "node:fs";
import { FatalError, internalError } from "./shared/cni/errors.ts";
import { MAX_TEARDOWN_CONFIG_BYTES } from "./shared/cni/json.ts";
import { answerFront, type SkelIO } from "./shared/cni/front.ts";
import { crashPoint } from "./shared/crash.ts";
import { runExitHooks } from "./shared/sys/exit-hooks.ts";
import { PLUGIN_LOADERS, PLUGIN_NAMES, SUBCOMMANDS, notImplemented, pluginVersions } from "./plugins/registry.ts";

const MAX_STDIN = MAX_TEARDOWN_CONFIG_BYTES; // the largest any verb accepts; skel applies each verb's own

function invokedName(): string {
  const argv0 = process.argv0 || "tscni";
  const base = argv0.slice(argv0.lastIndexOf("/") + 1);
  // `tscni <type>` works as well as a hard link named <type>.
  if ((base === "tscni" || base === "bun") && process.argv[2] && !process.argv[2].startsWith("-")) {
    return process.argv[2];
  }
  return base;
}

/** Reads stdin up to MAX_STDIN+1 bytes so skel can reject oversize input without buffering it all. */
function readStdin(): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buf = new Uint8Array(65536);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") continue;
      if (code === "EOF" || code === "EBADF") break;
      throw e;
    }
    if (n <= 0) break;
    chunks.push(buf.slice(0, n));
    total += n;
    if (total > MAX_STDIN) break;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

function identityOf(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

const encoder = new TextEncoder();

function write(fd: number, s: string): void {
  // process.stdout costs ~16 ms to build in Bun; a direct write does not. Nor Buffer: its first use
  // costs ~0.6 M instructions (callgrind), TextEncoder ~0.1 M.
  const bytes = encoder.encode(s);
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off);
}

// scripts/build bakes in the version scripts/version derives from git (bun build --define)
declare const TSCNI_VERSION: string | undefined;
const VERSION = typeof TSCNI_VERSION === "string" ? TSCNI_VERSION : "v0.0.0-dev";

/** An operator command's entry (cmd/<name>/main.ts): argv after the command name; resolves with the exit code. */
type Command = (io: {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  stdout(s: string): void;
  stderr(s: string): void;
}) => number | Promise<number>;

/** `tscni <command> ...`: operator commands, each imported only on its own path (never by a plugin). */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import("./cmd/run/main.ts")).runMain,
  endpoints: async () => (await import("./cmd/endpoints/main.ts")).endpointsMain,
  audit: async () => (await import("./cmd/audit/main.ts")).auditMain,
};

async function runCommand(load: () => Promise<Command>): Promise<number> {
  const command = await load();
  return command({ argv: process.argv.slice(3), env: process.env, stdout: (s) => write(1, s), stderr: (s) => write(2, s) });
}

/** A config's `metricsFile`: the writer is imported only then; a failure is reported on stderr, never fatal. */
async function recordMetrics(file: string, call: { plugin: string; verb: string; code: number }): Promise<void> {
  const seconds = performance.now() / 1000; // since process start: what the runtime waits for
  try {
    const { recordInvocation } = await import("./shared/metrics/file.ts");
    recordInvocation(file, { ...call, seconds });
  } catch (e) {
    write(2, `metrics: ${file}: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}

async function main(): Promise<number> {
  const name = invokedName();
  if (process.argv[2] === name && Object.hasOwn(COMMANDS, name)) return runCommand(COMMANDS[name]!);
  if ((name === "tscni" || name === "bun") && process.argv[2] === "--version") {
    write(1, `tscni ${VERSION}\n`); // read by scripts/release
    return 0;
  }
  if ((name === "tscni" || name === "bun") && process.argv[2] === "--plugins") {
    write(1, PLUGIN_NAMES.join("\n") + "\n"); // read by scripts/build and scripts/install
    return 0;
  }
  if (name === "tscni" || name === "bun") {
    write(2, `tscni ${VERSION}: CNI plugins ${PLUGIN_NAMES.join(", ")}\nusage: tscni <plugin> (or run a hard link named after the plugin)\n       tscni run add|check|del|gc|status CONFLIST [NETNS] [flags]  (a conflist, as a runtime runs it)\n       tscni endpoints [--network N] [--json]  (every attachment on this node)\n       tscni audit [--network N] [--fix] [--json]  (orphans and breakage on this node)\n       tscni --version\n`);
    return 0;
  }
  // `dhcp daemon ...` (or `tscni dhcp daemon ...`): a long-running mode instead of a CNI call
  const args = process.argv.slice(name === process.argv[2] ? 3 : 2);
  const sub = args[0] !== undefined ? SUBCOMMANDS[name]?.[args[0]] : undefined;
  if (sub) return (await sub())(args.slice(1), { env: process.env, stderr: (s) => write(2, s) });
  const io: SkelIO = {
    env: process.env,
    readStdin,
    stdout: (s) => write(1, s),
    stderr: (s) => write(2, s),
    ownNetnsIdentity: () => identityOf("/proc/self/ns/net"),
    netnsIdentity: identityOf,
    version: VERSION,
    recordMetrics,
  };
  const front = await answerFront({ type: name, supportedVersions: pluginVersions(name) }, io);
  if ("exitCode" in front) return front.exitCode;
  return runVerb(name, io);
}

/** A verb: only now the skel, the in-process IPAM table and the plugin's own modules load. */
async function runVerb(name: string, io: SkelIO): Promise<number> {
  const load = PLUGIN_LOADERS[name];
  const [{ runPlugin }, { registerInProcess }, plugin] = await Promise.all([
    import("./shared/cni/skel.ts"),
    import("./shared/cni/delegate.ts"),
    load ? load() : notImplemented(name),
  ]);
  for (const [type, loader] of Object.entries(PLUGIN_LOADERS)) registerInProcess(type, loader);
  return runPlugin(plugin, io);
}

main().then(
  (code) => {
    crashPoint("output written"); // the last crash point: the result is out, the process not yet ended
    runExitHooks(); // e.g. hand parked nfnetlink sockets to a reaper (only registered if nft was used)
    process.exit(code);
  },
  (e) => {
    // a FatalError was printed by skel already; stop without running anything else (no exit hooks)
    if (!(e instanceof FatalError)) write(1, JSON.stringify(internalError(String(e instanceof Error ? e.message : e)).toJSON("1.1.0")) + "\n");
    process.exit(1);
  },
);
