// The host-local disk store, file for file the reference's backend/disk: <dataDir>/<network>/ holds
// one file per allocated IP (named by its Go text form, mode 0644, content "<cid>\r\n<ifname>"; a
// legacy file holds "<cid>" alone), last_reserved_ip.<rangeSetIndex> (the IP text) and `lock`
// (mode 0750, flock(LOCK_EX) around every operation, like go-filemutex). Both suites can share a
// directory. Synchronous node:fs only; the flock call is injected so this module stays Bun-free.
//
// Two things the reference does not do, both invisible to it (README "host-local store"):
// - Atomic allocation: the file is written complete under <index>/reserve.tmp, then link()ed into
//   place (EEXIST: the IP is taken) and the temp name removed. A kill leaves either no allocation or
//   a complete one, never the empty file the reference's create-then-write leaves.
// - An index, so ADD and DEL cost the same with 1 or 1000 allocations: <dataDir>/.tscni-host-local/
//   <network>/ (outside the directory the reference walks) holds one file per holder key (hash of
//   "<cid>\r\n<ifname>", or of "<cid>" for legacy files) listing the IPs it holds, and `stamp`. Every
//   hit is verified by reading the IP file itself. The index is trusted only while `stamp` matches the
//   network directory's inode and mtime: after each change tscni sets that mtime to a value in the
//   past (now - 2 s, random ns) and records it; any create/remove/rename in the directory by anyone
//   else (the reference, an older tscni, an operator) sets it to the kernel's "now", which can never
//   equal it, so the next tscni operation rescans under the lock and rebuilds the index. Index updates
//   always follow the directory change they record, so a kill in between leaves the stamp stale, too.
import * as fs from "node:fs";
import * as path from "node:path";
import { formatIP, parseIP, type IP } from "../../../shared/ip/index.ts";
import type { Attachment } from "../../../shared/cni/types.ts";
import { crashPoint } from "../../../shared/crash.ts";
import { sha512Hex } from "../../../shared/hash.ts";

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

/** tscni's own bookkeeping for <dataDir>/<network> lives in <dataDir>/INDEX_ROOT/<network>. */
export const INDEX_ROOT = ".tscni-host-local";
const STAMP_FILE = "stamp";
const TEMP_FILE = "reserve.tmp";
const STAMP_VERSION = "1";
/** errno codes of link() that mean "no hard link here" (another file system, no link support) */
const NO_LINK = new Set(["EXDEV", "EPERM", "ENOTSUP", "EOPNOTSUPP", "EMLINK", "ENOSYS"]);

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

/**
 * A network directory's allocation files (name, trimmed content), sorted like filepath.Walk. Files that
 * exist but cannot be read are skipped, as the reference's Walk callback does, and named in `unread`.
 */
