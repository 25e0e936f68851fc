// DEL: the config is validated as on ADD (like the reference); then the ifb is deleted, missing or not.
// The host veth's qdiscs and filter go away with the veth, and the container netns is not needed.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { tracedSync } from "../../../shared/trace.ts";
import { ifbDeviceName, parseConfig } from "./config.ts";
import type { BandwidthDeps } from "./deps.ts";

export function cmdDel(ctx: CmdContext, deps: BandwidthDeps): void {
  const cfg = parseConfig(ctx.conf);
  tracedSync("delete ifb", () => deps.deleteIfb(ifbDeviceName(cfg.name, ctx.containerId)));
}
