// The bridge plugin: a veth per pod, host end on a Linux bridge, container end addressed from IPAM.
// The entry: builds the production deps from the skel's IO and hands them to each verb.
import type { CmdContext, GcContext, Plugin, StatusContext } from "../../../shared/cni/plugin.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { status } from "../pod/gc.ts";
import { systemPodDeps } from "../pod/system-deps.ts";
import { add } from "./add.ts";
import { check } from "./check.ts";
import { del } from "./del.ts";
import { gc } from "./gc.ts";
import { SystemBridgeNet } from "./system-net.ts";

const deps = (ctx: CmdContext | GcContext | StatusContext) =>
  systemPodDeps(ctx, "containerId" in ctx ? `bridge ${ctx.containerId}/${ctx.ifname}` : "bridge", SystemBridgeNet.open);

const plugin: Plugin = {
  type: "bridge",
  supportedVersions: SUPPORTED_VERSIONS,
  add: (ctx) => add(ctx, deps(ctx)),
  del: (ctx) => del(ctx, deps(ctx)),
  check: (ctx) => check(ctx, deps(ctx)),
  gc: (ctx) => gc(ctx, deps(ctx)),
  status: (ctx) => status(ctx, deps(ctx)),
};
export default plugin;
