// ipvlan CHECK: IPAM CHECK, the master (when named), then the pod link (kind, mode, MAC), its
// addresses and the result's routes.
import { delegateCheck } from "../../../shared/cni/delegate.ts";
import { internalError } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { checkAddresses, checkRoutes } from "../pod/check.ts";
import { withPodHandles } from "../pod/handles.ts";
import { findMaster, masterConn } from "../pod/master.ts";
import { checkPodLink, findPodInterface } from "../pod/single-iface.ts";
import { IPVLAN_MODES, parseIpvlanConfig } from "./config.ts";

const fail = (msg: string): never => {
  throw internalError(msg);
};

const modeName = (mode: number | undefined): string =>
  Object.keys(IPVLAN_MODES).find((k) => IPVLAN_MODES[k] === mode) ?? String(mode);

export async function check(ctx: CmdContext): Promise<void> {
  const cfg = parseIpvlanConfig(ctx.conf);
  await withPodHandles(ctx.netns, async (h) => {
    if (cfg.ipamType) await delegateCheck(cfg.ipamType, ctx);
    const result = ctx.conf.prevResult ?? fail("Required prevResult missing");
    const iface = findPodInterface(result, ctx.ifname, ctx.netns);
    // chained (no master named), the prevResult is our own result: the master is whatever the link sits on
    if (cfg.master) findMaster(masterConn(h, cfg.linkInContainer), cfg.master);
    const link = checkPodLink(h, iface, "ipvlan");
    if (link.ipvlan?.mode !== cfg.mode) {
      fail(`container ipvlan mode ${modeName(link.ipvlan?.mode)} does not match expected value: ${cfg.modeName}`);
    }
    checkAddresses(h, link, result);
    checkRoutes(h, result);
  });
}
