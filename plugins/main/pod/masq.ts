// ipMasq for bridge and ptp through the firewall driver: rules in the reference's nftables layout,
// plus removal of the reference's iptables chain on DEL so a node upgraded in place leaks nothing.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import type { FirewallDriver, MasqAttachment } from "../../../shared/firewall/types.ts";
import { traced } from "../../../shared/trace.ts";
import type { UndoStack } from "../../../shared/undo.ts";

function attachment(ctx: CmdContext): MasqAttachment {
  return { network: ctx.conf.name, ifname: ctx.ifname, containerId: ctx.containerId };
}

export function addMasquerade(fw: FirewallDriver, ctx: CmdContext, result: Result, undo: UndoStack): void {
  const ips = (result.ips ?? []).map((ip) => ({ address: ip.address }));
  fw.setupIPMasq({ ...attachment(ctx), ips });
  undo.push("remove masquerade rules", () => fw.teardownIPMasq(attachment(ctx)));
}

/** Needs no IPs: rules are found by their comment, the legacy chain by its name hash. */
export async function delMasquerade(fw: FirewallDriver, ctx: CmdContext): Promise<void> {
  await traced("nft masquerade teardown", () => fw.teardownIPMasq(attachment(ctx)));
  await traced("legacy iptables masquerade teardown", () => fw.teardownLegacyIPMasq(ctx.conf.name, ctx.containerId));
}

export function checkMasquerade(fw: FirewallDriver, ctx: CmdContext, result: Result): void {
  const ips = (result.ips ?? []).map((ip) => ({ address: ip.address }));
  fw.checkIPMasq({ ...attachment(ctx), ips });
}
