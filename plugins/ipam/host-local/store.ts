// The host-local disk store, file for file the reference's backend/disk: <dataDir>/<network>/ holds
// one file per allocated IP (named by its Go text form, mode 0644, content "<cid>\r\n<ifname>"; a
// legacy file holds "<cid>" alone), last_reserved_ip.<rangeSetIndex> (the IP text) and `lock`
// (mode 0750, flock(LOCK_EX) around every operation, like go-filemutex). Both suites can share a
// directory. Synchronous node:fs only; the flock call is injected so this module stays Bun-free.
import * as fs from "node:fs";
import * as path from "node:path";
import { formatIP, parseIP, type IP } from "../../../shared/ip/index.ts";
import type { Attachment } from "../../../shared/cni/types.ts";
import { crashPoint } from "../../../shared/crash.ts";

const LAST_IP_PREFIX = "last_reserved_ip.";
const LOCK_FILE = "lock";
const LINE_BREAK = "\r\n";

/** Takes (LOCK_EX, blocking) or drops the lock on an open fd. */
export type Flocker = (fd: number, op: "lock" | "unlock") => void;

/** A store operation that failed on the file system (errno code kept for mapping). */
export class StoreError extends Error {
  override name = "StoreError";
  constructor(
    readonly op: string,
    readonly target: string,
    readonly errnoCode: string,
    detail: string,
  ) {
    super(`${op} ${target}: ${detail}`);
  }
}

/** Go's text for the common errno values (os.PathError prints "op path: text"). */
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EEXIST: "file exists",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  ENOSPC: "no space left on device",
  EROFS: "read-only file system",
  EDQUOT: "disk quota exceeded",
  EIO: "input/output error",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "file name too long",
};

function errnoCodeOf(e: unknown): string {
  return typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string"
    ? (e as { code: string }).code
    : "EIO";
}

export function storeError(op: string, target: string, e: unknown): StoreError {
  const code = errnoCodeOf(e);
  return new StoreError(op, target, code, ERRNO_TEXT[code] ?? (e instanceof Error ? e.message : String(e)));
}

/** The network name becomes a directory: the CNI name rules, so no separator and no dot names. */
const NETWORK_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function validNetworkName(name: string): boolean {
  return NETWORK_NAME_RE.test(name) && name.length <= 255;
}

/** True for the files that are not allocations: `lock`, `last_reserved_ip.*`. */
function isBookkeepingFile(name: string): boolean {
  return name === LOCK_FILE || name.startsWith(LAST_IP_PREFIX);
}

/** What an allocation file says: new format (cid + ifname) or legacy (cid only). */
interface Holder {
  containerId: string;
  /** undefined for a legacy file */
  ifname?: string;
}

/** Parses allocation file content (Go trims whitespace around it before matching). */
function parseHolder(content: string): Holder {
  const text = content.trim();
  const i = text.indexOf(LINE_BREAK);
  if (i < 0) return { containerId: text };
  return { containerId: text.slice(0, i).trim(), ifname: text.slice(i + LINE_BREAK.length) };
}

function holderKey(id: string, ifname: string): string {
  return id.trim() + LINE_BREAK + ifname;
}

/** A network directory's allocation files (name, trimmed content), sorted like filepath.Walk. */
function readEntries(dir: string): Array<{ name: string; content: string }> {
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw storeError("open", dir, e);
  }
  const out: Array<{ name: string; content: string }> = [];
  for (const d of names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (d.isDirectory() || isBookkeepingFile(d.name)) continue;
    try {
      out.push({ name: d.name, content: fs.readFileSync(path.join(dir, d.name), "utf8").trim() });
    } catch {
      // vanished or unreadable: skipped, as the reference's Walk callback does
    }
  }
  return out;
}

/** One allocation file as an operator tool sees it. */
export interface Allocation {
  readonly ip: IP;
  /** the file itself, e.g. to remove an orphan */
  readonly file: string;
  /** "" for an empty file (a crash between create and write) */
  readonly containerId: string;
  /** undefined for a legacy cid-only file */
  readonly ifname?: string;
}

/**
 * The allocations of one network directory (<dataDir>/<network>), read without the lock and without
 * creating anything: a snapshot for `tscni endpoints`/`audit`. Files not named by an IP are skipped.
 */
export function readAllocations(dir: string): Allocation[] {
  const out: Allocation[] = [];
  for (const e of readEntries(dir)) {
    const ip = parseIP(e.name);
    if (!ip) continue;
    const h = parseHolder(e.content);
    out.push({ ip, file: path.join(dir, e.name), containerId: h.containerId, ...(h.ifname !== undefined && { ifname: h.ifname }) });
  }
  return out;
}

export class DiskStore {
  private lockFd: number;
  private depth = 0;

  private constructor(
    readonly dir: string,
    private readonly flock: Flocker,
  ) {
    try {
      this.lockFd = fs.openSync(path.join(dir, LOCK_FILE), fs.constants.O_RDONLY | fs.constants.O_CREAT, 0o750);
    } catch (e) {
      throw storeError("open", path.join(dir, LOCK_FILE), e);
    }
  }

