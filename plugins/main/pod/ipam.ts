// IPAM for main plugins (bridge, ptp): the delegating Ipam (exec CNI_PATH/<ipam.type>, or in-process
// when that file is tscni itself); ADD registers its own rollback on the undo stack; DEL always runs,
// with or without a netns (an IP must never leak).
import { delegateAdd, delegateCheck, delegateDel, delegateGC, delegateStatus } from "../../../shared/cni/delegate.ts";
import { internalError } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import type { UndoStack } from "../../../shared/undo.ts";
import type { Ipam } from "./deps.ts";

/** Delegates each verb to the configured ipam.type; no ipam.type = nothing to do (L2 only). */
export const delegatingIpam: Ipam = {
  add: (ctx) => delegateAdd(ctx.conf.ipam!.type, ctx),
  del: async (ctx) => {
    if (ctx.conf.ipam?.type) await delegateDel(ctx.conf.ipam.type, ctx);
  },
  check: async (ctx) => {
    if (ctx.conf.ipam?.type) await delegateCheck(ctx.conf.ipam.type, ctx);
  },
  gc: async (ctx) => {
    if (ctx.conf.ipam?.type) await delegateGC(ctx.conf.ipam.type, ctx);
  },
  status: async (ctx) => {
    if (ctx.conf.ipam?.type) await delegateStatus(ctx.conf.ipam.type, ctx);
  },
};

/** IPAM ADD with its inverse pushed as soon as it succeeded. */
export async function ipamAdd(ipam: Ipam, ctx: CmdContext, undo: UndoStack): Promise<Result> {
  const result = await ipam.add(ctx);
  undo.push(`release IP through ${ctx.conf.ipam!.type}`, () => ipam.del(ctx));
  if (!result.ips?.length) throw internalError("IPAM plugin returned missing IP config");
  return result;
}
