// GC (spec 1.1): removes this network's port forwards whose container is not among the valid
// attachments. Entries are tagged per network, so other networks' forwards are never touched.
import type { GcContext } from "../../../shared/cni/plugin.ts";
import type { PortmapDeps } from "./deps.ts";
import { mapped } from "./errors.ts";

export function cmdGc(ctx: GcContext, deps: PortmapDeps): void {
  const valid = new Set(ctx.validAttachments.map((a) => a.containerID));
  mapped(() => deps.firewall.gcPortForward(ctx.conf.name, valid));
}
