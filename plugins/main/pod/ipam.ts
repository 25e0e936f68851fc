// IPAM delegation for main plugins (bridge, ptp): ADD registers its own rollback on the undo stack;
// DEL always runs, with or without a netns (an IP must never leak).
import { delegateAdd, delegateDel, undoDelegateAdd } from "../../../shared/cni/delegate.ts";
import { internalError } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import type { UndoStack } from "../../../shared/undo.ts";

export async function ipamAdd(ctx: CmdContext, undo: UndoStack): Promise<Result> {
  const type = ctx.conf.ipam!.type;
  const result = await delegateAdd(type, ctx);
  undo.push(`release IP through ${type}`, undoDelegateAdd(type, ctx));
  if (!result.ips?.length) throw internalError("IPAM plugin returned missing IP config");
  return result;
}

export async function ipamDel(ctx: CmdContext): Promise<void> {
  const type = ctx.conf.ipam?.type;
  if (type) await delegateDel(type, ctx);
}
