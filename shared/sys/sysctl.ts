// /proc/sys access for the calling thread's namespaces. Synchronous on purpose: call inside
// withNetns() and the read/write lands in that netns (async fs may run on another thread).
import { readFileSync, writeFileSync } from "node:fs";

/** A sysctl read or write failed; code is the errno name from node:fs ("ENOENT", "EACCES", ...). */
class SysctlError extends Error {
  constructor(
    readonly op: "read" | "write",
    readonly path: string,
    readonly code: string,
  ) {
    super(`${op} sysctl ${path}: ${code}`);
    this.name = "SysctlError";
  }
}

/**
 * Maps "net.ipv4.ip_forward" or "net/ipv4/ip_forward" to its /proc/sys file. Dotted keys have
 * every "." turned into "/"; use the slash form when a component (an interface name such as
 * "eth0.100") contains dots, like sysctl(8).
 */
function sysctlFile(key: string): string {
  if (!/^[A-Za-z0-9_./-]{1,255}$/.test(key)) throw new RangeError(`invalid sysctl key "${key}"`);
  const rel = key.includes("/") ? key : key.replaceAll(".", "/");
  const parts = rel.split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) throw new RangeError(`invalid sysctl key "${key}"`);
  return `/proc/sys/${rel}`;
}

function codeOf(e: unknown): string {
  const c = (e as NodeJS.ErrnoException | null)?.code;
  return typeof c === "string" ? c : String(e);
}

/** The value of a sysctl, trailing newline removed. */
export function readSysctl(key: string): string {
  const file = sysctlFile(key);
  try {
    return readFileSync(file, "latin1").replace(/\n$/, "");
  } catch (e) {
    throw new SysctlError("read", key, codeOf(e));
  }
}

export function writeSysctl(key: string, value: string | number): void {
  const file = sysctlFile(key);
  const text = String(value);
  if (/[\0\n]/.test(text)) throw new RangeError(`invalid sysctl value for ${key}`);
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new SysctlError("write", key, codeOf(e));
  }
}
