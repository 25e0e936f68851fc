// The ptp plugin: a point-to-point veth per pod, routed (not bridged) through the host.
// The entry: builds the production deps from the skel's IO and hands them to each verb.
import type { CmdContext, GcContext, Plugin, StatusContext } from "../../../shared/cni/plugin.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { gc, status } from "../pod/gc.ts";
import { systemPodDeps } from "../pod/system-deps.ts";
import { add } from "./add.ts";
import { check } from "./check.ts";
import { del } from "./del.ts";
import { SystemPtpNet } from "./system-net.ts";

const deps = (ctx: CmdContext | GcContext | StatusContext) =>
  systemPodDeps(ctx, "containerId" in ctx ? `ptp ${ctx.containerId}/${ctx.ifname}` : "ptp", SystemPtpNet.open);

const plugin: Plugin = {
  type: "ptp",
  supportedVersions: SUPPORTED_VERSIONS,
  add: (ctx) => add(ctx, deps(ctx)),
  del: (ctx) => del(ctx, deps(ctx)),
  check: (ctx) => check(ctx, deps(ctx)),
  gc: (ctx) => gc(ctx, deps(ctx)),
  status: (ctx) => status(ctx, deps(ctx)),
};
export default plugin;
