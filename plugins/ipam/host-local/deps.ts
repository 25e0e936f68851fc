// What the host-local verbs need from the outside world, injected so unit tests run them under Node
// with a temp dir and no flock (index.ts wires the real ones).
import type { Attachment } from "../../../shared/cni/types.ts";
import { ioFailure } from "../../../shared/cni/errors.ts";
import type { Store } from "./allocator.ts";
import { StoreError } from "./store.ts";

export interface StoreHandle extends Store {
  readonly dir: string;
  findByID(id: string, ifname: string): boolean;
  /** removes allocations not held by a valid attachment; returns the removal errors */
  gc(valid: readonly Attachment[]): string[];
  close(): void;
}

export interface HostLocalDeps {
  /** opens (creating) <dataDir>/<network>; throws StoreError */
  openStore(dataDir: string, network: string): StoreHandle;
  /** reads a small text file; throws StoreError */
  readTextFile(path: string): string;
  /** throws StoreError when dir (or the nearest existing parent, if it is absent) is not a writable directory */
  checkWritableDir(dir: string): void;
}

/** Maps store failures to CniError 5; anything else passes through. */
export function asCniError(e: unknown): unknown {
  return e instanceof StoreError ? ioFailure(e.message) : e;
}

/** Runs fn with a store open, closing it after; store failures become CniError 5. */
export function withStore<T>(deps: HostLocalDeps, dataDir: string, name: string, fn: (s: StoreHandle) => T): T {
  let store: StoreHandle;
  try {
    store = deps.openStore(dataDir, name);
  } catch (e) {
    throw asCniError(e);
  }
  try {
    return fn(store);
  } catch (e) {
    throw asCniError(e);
  } finally {
    store.close();
  }
}
