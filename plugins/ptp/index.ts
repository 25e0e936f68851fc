// The ptp plugin: a point-to-point veth per pod, routed (not bridged) through the host.
import { delegateGC, delegateStatus } from "../../shared/cni/delegate.ts";
import type { GcContext, Plugin, StatusContext } from "../../shared/cni/plugin.ts";
import { SUPPORTED_VERSIONS } from "../../shared/cni/version.ts";
import { gcIPMasq } from "../../shared/firewall/nft.ts";
import { runTeardown } from "../../shared/pod/teardown.ts";
import { add } from "./add.ts";
import { check } from "./check.ts";
import { del } from "./del.ts";

async function gc(ctx: GcContext): Promise<void> {
  const valid = ctx.validAttachments.map((a) => ({ containerId: a.containerID, ifname: a.ifname }));
  await runTeardown([
    ["remove stale masquerade rules", () => gcIPMasq(ctx.conf.name, valid)],
    [`GC through ${ctx.conf.ipam?.type}`, () => delegateGC(ctx.conf.ipam!.type, ctx)],
  ]);
}

async function status(ctx: StatusContext): Promise<void> {
  if (ctx.conf.ipam?.type) await delegateStatus(ctx.conf.ipam.type, ctx);
}

const plugin: Plugin = { type: "ptp", supportedVersions: SUPPORTED_VERSIONS, add, del, check, gc, status };
export default plugin;
