// The production HostLocalDeps over node:fs; the flock implementation is passed in (index.ts gives
// the libc one) so this file stays importable under Node for tests.
import * as fs from "node:fs";
import * as path from "node:path";
import type { HostLocalDeps } from "./deps.ts";
import { MAX_RESOLV_CONF_BYTES } from "./dns.ts";
import { DiskStore, storeError, StoreError, type Flocker } from "./store.ts";

function readTextFile(file: string): string {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY);
  } catch (e) {
    throw storeError("open", file, e);
  }
  try {
    const buf = Buffer.alloc(MAX_RESOLV_CONF_BYTES);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString("utf8");
  } catch (e) {
    throw storeError("read", file, e);
  } finally {
    fs.closeSync(fd);
  }
}

/** dir, or its nearest existing ancestor when dir does not exist yet, must be a writable directory. */
function checkWritableDir(dir: string): void {
  let p = path.resolve(dir);
  for (;;) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (e) {
      const parent = path.dirname(p);
      if (parent === p) throw storeError("stat", p, e);
      p = parent;
      continue;
    }
    if (!st.isDirectory()) throw new StoreError("stat", p, "ENOTDIR", "not a directory");
    try {
      fs.accessSync(p, fs.constants.W_OK | fs.constants.X_OK);
    } catch (e) {
      throw storeError("access", p, e);
    }
    return;
  }
}

export function diskDeps(flock: Flocker): HostLocalDeps {
  return {
    openStore: (dataDir, network) => DiskStore.open(dataDir, network, flock),
    readTextFile,
    checkWritableDir,
  };
}
