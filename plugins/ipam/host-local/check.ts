// host-local CHECK: some allocation must be held by (containerId, ifname) (or by containerId in a
// legacy file), like the reference's cmdCheck.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { internalError } from "../../../shared/cni/errors.ts";
import { configFromContext } from "./add.ts";
import { withStore, type HostLocalDeps } from "./deps.ts";

export function cmdCheck(ctx: CmdContext, deps: HostLocalDeps): void {
  const cfg = configFromContext(ctx);
  const found = withStore(deps, cfg.dataDir, cfg.name, (store) =>
    store.withLock(() => store.findByID(ctx.containerId, ctx.ifname)),
  );
  if (!found) {
    throw internalError(`host-local: Failed to find address added by container ${ctx.containerId}`);
  }
}
