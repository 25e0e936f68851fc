// bridge DEL: idempotent, works when the netns or the link is already gone.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { delMasquerade } from "../pod/masq.ts";
import { runTeardown, type TeardownStep } from "../../../shared/undo.ts";
import { loadBridgeConfig, spoofAttachment, type BridgeDeps } from "./add.ts";

export async function del(ctx: CmdContext, deps: BridgeDeps): Promise<void> {
  const cfg = loadBridgeConfig(ctx, true);
  const steps: TeardownStep[] = [
    // IPAM first, as the reference: dhcp sends its DHCPRELEASE from the pod interface
    ["release IP", () => deps.ipam.del(ctx)],
    ["delete container interface", () => deps.deleteContainerIface(ctx.netns, ctx.ifname)],
  ];
  if (cfg.macspoofchk) steps.push(["remove macspoofchk rules", () => deps.firewall.teardownSpoofCheck(spoofAttachment(ctx))]);
  if (cfg.hasIpam && cfg.ipMasq) steps.push(["remove masquerade rules", () => delMasquerade(deps.firewall, ctx)]);
  await runTeardown(steps);
}
