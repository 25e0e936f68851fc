// Updates a metrics file (a node-exporter textfile-collector path) with one invocation: under an
// exclusive flock on a lock file beside it (concurrent plugin processes serialize), the current file
// is parsed, the sample added, the whole text written to a temporary name in the same directory and
// renamed over the file, so the collector never reads a half-written file. Loaded only when a config
// names `metricsFile` (tscni.ts imports it lazily): a plugin without the key pays nothing.
import * as fs from "node:fs";
import { basename, dirname, join } from "node:path";
import { flock, LOCK_EX } from "../sys/libc.ts";
import { addSample, formatMetrics, parseMetrics, type InvocationSample } from "./prom.ts";

/** The lock file: hidden and not *.prom, so the collector ignores it. */
const lockPathOf = (file: string): string => join(dirname(file), `.${basename(file)}.lock`);

/** Opens (creating) the lock file without blocking on a FIFO; it must be a regular file. */
function openLock(path: string): number {
  const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW, 0o600);
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw new Error(`${path}: not a regular file`);
  }
  return fd;
}

/** The current text: "" when absent; anything but a regular file is refused (never opened). */
function readCurrent(file: string): string {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw e;
  }
  if (!st.isFile()) throw new Error(`${file}: not a regular file`);
  return fs.readFileSync(file, "utf8");
}

/** Adds one invocation to the file; throws on any failure (the caller reports it and goes on). */
export function recordInvocation(file: string, sample: InvocationSample): void {
  const fd = openLock(lockPathOf(file));
  try {
    flock(fd, LOCK_EX);
    const state = parseMetrics(readCurrent(file));
    addSample(state, sample);
    const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
    try {
      fs.writeFileSync(tmp, formatMetrics(state), { mode: 0o644 });
      fs.renameSync(tmp, file);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  } finally {
    fs.closeSync(fd); // drops the lock
  }
}
