// host-local GC (spec 1.1): releases every allocation whose holder is not a valid attachment. Skips
// `lock` and last_reserved_ip.*, honours legacy cid-only files; an empty list releases everything.
// Continues past failures and reports them all.
import type { GcContext } from "../../../shared/cni/plugin.ts";
import { ioFailure } from "../../../shared/cni/errors.ts";
import { parseConfig } from "./config.ts";
import { withStore, type HostLocalDeps } from "./deps.ts";

export function cmdGc(ctx: GcContext, deps: HostLocalDeps): void {
  const cfg = parseConfig({ raw: ctx.conf.raw, cniArgs: [], ignoreUnknownArgs: true });
  const errors = withStore(deps, cfg.dataDir, cfg.name, (store) => store.withLock(() => store.gc(ctx.validAttachments)));
  if (errors.length > 0) throw ioFailure(`host-local gc: ${errors.join("; ")}`);
}
