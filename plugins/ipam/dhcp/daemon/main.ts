// `dhcp daemon`: a long-running service holding the DHCP leases of every pod on the node. Listens on
// a unix socket (mode 0600; or the socket systemd passes), refuses to start while another daemon
// answers on it and replaces a stale one, persists leases and resumes them at start, and removes its
// socket and pidfile on SIGTERM/SIGINT (leases stay: pods keep their addresses across restarts).
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { SysError } from "../../../../shared/sys/libc.ts";
import { FlagError, parseDaemonFlags, type DaemonFlags } from "./flags.ts";
import { LeaseManager } from "./leases.ts";
import { openPodPort, podLinkAlive, setPodLinkDown } from "./link.ts";
import { serve } from "./server.ts";
import { LeaseStore } from "./store.ts";

interface DaemonIo {
  env: Readonly<Record<string, string | undefined>>;
  stderr: (s: string) => void;
}

const USAGE = `usage: dhcp daemon [-socketpath P] [-pidfile F] [-hostprefix H] [-statedir D] [-timeout T] [-resendmax M] [-resendtimeout R] [-broadcast]\n`;

function logger(io: DaemonIo): (msg: string) => void {
  return (msg) => io.stderr(`${new Date().toISOString()} dhcp daemon: ${msg}\n`);
}

/** Is something answering on this unix socket? (connect, then hang up) */
async function socketAnswers(path: string): Promise<boolean> {
  try {
    const s = await Bun.connect({ unix: path, socket: { data() {} } });
    s.end();
    return true;
  } catch {
    return false;
  }
}

/** Makes the socket path usable: a live daemon there is fatal, a stale socket file is removed. */
async function claimSocketPath(path: string, log: (m: string) => void): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; not touching it`);
  if (await socketAnswers(path)) throw new Error(`another dhcp daemon is already listening on ${path}`);
  unlinkSync(path);
  log(`removed stale socket ${path} (left by a daemon that did not shut down)`);
}

function writePidfile(path: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o644);
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

function activationFd(env: DaemonIo["env"]): number | undefined {
  if (env.LISTEN_PID !== String(process.pid)) return undefined;
  return env.LISTEN_FDS === "1" ? 3 : undefined;
}

function listen(leases: LeaseManager, path: string, log: (m: string) => void) {
  const old = process.umask(0o177); // the socket is created 0600: only root may ask for leases
  try {
    return serve(leases, { unix: path }, log);
  } finally {
    process.umask(old);
    chmodSync(path, 0o600);
  }
}

function makeLeases(f: DaemonFlags, store: LeaseStore, log: (m: string) => void): LeaseManager {
  return new LeaseManager({
    openPort: openPodPort,
    alive: podLinkAlive,
    setDown: setPodLinkDown,
    store,
    clock: { now: () => Date.now(), random: Math.random },
    log,
    hostPrefix: f.hostPrefix,
    broadcast: f.broadcast,
    backoff: { initialMs: Math.min(1000, f.timeoutMs), maxMs: Math.min(f.resendMaxMs, f.timeoutMs) },
    acquireTimeoutMs: f.resendTimeoutMs,
  });
}

export async function runDaemon(argv: readonly string[], io: DaemonIo): Promise<number> {
  const log = logger(io);
  let f: DaemonFlags;
  try {
    f = parseDaemonFlags(argv);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    io.stderr(`dhcp daemon: ${e.message}\n${USAGE}`);
    return 2;
  }
  const socketPath = f.hostPrefix + f.socketPath;
  const inherited = activationFd(io.env);
  const store = new LeaseStore(f.stateDir);
  const leases = makeLeases(f, store, log);
  let listener: { stop(closeActive?: boolean): void };
  try {
    if (inherited === undefined) await claimSocketPath(socketPath, log);
    store.init();
    leases.resume(store.load(log));
    listener = inherited === undefined ? listen(leases, socketPath, log) : serve(leases, { fd: inherited }, log);
    if (f.pidfile) writePidfile(f.pidfile);
  } catch (e) {
    leases.shutdown();
    log(`cannot start: ${e instanceof SysError || e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  log(`listening on ${inherited === undefined ? socketPath : "the socket passed by systemd"} (state in ${f.stateDir}, ${leases.size} leases resumed)`);
  return new Promise<number>((resolve) => {
    const stop = (sig: string) => {
      log(`${sig}: shutting down (leases stay on disk and are resumed at the next start)`);
      leases.shutdown();
      listener.stop(true);
      if (inherited === undefined) removeQuietly(socketPath);
      if (f.pidfile) removeQuietly(f.pidfile);
      resolve(0);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}
