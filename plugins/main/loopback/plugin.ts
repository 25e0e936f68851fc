// loopback: brings `lo` up in the container netns (ADD) and down (DEL). Result as the reference:
// the lo interface with its sandbox and every address lo carries, unless a prevResult is passed on.
import { internalError } from "../../../shared/cni/errors.ts";
import type { CmdContext, Plugin } from "../../../shared/cni/plugin.ts";
import type { IPConfig, Result } from "../../../shared/cni/types.ts";
import { CURRENT_VERSION } from "../../../shared/cni/types.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { listAddresses } from "../../../shared/netlink/addresses.ts";
import { NetlinkHandle } from "../../../shared/netlink/client.ts";
import { getLinkByName, setLinkDown, setLinkUp } from "../../../shared/netlink/links.ts";
import { NetnsGoneError, usingNetns } from "../../../shared/ns/netns.ts";

const LO = "lo";

function inContainer<T>(netns: string, fn: (h: NetlinkHandle) => T): T {
  return usingNetns(netns, (ns) => {
    const h = NetlinkHandle.open(ns);
    try {
      return fn(h);
    } finally {
      h.close();
    }
  });
}

function loAddresses(h: NetlinkHandle, ifindex: number): IPConfig[] {
  return listAddresses(h, { link: ifindex }).map((a) => ({
    interface: 0,
    address: `${a.local ?? a.address}/${a.prefixLen}`,
  }));
}

function add(ctx: CmdContext): Result {
  const ips = inContainer(ctx.netns, (h) => {
    setLinkUp(h, LO);
    const lo = getLinkByName(h, LO);
    if (!lo) throw internalError(`failed to find "${LO}" in ${ctx.netns}`);
    return loAddresses(h, lo.ifindex);
  });
  if (ctx.conf.prevResult) return ctx.conf.prevResult;
  return {
    cniVersion: CURRENT_VERSION,
    interfaces: [{ name: LO, mac: "00:00:00:00:00:00", sandbox: ctx.netns }],
    ips,
  };
}

function del(ctx: CmdContext): void {
  if (!ctx.netns) return;
  try {
    inContainer(ctx.netns, (h) => setLinkDown(h, LO));
  } catch (e) {
    if (e instanceof NetnsGoneError) return; // the container is gone: nothing to bring down
    throw e;
  }
}

function check(ctx: CmdContext): void {
  const up = inContainer(ctx.netns, (h) => getLinkByName(h, LO)?.up ?? false);
  if (!up) throw internalError("loopback interface is down");
}

const plugin: Plugin = { type: "loopback", supportedVersions: SUPPORTED_VERSIONS, add, del, check };
export default plugin;
