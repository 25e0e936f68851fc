// Opt-in step timing for profiling (TSCNI_TRACE=1): one stderr line per named step. Off by default;
// stderr is the log channel, stdout stays the CNI result. The end of each named step is also a crash
// point for the fault-injection tests (shared/crash.ts; a no-op unless its test variable is set).
import { crashPoint } from "./crash.ts";

const enabled = typeof process !== "undefined" && process.env.TSCNI_TRACE === "1";
const t0 = enabled ? performance.now() : 0;

export async function traced<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
  if (!enabled) {
    const out = await fn();
    crashPoint(what);
    return out;
  }
  const start = performance.now();
  try {
    const out = await fn();
    crashPoint(what);
    return out;
  } finally {
    const end = performance.now();
    process.stderr.write(`trace ${what}: ${(end - start).toFixed(2)} ms (at ${(end - t0).toFixed(1)} ms)\n`);
  }
}

/** Synchronous variant, for steps that must not yield (inside withNetns, netlink batches). */
export function tracedSync<T>(what: string, fn: () => T): T {
  if (!enabled) {
    const out = fn();
    crashPoint(what);
    return out;
  }
  const start = performance.now();
  try {
    const out = fn();
    crashPoint(what);
    return out;
  } finally {
    const end = performance.now();
    process.stderr.write(`trace ${what}: ${(end - start).toFixed(2)} ms (at ${(end - t0).toFixed(1)} ms)\n`);
  }
}
