// ptp DEL: idempotent; the IP and the masquerade rules go even when the netns is already gone.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { PodDeps } from "../pod/deps.ts";
import { delMasquerade } from "../pod/masq.ts";
import { runTeardown, type TeardownStep } from "../../../shared/undo.ts";
import { parsePtpConfig } from "./config.ts";

export async function del(ctx: CmdContext, deps: PodDeps): Promise<void> {
  const cfg = parsePtpConfig(ctx.conf);
  const steps: TeardownStep[] = [
    // IPAM first, as the reference: dhcp sends its DHCPRELEASE from the pod interface
    ["release IP", () => deps.ipam.del(ctx)],
    ["delete container interface", () => deps.deleteContainerIface(ctx.netns, ctx.ifname)],
  ];
  if (cfg.ipMasq) steps.push(["remove masquerade rules", () => delMasquerade(deps.firewall, ctx)]);
  await runTeardown(steps);
}
