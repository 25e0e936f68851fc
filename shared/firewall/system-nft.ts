// The production NftRunner (only system.ts and the plugin entries may import it; architecture test): writes through libnftables (shared/sys/nftables.ts: one transaction per
// call, with its socket hand-off after deletions), reads through our own nfnetlink requests on a
// socket opened in the calling thread's netns for that one read (shared/netlink/nf).
import { NetlinkDecodeError } from "../netlink/codec/errors.ts";
import { NetlinkError } from "../netlink/errors.ts";
import { withNfHandle, type NfHandle } from "../netlink/nf/client.ts";
import { getChain, getSet, getSetElem, getTable, listRules, listSetElems, listTableRules } from "../netlink/nf/nftables.ts";
import { closeSync, openSync } from "node:fs";
import { flock, LOCK_EX, SysError } from "../sys/libc.ts";
import { nftBackend, runNft } from "../sys/nftables.ts";
import { FirewallError, type NftRunner } from "./types.ts";

/** One read on a fresh nfnetlink socket; kernel, socket and decode failures become FirewallError. */
function read<T>(op: string, fn: (h: NfHandle) => T): T {
  try {
    return withNfHandle(fn);
  } catch (e) {
    if (e instanceof NetlinkError || e instanceof SysError || e instanceof NetlinkDecodeError) throw new FirewallError(op, e.message);
    throw e;
  }
}

/** The calling thread's netns: every process of one netns locks the same nsfs inode (another netns, another lock). */
const NETNS_LOCK_PATH = "/proc/thread-self/ns/net";
let lockDepth = 0;

/** NftRunner.exclusive: flock on the netns file (closing the fd releases it); nested calls reuse the held lock. */
function exclusive<T>(fn: () => T): T {
  if (lockDepth > 0) return fn();
  const fd = openSync(NETNS_LOCK_PATH, "r");
  try {
    flock(fd, LOCK_EX);
    lockDepth++;
    try {
      return fn();
    } finally {
      lockDepth--;
    }
  } finally {
    closeSync(fd);
  }
}

export const systemNft: NftRunner = {
  run: runNft,
  rules: (family, table, chain, opts) =>
    read(`list chain ${family} ${table} ${chain}`, (h) => listRules(h, family, table, chain, opts)),
  tableRules: (family, table, opts) => read(`list table ${family} ${table}`, (h) => listTableRules(h, family, table, opts)),
  elements: (family, table, set, opts) =>
    read(`list set ${family} ${table} ${set}`, (h) => listSetElems(h, family, table, set, opts)),
  element: (family, table, set, key) => read(`get element of ${family} ${table} ${set}`, (h) => getSetElem(h, family, table, set, key)),
  tableExists: (family, table) => read(`get table ${family} ${table}`, (h) => getTable(h, family, table) !== undefined),
  chainExists: (family, table, chain) =>
    read(`get chain ${family} ${table} ${chain}`, (h) => getChain(h, family, table, chain) !== undefined),
  setExists: (family, table, set) => read(`get set ${family} ${table} ${set}`, (h) => getSet(h, family, table, set) !== undefined),
  available: () => nftBackend() !== "none",
  exclusive,
};
