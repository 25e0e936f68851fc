// bridge DEL: idempotent, works when the netns or the link is already gone.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { PodDeps } from "../pod/deps.ts";
import { delMasquerade } from "../pod/masq.ts";
import { runTeardown, type TeardownStep } from "../../../shared/undo.ts";
import { deleteContainerLink } from "../pod/teardown.ts";
import { loadBridgeConfig, spoofCheckId } from "./add.ts";

export async function del(ctx: CmdContext, deps: PodDeps): Promise<void> {
  const cfg = loadBridgeConfig(ctx);
  const steps: TeardownStep[] = [
    ["delete container interface", () => deleteContainerLink(ctx)],
    ["release IP", () => deps.ipam.del(ctx)],
  ];
  if (cfg.macspoofchk) steps.push(["remove macspoofchk rules", () => deps.firewall.teardownSpoofCheck(spoofCheckId(ctx))]);
  if (cfg.hasIpam && cfg.ipMasq) steps.push(["remove masquerade rules", () => delMasquerade(deps.firewall, ctx)]);
  await runTeardown(steps);
}
