// bridge DEL: idempotent, works when the netns or the link is already gone.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { teardownSpoofCheck } from "../../../shared/firewall/spoofcheck.ts";
import { ipamDel } from "../pod/ipam.ts";
import { delMasquerade } from "../pod/masq.ts";
import { runTeardown, type TeardownStep } from "../../../shared/undo.ts";
import { deleteContainerLink } from "../pod/teardown.ts";
import { loadBridgeConfig } from "./add.ts";

export async function del(ctx: CmdContext): Promise<void> {
  const cfg = loadBridgeConfig(ctx);
  const steps: TeardownStep[] = [
    ["delete container interface", () => deleteContainerLink(ctx)],
    ["release IP", () => ipamDel(ctx)],
  ];
  if (cfg.macspoofchk) steps.push(["remove macspoofchk rules", () => teardownSpoofCheck(`${ctx.containerId}-${ctx.ifname}`)]);
  if (cfg.hasIpam && cfg.ipMasq) steps.push(["remove masquerade rules", () => delMasquerade(ctx)]);
  await runTeardown(steps);
}
