// host-local IPAM plugin: a store of one file per allocated IP under dataDir, shared with (and
// byte-compatible with) the reference host-local. See config.ts, allocator.ts, store.ts.
import type { Plugin } from "../../../shared/cni/plugin.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { flock, LOCK_EX, LOCK_UN } from "../../../shared/sys/libc.ts";
import { cmdAdd } from "./add.ts";
import { cmdCheck } from "./check.ts";
import { cmdDel } from "./del.ts";
import { diskDeps } from "./disk-deps.ts";
import { cmdGc } from "./gc.ts";
import { cmdStatus } from "./status.ts";
import type { Flocker } from "./store.ts";

const libcFlock: Flocker = (fd, op) => {
  flock(fd, op === "lock" ? LOCK_EX : LOCK_UN);
};

const deps = diskDeps(libcFlock);

const plugin: Plugin = {
  type: "host-local",
  supportedVersions: SUPPORTED_VERSIONS,
  add: (ctx) => cmdAdd(ctx, deps),
  del: (ctx) => cmdDel(ctx, deps),
  check: (ctx) => cmdCheck(ctx, deps),
  gc: (ctx) => cmdGc(ctx, deps),
  status: (ctx) => cmdStatus(ctx, deps),
};

export default plugin;
