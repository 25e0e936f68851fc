// The dummy plugin (reference v1.2.0+): the pod gets a dummy link carrying the IPAM addresses. The
// result keeps IPAM's dns (the network's dns is ignored, as the reference); CHECK also wants it up.
import { delegateCheck } from "../../../shared/cni/delegate.ts";
import { internalError, invalidConfig } from "../../../shared/cni/errors.ts";
import type { CmdContext, Plugin } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { createDummy } from "../../../shared/netlink/links.ts";
import { checkAddresses } from "../pod/check.ts";
import { withPodHandles } from "../pod/handles.ts";
import { delegatingIpam, ipamAdd } from "../pod/ipam.ts";
import { addPodIface, checkPodLink, delPodIface, findPodInterface, gcThroughIpam, statusThroughIpam } from "../pod/single-iface.ts";

const fail = (msg: string): never => {
  throw internalError(msg);
};

function ipamTypeOf(ctx: CmdContext): string {
  return ctx.conf.ipam?.type || (() => { throw invalidConfig("dummy interface requires an IPAM configuration"); })();
}

async function add(ctx: CmdContext): Promise<Result> {
  ipamTypeOf(ctx);
  return addPodIface(ctx, {
    what: "dummy",
    // created inside the pod netns: nothing to resolve on the host
    prepare: (h) => (name) => createDummy(h.ctr, { name }),
    addresses: (undo) => ipamAdd(delegatingIpam, ctx, undo),
    notify: false,
    dns: "ipam",
  });
}

async function check(ctx: CmdContext): Promise<void> {
  const ipam = ipamTypeOf(ctx);
  await withPodHandles(ctx.netns, async (h) => {
    await delegateCheck(ipam, ctx);
    const result = ctx.conf.prevResult ?? fail("Required prevResult missing");
    const link = checkPodLink(h, findPodInterface(result, ctx.ifname, ctx.netns), "dummy");
    if (!link.up) fail(`Error: Container interface ${link.name} is down`);
    checkAddresses(h, link, result);
  });
}

const plugin: Plugin = { type: "dummy", supportedVersions: SUPPORTED_VERSIONS, add, del: delPodIface, check, status: statusThroughIpam, gc: gcThroughIpam };
export default plugin;
