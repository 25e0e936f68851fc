// host-device CHECK as the reference: IPAM CHECK, prevResult required; in DPDK mode nothing more;
// else the prevResult's interface is in this sandbox, the link exists there with its MAC (any kind),
// and the result's addresses and routes are present.
import { delegateCheck } from "../../../shared/cni/delegate.ts";
import { internalError } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { usingNetns } from "../../../shared/ns/netns.ts";
import { checkAddresses, checkRoutes } from "../pod/check.ts";
import { withPodHandles } from "../pod/handles.ts";
import { checkPodLink, findPodInterface } from "../pod/single-iface.ts";
import { parseHostDeviceConfig } from "./config.ts";
import { selectDevice, type Sysfs } from "./select.ts";

const fail = (msg: string): never => {
  throw internalError(msg);
};

export async function check(ctx: CmdContext, sysfs: Sysfs): Promise<void> {
  const cfg = parseHostDeviceConfig(ctx.conf);
  const { dpdk } = selectDevice(cfg, sysfs);
  if (dpdk) {
    usingNetns(ctx.netns, () => undefined);
    if (cfg.ipamType) await delegateCheck(cfg.ipamType, ctx);
    if (!ctx.conf.prevResult) fail("Required prevResult missing");
    return;
  }
  await withPodHandles(ctx.netns, async (h) => {
    if (cfg.ipamType) await delegateCheck(cfg.ipamType, ctx);
    const result = ctx.conf.prevResult ?? fail("Required prevResult missing");
    const link = checkPodLink(h, findPodInterface(result, ctx.ifname, ctx.netns), undefined);
    checkAddresses(h, link, result);
    checkRoutes(h, result);
  });
}
