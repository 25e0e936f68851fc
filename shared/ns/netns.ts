// Network namespaces: open by path, enter on the calling thread, always come back.
// setns(CLONE_NEWNET) affects only the calling thread; Bun runs our JS on one thread, so everything
// namespace-sensitive (netlink sockets, /proc/sys writes) happens synchronously inside withNetns.
import { closeSync, constants, fstatSync, openSync, statfsSync } from "node:fs";
import { ErrorCode, FatalError } from "../cni/errors.ts";
import { setns, SysError, unshareNetns } from "../sys/libc.ts";

const NSFS_MAGIC = 0x6e736673;
const PROC_SUPER_MAGIC = 0x9fa0;
// O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/** statfs(2) the path (no open): gone -> NetnsGoneError, not on nsfs/proc -> NotNetnsError. */
function checkNetnsPath(path: string): void {
  let type: number;
  try {
    type = Number(statfsSync(path).type);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new NetnsGoneError(path);
    throw e;
  }
  if (type !== NSFS_MAGIC && type !== PROC_SUPER_MAGIC) throw new NotNetnsError(path);
}

/** The netns path does not exist (any more): DEL treats this as "nothing to clean inside". */
export class NetnsGoneError extends Error {
  constructor(readonly path: string) {
    super(`failed to open netns "${path}": no such file or directory`);
    this.name = "NetnsGoneError";
  }
}

/** The path exists but is not a network namespace (wrong filesystem): CNI_NETNS is invalid (code 4). */
export class NotNetnsError extends Error {
  readonly cniCode = ErrorCode.InvalidEnvironment;
  constructor(readonly path: string) {
    super(`"${path}" is not a valid network namespace path`);
    this.name = "NotNetnsError";
  }
}

/** Failing to restore the original namespace leaves the thread in a foreign netns: never continue. */
export class NetnsRestoreError extends FatalError {
  constructor(cause: unknown) {
    super(`failed to return to the original network namespace: ${String(cause)}`);
    this.name = "NetnsRestoreError";
  }
}

export class Netns {
  private constructor(
    readonly path: string,
    readonly fd: number,
  ) {}

  /**
   * Opens a netns by path (bind mount under /run/netns, or /proc/<pid>/ns/net). The path is checked
   * before it is opened (statfs opens nothing) and opened non-blocking: a FIFO or a device named as
   * CNI_NETNS is refused at once instead of hanging the plugin in open(2) or touching the device.
   */
  static open(path: string): Netns {
    checkNetnsPath(path);
    let fd: number;
    try {
      fd = openSync(path, OPEN_FLAGS);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new NetnsGoneError(path);
      throw e;
    }
    try {
      // The path may have been swapped between the check and the open: the fd must be an nsfs file.
      if (!fstatSync(fd).isFile()) throw new NotNetnsError(path);
      checkNetnsPath(path);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    return new Netns(path, fd);
  }

  /** The namespace the calling thread is in now. */
  static current(): Netns {
    return Netns.open("/proc/thread-self/ns/net");
  }

  /**
   * A new, empty network namespace that lives as long as this handle (no bind mount, no name): the
   * calling thread unshares into it, keeps an fd and returns to where it was. A link left inside when
   * the handle closes follows the kernel's rules (physical devices go back to the initial netns,
   * virtual ones are deleted), so users move everything out before closing.
   */
  static createAnonymous(): Netns {
    const origin = Netns.current();
    try {
      unshareNetns();
      try {
        const fd = openSync("/proc/thread-self/ns/net", "r");
        return new Netns("(temporary netns)", fd);
      } finally {
        restore(origin);
      }
    } finally {
      origin.close();
    }
  }

  /** device:inode, to compare two handles for "same namespace". */
  identity(): string {
    const st = fstatSync(this.fd);
    return `${st.dev}:${st.ino}`;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Runs fn with the calling thread inside ns and restores the original namespace afterwards, even
 * when fn throws. fn must be synchronous: an await would hand the thread to other work while it is
 * still inside the container namespace.
 */
export function withNetns<T>(ns: Netns, fn: () => T): T {
  const origin = Netns.current();
  try {
    setns(ns.fd);
    try {
      const out = fn();
      if (out instanceof Promise) throw new Error("withNetns: callback must be synchronous");
      return out;
    } finally {
      restore(origin);
    }
  } finally {
    origin.close();
  }
}

function restore(origin: Netns): void {
  try {
    setns(origin.fd);
  } catch (e) {
    // The thread is stranded in the wrong namespace: stop everything rather than act on the wrong node.
    throw new NetnsRestoreError(e instanceof SysError ? e.message : e);
  }
}

/** Opens path, runs fn(ns), closes. */
export function usingNetns<T>(path: string, fn: (ns: Netns) => T): T {
  const ns = Netns.open(path);
  try {
    return fn(ns);
  } finally {
    ns.close();
  }
}
