// macvlan CHECK as the reference: IPAM CHECK, the master, then in the pod netns the link (kind,
// mode, MAC), its addresses and the result's routes.
import { delegateCheck } from "../../../shared/cni/delegate.ts";
import { internalError } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { checkAddresses, checkRoutes } from "../pod/check.ts";
import { withPodHandles } from "../pod/handles.ts";
import { checkMtuFits, findMaster, masterConn } from "../pod/master.ts";
import { checkPodLink, findPodInterface } from "../pod/single-iface.ts";
import { MACVLAN_MODES, macvlanConfigOf } from "./config.ts";

const fail = (msg: string): never => {
  throw internalError(msg);
};

const modeName = (mode: number | undefined): string =>
  Object.keys(MACVLAN_MODES).find((k) => MACVLAN_MODES[k] === mode) ?? String(mode);

export async function check(ctx: CmdContext): Promise<void> {
  const cfg = macvlanConfigOf(ctx);
  await withPodHandles(ctx.netns, async (h) => {
    checkMtuFits(cfg.mtu, findMaster(masterConn(h, cfg.linkInContainer), cfg.master));
    if (cfg.ipamType) await delegateCheck(cfg.ipamType, ctx);
    const result = ctx.conf.prevResult ?? fail("Required prevResult missing");
    const link = checkPodLink(h, findPodInterface(result, ctx.ifname, ctx.netns), "macvlan");
    if (link.macvlan?.mode !== cfg.mode) {
      fail(`Container macvlan mode ${modeName(link.macvlan?.mode)} does not match expected value: ${cfg.modeName}`);
    }
    checkAddresses(h, link, result);
    checkRoutes(h, result);
  });
}
