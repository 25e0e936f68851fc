// ipMasq for bridge and ptp: nftables rules in the reference's current layout, plus removal of the
// reference's iptables chain on DEL so a node upgraded in place from the Go suite leaks nothing.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import { teardownLegacyIptablesMasq } from "../../../shared/firewall/iptables.ts";
import { checkIPMasq, setupIPMasq, systemNft, teardownIPMasq } from "../../../shared/firewall/nft.ts";
import { traced } from "../../../shared/trace.ts";
import type { UndoStack } from "../../../shared/undo.ts";

function attachment(ctx: CmdContext) {
  return { network: ctx.conf.name, ifname: ctx.ifname, containerId: ctx.containerId };
}

export function addMasquerade(ctx: CmdContext, result: Result, undo: UndoStack): void {
  const ips = (result.ips ?? []).map((ip) => ({ address: ip.address }));
  setupIPMasq({ ...attachment(ctx), ips });
  undo.push("remove masquerade rules", () => teardownIPMasq(attachment(ctx)));
}

/** Needs no IPs: rules are found by their comment, the legacy chain by its name hash. */
export async function delMasquerade(ctx: CmdContext): Promise<void> {
  await traced("nft masquerade teardown", () => teardownIPMasq(attachment(ctx)));
  // the nft runner lets it skip forking iptables when no such chain can exist (the common case)
  await traced("legacy iptables masquerade teardown", () => teardownLegacyIptablesMasq(ctx.conf.name, ctx.containerId, systemNft));
}

export function checkMasquerade(ctx: CmdContext, result: Result): void {
  const ips = (result.ips ?? []).map((ip) => ({ address: ip.address }));
  checkIPMasq({ ...attachment(ctx), ips });
}
