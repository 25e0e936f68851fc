// vlan ADD: an 802.1Q link on the master landed in the pod netns (pod/link.ts), IPAM, ConfigureIface.
// Unlike the reference, the link is removed again when IPAM or a later step fails.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import { createVlan } from "../../../shared/netlink/links.ts";
import type { PodHandles } from "../pod/handles.ts";
import { delegatingIpam, ipamAdd } from "../pod/ipam.ts";
import { checkMtuFits, findMaster, masterConn } from "../pod/master.ts";
import { addPodIface } from "../pod/single-iface.ts";
import { parseVlanConfig, type VlanConfig } from "./config.ts";

export async function add(ctx: CmdContext): Promise<Result> {
  const cfg = parseVlanConfig(ctx.conf);
  return addPodIface(ctx, {
    what: "vlan",
    prepare: (h) => prepare(cfg, h),
    addresses: (undo) => ipamAdd(delegatingIpam, ctx, undo),
    notify: false,
    dns: cfg.dns,
  });
}

function prepare(cfg: VlanConfig, h: PodHandles): (tempName: string) => void {
  const conn = masterConn(h, cfg.linkInContainer);
  const master = findMaster(conn, cfg.master);
  checkMtuFits(cfg.mtu, master);
  return (name) =>
    createVlan(conn, {
      name,
      parent: master,
      vlanId: cfg.vlanId,
      mtu: cfg.mtu || undefined,
      netnsFd: cfg.linkInContainer ? undefined : h.ctrNs.fd,
    });
}
