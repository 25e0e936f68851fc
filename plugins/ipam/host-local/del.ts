// host-local DEL: releases what (containerId, ifname) holds, once per range set like the reference
// (so legacy cid-only files go too once the new-format ones are gone); idempotent.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { ioFailure } from "../../../shared/cni/errors.ts";
import { release } from "./allocator.ts";
import { configFromContext } from "./add.ts";
import { withStore, type HostLocalDeps } from "./deps.ts";

export function cmdDel(ctx: CmdContext, deps: HostLocalDeps): void {
  const cfg = configFromContext(ctx);
  const who = { id: ctx.containerId, ifname: ctx.ifname };
  const errors: string[] = [];
  withStore(deps, cfg.dataDir, cfg.name, (store) => {
    for (let i = 0; i < cfg.ranges.length; i++) {
      try {
        release(store, who);
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
      }
    }
  });
  if (errors.length > 0) throw ioFailure(errors.join(";"));
}
