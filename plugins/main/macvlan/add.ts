// macvlan ADD: a macvlan on the master, created straight into the pod netns under a temporary name
// and renamed there (pod/link.ts), then IPAM and the reference's ConfigureIface (pod/single-iface.ts).
// Every step's inverse is on the undo stack: a failure leaves neither the link nor the IP behind.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import { createMacvlan } from "../../../shared/netlink/links.ts";
import type { PodHandles } from "../pod/handles.ts";
import { delegatingIpam, ipamAdd } from "../pod/ipam.ts";
import { checkMtuFits, findMaster, masterConn } from "../pod/master.ts";
import { addPodIface } from "../pod/single-iface.ts";
import { macvlanConfigOf, type MacvlanConfig } from "./config.ts";

export async function add(ctx: CmdContext): Promise<Result> {
  const cfg = macvlanConfigOf(ctx);
  return addPodIface(ctx, {
    what: "macvlan",
    prepare: (h) => prepare(cfg, h),
    addresses: async (undo) => (cfg.ipamType ? ipamAdd(delegatingIpam, ctx, undo) : undefined),
    notify: true,
    dns: cfg.dns,
  });
}

function prepare(cfg: MacvlanConfig, h: PodHandles): (tempName: string) => void {
  const conn = masterConn(h, cfg.linkInContainer);
  const master = findMaster(conn, cfg.master);
  checkMtuFits(cfg.mtu, master);
  return (name) =>
    createMacvlan(conn, {
      name,
      parent: master,
      mode: cfg.mode,
      mtu: cfg.mtu || undefined,
      mac: cfg.mac,
      bcQueueLen: cfg.bcQueueLen,
      netnsFd: cfg.linkInContainer ? undefined : h.ctrNs.fd,
    });
}