function readEntries(dir: string, unread?: string[]): Array<{ name: string; content: string }> {
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
    } catch (e) {
      if (errnoCodeOf(e) !== "ENOENT") unread?.push(d.name);
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

/** What one lock session knows about the index: not looked at yet, trusted, or unusable (scan instead). */
type IndexState = "unchecked" | "valid" | "off";

export class DiskStore {
  private lockFd: number;
  private depth = 0;
  /** <dataDir>/.tscni-host-local/<network> */
  readonly indexDir: string;
  private index: IndexState = "unchecked";
  /** this lock session changed the network directory (so the stamp must be renewed) */
  private touched = false;
  /** an index update failed in this session: the stamp stays stale, the next session rescans */
  private indexBroken = false;

  private constructor(
    readonly dir: string,
    private readonly flock: Flocker,
  ) {
    this.indexDir = path.join(path.dirname(dir), INDEX_ROOT, path.basename(dir));
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

  /** Runs fn with the lock held (re-entrant within this store); renews the index stamp before unlocking. */
  withLock<T>(fn: () => T): T {
    if (this.depth === 0) {
      this.flock(this.lockFd, "lock");
      this.index = "unchecked";
      this.touched = false;
      this.indexBroken = false;
    }
    this.depth++;
    let done = false;
    try {
      const out = fn();
      done = true;
      return out;
    } finally {
      this.depth--;
      if (this.depth === 0) {
        try {
          if (done && this.touched && this.index === "valid" && !this.indexBroken) this.writeStamp();
        } finally {
          this.flock(this.lockFd, "unlock");
        }
      }
    }
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  // ---- the index (see the file comment)

  private entryFile(key: string): string {
    return path.join(this.indexDir, sha512Hex(key).slice(0, 40));
  }

  /** True when the stamp says the index covers every allocation file in the directory. */
  private stampValid(): boolean {
    try {
      const text = fs.readFileSync(path.join(this.indexDir, STAMP_FILE), "utf8");
      const st = fs.statSync(this.dir, { bigint: true });
      return text === `${STAMP_VERSION} ${st.ino} ${st.mtimeNs}\n`;
    } catch {
      return false;
    }
  }

  /** Marks the directory's current state as indexed: mtime set to a value the kernel never writes. */
  private writeStamp(): void {
    const stamp = path.join(this.indexDir, STAMP_FILE);
    try {
      const now = Date.now() / 1000;
      fs.utimesSync(this.dir, now, Math.floor(now) - 2 + Math.random() * 0.999);
      const st = fs.statSync(this.dir, { bigint: true });
      fs.writeFileSync(stamp, `${STAMP_VERSION} ${st.ino} ${st.mtimeNs}\n`, { mode: 0o644 });
    } catch {
      this.index = "off";
      try { fs.rmSync(stamp, { force: true }); } catch { /* stale anyway: the directory changed */ }
    }
  }

  /** Trusts the index (after a rescan if the stamp is stale); false: it is unusable, scan instead. */
  private useIndex(): boolean {
    if (this.index === "unchecked") {
      if (this.stampValid()) this.index = "valid";
      else this.rescan();
    }
    return this.index === "valid";
  }

  /**
   * Reads every allocation file under the lock: removes empty ones (under the lock no writer is between
   * create and write, so an empty file is a killed writer's and nobody's allocation) and those `drop`
   * rejects, rebuilds the index from the rest and stamps it. Returns the removal errors.
   */
  private rescan(drop?: (content: string) => boolean): string[] {
    const errors: string[] = [];
    const unread: string[] = [];
    const byKey = new Map<string, string[]>();
    try {
      fs.rmSync(path.join(this.indexDir, STAMP_FILE), { force: true });
    } catch {
      // a stamp that cannot be removed is one the directory change below makes stale anyway
    }
    for (const e of readEntries(this.dir, unread)) {
      if (!parseIP(e.name)) continue;
      if (e.content === "" || drop?.(e.content)) {
        try {
          fs.unlinkSync(this.file(e.name));
          continue;
        } catch (err) {
          if (errnoCodeOf(err) === "ENOENT") continue;
          errors.push(storeError("remove", this.file(e.name), err).message);
          if (e.content === "") continue;
        }
      }
      const held = byKey.get(e.content);
      if (held) held.push(e.name);
      else byKey.set(e.content, [e.name]);
    }
    this.index = unread.length === 0 && this.writeIndex(byKey) ? "valid" : "off";
    if (this.index === "valid") this.writeStamp();
    return errors;
  }

  /** Makes the index directory hold exactly one entry per key (and the stamp); false on any failure. */
  private writeIndex(byKey: Map<string, string[]>): boolean {
    try {
      fs.mkdirSync(this.indexDir, { recursive: true, mode: 0o755 });
      const want = new Map<string, string>();
      for (const [key, names] of byKey) want.set(path.basename(this.entryFile(key)), entryText(names));
      for (const name of fs.readdirSync(this.indexDir)) {
        if (name !== STAMP_FILE && !want.has(name)) fs.rmSync(path.join(this.indexDir, name), { force: true, recursive: true });
      }
      for (const [name, text] of want) {
        const file = path.join(this.indexDir, name);
        let old: string | undefined;
        try {
          old = fs.readFileSync(file, "utf8");
        } catch {
          old = undefined;
        }
        if (old !== text) fs.writeFileSync(file, text, { mode: 0o644 });
      }
      return true;
    } catch {
      return false;
    }
  }

  /** The IP file names the index lists for key (possibly stale: callers verify). */
  private listed(key: string): string[] {
    try {
      return fs.readFileSync(this.entryFile(key), "utf8").split("\n").filter((l) => l !== "");
    } catch (e) {
      if (errnoCodeOf(e) !== "ENOENT") this.index = "off";
      return [];
    }
  }

  /** The IP file names that really hold key now: the index's list, each verified by reading the file. */
  private heldBy(key: string): string[] {
    return this.listed(key).filter((name) => {
      try {
        return fs.readFileSync(this.file(name), "utf8").trim() === key;
      } catch {
        return false;
      }
    });
  }

  /** Rewrites key's entry as `names` (removed when empty); a failure leaves the stamp stale. */
  private setEntry(key: string, names: string[]): void {
    try {
      if (names.length === 0) fs.rmSync(this.entryFile(key), { force: true });
      else fs.writeFileSync(this.entryFile(key), entryText(names), { mode: 0o644 });
    } catch {
      this.indexBroken = true;
    }
  }

  private removeTemp(): void {
    try {
      fs.rmSync(path.join(this.indexDir, TEMP_FILE), { force: true });
    } catch {
      // nothing there to remove, or nothing we can do: it holds no IP
    }
  }

  // ---- allocation

  /**
   * The complete file (content = key) under the index directory, linked into place: true if linked,
   * false if the IP is taken (EEXIST), undefined if hard links cannot be made here.
   */
  private linkIntoPlace(file: string, key: string): boolean | undefined {
    const tmp = path.join(this.indexDir, TEMP_FILE);
    let fd: number;
    try {
      fd = openExclusive(tmp);
    } catch {
      return undefined;
    }
    try {
      fs.writeSync(fd, key);
    } catch (e) {
      fs.closeSync(fd);
      this.removeTemp();
      throw storeError("write", tmp, e);
    }
    fs.closeSync(fd);
    crashPoint("write reservation file");
    try {
      fs.linkSync(tmp, file);
    } catch (e) {
      this.removeTemp();
      const code = errnoCodeOf(e);
      if (code === "EEXIST") return false;
      if (NO_LINK.has(code)) return undefined;
      throw storeError("link", file, e);
    }
    this.touched = true;
    crashPoint("link allocation file");
    this.removeTemp();
    return true;
  }

  /** The reference's way (create, then write): only where hard links are not possible. */
  private createInPlace(file: string, key: string): boolean {
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_EXCL | fs.constants.O_CREAT, 0o644);
    } catch (e) {
      if (errnoCodeOf(e) === "EEXIST") return false;
      throw storeError("open", file, e);
    }
    this.touched = true;
    crashPoint("create allocation file");
    try {
      fs.writeSync(fd, key);
      fs.closeSync(fd);
    } catch (e) {
      try { fs.closeSync(fd); } catch { /* already closed */ }
      fs.rmSync(file, { force: true });
      throw storeError("write", file, e);
    }
    return true;
  }

  /** Creates the IP's file atomically and exclusively; false if it already exists. Records last_reserved_ip.<rangeId>. */
  reserve(id: string, ifname: string, ip: IP, rangeId: string): boolean {
    const name = formatIP(ip);
    const key = holderKey(id, ifname);
    const indexed = this.useIndex();
    const created = (indexed ? this.linkIntoPlace(this.file(name), key) : undefined) ?? this.createInPlace(this.file(name), key);
    if (!created) return false;
    if (this.index === "valid") this.setEntry(key, [...this.listed(key), name]);
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

  /** IP file names held by (id, ifname), then those held by id in a legacy file; from the index or a scan. */
  private held(id: string, ifname: string): { current: string[]; legacy: string[] } {
    const key = holderKey(id, ifname);
    const old = id.trim();
    if (this.useIndex()) {
      const current = this.heldBy(key);
      const legacy = this.heldBy(old);
      if (this.index === "valid") return { current, legacy };
    }
    const all = this.entries();
    return { current: all.filter((e) => e.content === key).map((e) => e.name), legacy: all.filter((e) => e.content === old).map((e) => e.name) };
  }

  /** IPs held by (id, ifname) or by id in a legacy file, in file name order, like GetByID. */
  getByID(id: string, ifname: string): IP[] {
    const { current, legacy } = this.held(id, ifname);
    return [...new Set([...current, ...legacy])]
      .sort()
      .flatMap((name) => parseIP(name) ?? []);
  }

  /** True if any file is held by (id, ifname), else by id in a legacy file, like FindByID. */
  findByID(id: string, ifname: string): boolean {
    const { current, legacy } = this.held(id, ifname);
    return current.length > 0 || legacy.length > 0;
  }

  /** Unlinks the named IP files; returns those still there (unlink failed for another reason than ENOENT). */
  private unlinkAll(names: string[]): string[] {
    return names.filter((name) => {
      try {
        fs.unlinkSync(this.file(name));
        this.touched = true;
        return false;
      } catch (e) {
        return errnoCodeOf(e) !== "ENOENT";
      }
    });
  }

  /**
   * Removes every file held by (id, ifname); if none, every legacy file of id. Like ReleaseByID. Also
   * removes a reservation temp file a killed ADD left (it holds no IP).
   */
  releaseByID(id: string, ifname: string): void {
    this.removeTemp();
    const { current, legacy } = this.held(id, ifname);
    const [key, names] = current.length > 0 ? [holderKey(id, ifname), current] : [id.trim(), legacy];
    const left = this.unlinkAll(names);
    if (this.index === "valid" && names.length > 0) this.setEntry(key, left);
  }

  /** Removes one IP's file, only if (id, ifname) still holds it. */
  releaseIP(ip: IP, id: string, ifname: string): boolean {
    const name = formatIP(ip);
    const key = holderKey(id, ifname);
    this.useIndex();
    try {
      if (fs.readFileSync(this.file(name), "utf8").trim() !== key) return false;
    } catch {
      return false;
    }
    if (this.unlinkAll([name]).length > 0) return false;
    if (this.index === "valid") this.setEntry(key, this.listed(key).filter((n) => n !== name));
    return true;
  }

  /**
   * Removes every allocation not held by a valid attachment: new-format files need (cid, ifname)
   * listed, legacy files need their cid listed with any ifname; files whose content is neither (e.g.
   * empty files left by a killed writer) go too, and so does a reservation temp file. Only IP-named
   * files are considered. Rebuilds the index from what is left. Returns removal errors.
   */
  gc(valid: readonly Attachment[]): string[] {
    const keys = new Set(valid.map((a) => holderKey(a.containerID, a.ifname)));
    const ids = new Set(valid.map((a) => a.containerID.trim()));
    this.removeTemp();
    return this.rescan((content) => {
      const h = parseHolder(content);
      return !(h.ifname === undefined ? h.containerId !== "" && ids.has(h.containerId) : keys.has(content));
    });
  }
}

/** An index entry: the IP file names, sorted and unique, one a line. */
function entryText(names: string[]): string {
  return [...new Set(names)].sort().map((n) => `${n}\n`).join("");
}

/** Opens path O_EXCL for writing (mode 0644 before umask, like the reference's files), replacing a leftover. */
function openExclusive(file: string): number {
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL;
  try {
    return fs.openSync(file, flags, 0o644);
  } catch (e) {
    const code = errnoCodeOf(e);
    if (code === "EEXIST") fs.rmSync(file, { force: true });
    else if (code === "ENOENT") fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    else throw e;
    return fs.openSync(file, flags, 0o644);
  }
}
