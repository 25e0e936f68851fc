// host-local STATUS (spec 1.1): ready when the config is valid and the store directory is usable
// (writable, or creatable under a writable parent); otherwise error 50. Creates nothing.
import * as path from "node:path";
import type { StatusContext } from "../../../shared/cni/plugin.ts";
import { pluginNotAvailable } from "../../../shared/cni/errors.ts";
import { parseConfig } from "./config.ts";
import type { HostLocalDeps } from "./deps.ts";

export function cmdStatus(ctx: StatusContext, deps: HostLocalDeps): void {
  const cfg = parseConfig({ raw: ctx.conf.raw, cniArgs: [], ignoreUnknownArgs: true });
  const dir = path.join(cfg.dataDir, cfg.name);
  try {
    deps.checkWritableDir(dir);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw pluginNotAvailable(`host-local: data dir ${dir} is not usable`, why);
  }
}
