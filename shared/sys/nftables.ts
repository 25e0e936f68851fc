// libnftables through bun:ffi, with `nft -f -` as the fallback when the library is not installed.
// Everything runs in the network namespace of the CALLING THREAD: a fresh nft context (and so a fresh
// netlink socket) is made per call, so a call made inside withNetns() acts on that namespace.
// A context is cheap (~0.1 ms); caching one would pin its socket to the namespace it was opened in.
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { onExit } from "./exit-hooks.ts";
import { dlopen, FFIType, ptr, CString, type Pointer } from "bun:ffi";

/** The outcome of one nft command buffer; `ok` is false when nft rejected it (nothing was applied). */
interface NftResult {
  readonly ok: boolean;
  readonly output: string;
  readonly error: string;
}

/** Neither libnftables.so.1 nor an `nft` binary is available. */
class NftUnavailableError extends Error {
  constructor() {
    super(
      "nftables is unavailable: neither libnftables.so.1 (Debian package libnftables1) " +
        "nor the nft binary (Debian package nftables) was found",
    );
    this.name = "NftUnavailableError";
  }
}

const NFT_CTX_DEFAULT = 0;
const NFT_CTX_OUTPUT_JSON = 1 << 4;
const NFT_BINARIES = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft", "/bin/nft"];

const { ptr: P, i32, u32, void: VOID } = FFIType;

function openLibrary() {
  return dlopen("libnftables.so.1", {
    nft_ctx_new: { args: [u32], returns: P },
    nft_ctx_free: { args: [P], returns: VOID },
    nft_ctx_buffer_output: { args: [P], returns: i32 },
    nft_ctx_buffer_error: { args: [P], returns: i32 },
    nft_ctx_output_set_flags: { args: [P, u32], returns: VOID },
    nft_run_cmd_from_buffer: { args: [P, P], returns: i32 },
    nft_ctx_get_output_buffer: { args: [P], returns: P },
    nft_ctx_get_error_buffer: { args: [P], returns: P },
  });
}

type Library = ReturnType<typeof openLibrary>;

/** undefined = not tried yet; null = tried and absent. */
let library: Library | null | undefined;
let nftBinary: string | null | undefined;

function loadLibrary(): Library | null {
  if (library === undefined) {
    try {
      library = openLibrary();
    } catch {
      library = null;
    }
  }
  return library;
}

function findNftBinary(): string | null {
  if (nftBinary === undefined) nftBinary = NFT_BINARIES.find((p) => existsSync(p)) ?? null;
  return nftBinary;
}

/** Which backend runNft uses here: the library in-process, the nft binary, or none. */
export function nftBackend(): "libnftables" | "nft-exec" | "none" {
  if (loadLibrary()) return "libnftables";
  return findNftBinary() ? "nft-exec" : "none";
}

function readCString(p: Pointer | null): string {
  return p ? new CString(p).toString() : "";
}

const DELETES = /^\s*(delete|destroy|flush)\s/m;
/**
 * The helper must outlive our own close: if it exits first, our close drops the LAST reference and
 * pays the grace period after all (measured: /bin/true lost that race about one time in ten, ~10 ms).
 * `sleep 0.2` holds the socket well past our close and exit; it holds nothing else (stdio ignored).
 */
const REAPERS: readonly (readonly string[])[] = [["/bin/sleep", "0.2"], ["/usr/bin/sleep", "0.2"], ["/bin/true"], ["/usr/bin/true"]];

function socketFds(): Set<string> {
  const out = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:")) out.add(fd);
    } catch {
      /* closed meanwhile */
    }
  }
  return out;
}

/**
 * After a transaction that deleted anything, the kernel flushes its destroy work (an RCU grace
 * period, 8-17 ms measured here) when the nfnetlink socket is released. Releasing it is nobody's
 * business but the kernel's: a short-lived child inherits the socket, so our close (and our exit) drop
 * only a reference and the CNI DEL answers without waiting; the child's exit pays the grace period.
 * Returns false if no helper could be started (then we close normally and simply wait).
 */
function handOffSockets(before: Set<string>): boolean {
  const handed = handOffFds([...socketFds()].filter((fd) => !before.has(fd)).map(Number));
  if (handed) flushPending = true;
  return handed;
}

function handOffFds(fds: readonly number[]): boolean {
  const reaper = REAPERS.find((argv) => existsSync(argv[0]!));
  if (!fds.length || !reaper) return false;
  try {
    const stdio: ("ignore" | number)[] = ["ignore", "ignore", "ignore", ...fds];
    Bun.spawn({ cmd: [...reaper], stdio: stdio as ["ignore", "ignore", "ignore"] }).unref();
    return true;
  } catch {
    return false;
  }
}

/**
 * Once this process has committed a deletion, the kernel's destroy work may still be pending, and
 * releasing ANY nfnetlink socket waits for it (nf_tables flushes it on NETLINK_URELEASE): 4-17 ms per
 * close measured here. Read sockets opened after a deletion are therefore parked instead of closed,
 * and handed to one reaper child in handOffParkedSockets() right before the process exits.
 */
let flushPending = false;
const parked: number[] = [];

/** Closes an nfnetlink socket, or parks it while a flush may be pending (see above). */
export function releaseNfSocket(fd: number, close: (fd: number) => void): void {
  if (!flushPending) return close(fd);
  if (parked.length === 0) onExit(handOffParkedSockets);
  parked.push(fd);
}

/** Hands every parked nfnetlink socket to a reaper child; runs as an exit hook (shared/sys/exit-hooks.ts). */
function handOffParkedSockets(): void {
  if (parked.length) handOffFds(parked.splice(0));
}

function runInProcess(lib: Library, text: string, flags: number): NftResult {
  const s = lib.symbols;
  const before = DELETES.test(text) ? socketFds() : undefined;
  const ctx = s.nft_ctx_new(NFT_CTX_DEFAULT) as Pointer | null;
  if (!ctx) return { ok: false, output: "", error: "nft_ctx_new failed" };
  try {
    s.nft_ctx_buffer_output(ctx);
    s.nft_ctx_buffer_error(ctx);
    if (flags) s.nft_ctx_output_set_flags(ctx, flags);
    const buf = Buffer.from(`${text}\0`, "utf8");
    const rc = s.nft_run_cmd_from_buffer(ctx, ptr(buf));
    const output = readCString(s.nft_ctx_get_output_buffer(ctx) as Pointer | null);
    const error = readCString(s.nft_ctx_get_error_buffer(ctx) as Pointer | null);
    if (before && rc === 0) handOffSockets(before);
    return { ok: rc === 0, output, error };
  } finally {
    s.nft_ctx_free(ctx);
  }
}

function runExec(binary: string, text: string, json: boolean): NftResult {
  const argv = json ? [binary, "-j", "-f", "-"] : [binary, "-f", "-"];
  const proc = Bun.spawnSync(argv, { stdin: Buffer.from(text, "utf8"), stdout: "pipe", stderr: "pipe" });
  return { ok: proc.exitCode === 0, output: proc.stdout.toString(), error: proc.stderr.toString() };
}

function run(text: string, json: boolean): NftResult {
  const lib = loadLibrary();
  if (lib) return runInProcess(lib, text, json ? NFT_CTX_OUTPUT_JSON : 0);
  const binary = findNftBinary();
  if (binary) return runExec(binary, text, json);
  throw new NftUnavailableError();
}

/**
 * Runs an nft command buffer (one or more commands, one per line) as ONE transaction in the calling
 * thread's network namespace. Either everything applies (`ok`) or nothing does.
 */
export function runNft(text: string): NftResult {
  return run(text, false);
}
