// DEL: the config is validated as on ADD (like the reference); then the ifb is deleted, missing or not.
// The host veth's qdiscs and filter go away with the veth, and the container netns is not needed.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { NetlinkHandle } from "../../../shared/netlink/client.ts";
import { ifbDeviceName, parseConfig } from "./config.ts";
import { tracedSync } from "../../../shared/trace.ts";
import { removeIfb } from "./shaping.ts";

export function cmdDel(ctx: CmdContext): void {
  const cfg = parseConfig(ctx.conf);
  const host = NetlinkHandle.open();
  try {
    tracedSync("delete ifb", () => removeIfb(host, ifbDeviceName(cfg.name, ctx.containerId)));
  } finally {
    host.close();
  }
}