  /** Creates <dataDir>/<network> (0755) and opens its lock file; like disk.New. */
  static open(dataDir: string, network: string, flock: Flocker): DiskStore {
    if (!validNetworkName(network)) throw new StoreError("open store", network, "EINVAL", "invalid network name");
    const dir = path.join(dataDir, network);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    } catch (e) {
      throw storeError("mkdir", dir, e);
    }
    return new DiskStore(dir, flock);
  }

  close(): void {
    if (this.lockFd >= 0) fs.closeSync(this.lockFd);
    this.lockFd = -1;
  }

  /** Runs fn with the lock held (re-entrant within this store). */
  withLock<T>(fn: () => T): T {
    if (this.depth === 0) this.flock(this.lockFd, "lock");
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0) this.flock(this.lockFd, "unlock");
    }
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  /** Creates the IP's file exclusively; false if it already exists. Records last_reserved_ip.<rangeId>. */
  reserve(id: string, ifname: string, ip: IP, rangeId: string): boolean {
    const name = this.file(formatIP(ip));
    let fd: number;
    try {
      fd = fs.openSync(name, fs.constants.O_RDWR | fs.constants.O_EXCL | fs.constants.O_CREAT, 0o644);
    } catch (e) {
      if (errnoCodeOf(e) === "EEXIST") return false;
      throw storeError("open", name, e);
    }
    crashPoint("create allocation file");
    try {
      fs.writeSync(fd, holderKey(id, ifname));
      fs.closeSync(fd);
    } catch (e) {
      try { fs.closeSync(fd); } catch { /* already closed */ }
      fs.rmSync(name, { force: true });
      throw storeError("write", name, e);
    }
    crashPoint("write allocation file");
    const last = this.file(LAST_IP_PREFIX + rangeId);
    try {
      fs.writeFileSync(last, formatIP(ip), { mode: 0o644 });
    } catch (e) {
      throw storeError("open", last, e);
    }
    return true;
  }

  /** The IP in last_reserved_ip.<rangeId>, undefined if absent or unparsable (Go: net.ParseIP, no trim). */
  lastReservedIP(rangeId: string): IP | undefined {
    try {
      return parseIP(fs.readFileSync(this.file(LAST_IP_PREFIX + rangeId), "utf8"));
    } catch {
      return undefined;
    }
  }

  /** Allocation files (name, trimmed content), sorted like filepath.Walk; unreadable files skipped. */
  entries(): Array<{ name: string; content: string }> {
    return readEntries(this.dir);
  }

  /** IPs held by (id, ifname) or by id in a legacy file, like GetByID. */
  getByID(id: string, ifname: string): IP[] {
    const match = holderKey(id, ifname);
    const old = id.trim();
    const ips: IP[] = [];
    for (const e of this.entries()) {
      if (e.content !== match && e.content !== old) continue;
      const ip = parseIP(e.name);
      if (ip) ips.push(ip);
    }
    return ips;
  }

  /** True if any file is held by (id, ifname), else by id in a legacy file, like FindByID. */
  findByID(id: string, ifname: string): boolean {
    const match = holderKey(id, ifname);
    const all = this.entries();
    return all.some((e) => e.content === match) || all.some((e) => e.content === id.trim());
  }

  private removeMatching(match: string): boolean {
    let found = false;
    for (const e of this.entries()) {
      if (e.content !== match) continue;
      try {
        fs.unlinkSync(this.file(e.name));
        found = true;
      } catch {
        // already gone: tolerated, as the reference does
      }
    }
    return found;
  }

  /** Removes every file held by (id, ifname); if none, every legacy file of id. Like ReleaseByID. */
  releaseByID(id: string, ifname: string): void {
    if (!this.removeMatching(holderKey(id, ifname))) this.removeMatching(id.trim());
  }

  /** Removes one IP's file, only if (id, ifname) still holds it. */
  releaseIP(ip: IP, id: string, ifname: string): boolean {
    const name = this.file(formatIP(ip));
    try {
      if (fs.readFileSync(name, "utf8").trim() !== holderKey(id, ifname)) return false;
      fs.unlinkSync(name);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Removes every allocation not held by a valid attachment: new-format files need (cid, ifname)
   * listed, legacy files need their cid listed with any ifname; files whose content is neither (e.g.
   * empty files left by a crash) go too. Only IP-named files are considered. Returns removal errors.
   */
  gc(valid: readonly Attachment[]): string[] {
    const keys = new Set(valid.map((a) => holderKey(a.containerID, a.ifname)));
    const ids = new Set(valid.map((a) => a.containerID.trim()));
    const errors: string[] = [];
    for (const e of this.entries()) {
      if (!parseIP(e.name)) continue;
      const h = parseHolder(e.content);
      const keep = h.ifname === undefined ? h.containerId !== "" && ids.has(h.containerId) : keys.has(e.content);
      if (keep) continue;
      try {
        fs.unlinkSync(this.file(e.name));
      } catch (err) {
        if (errnoCodeOf(err) !== "ENOENT") errors.push(storeError("remove", this.file(e.name), err).message);
      }
    }
    return errors;
  }
}
