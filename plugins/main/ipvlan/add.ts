// ipvlan ADD: an ipvlan of the master landed in the pod netns (pod/link.ts), its IPs from IPAM or,
// chained without ipam.type, from the prevResult. Unlike the reference, the link is removed again when
// IPAM or a later step fails (the reference leaks it into the pod netns).
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import { createIpvlan } from "../../../shared/netlink/links.ts";
import type { UndoStack } from "../../../shared/undo.ts";
import type { PodHandles } from "../pod/handles.ts";
import { delegatingIpam, ipamAdd } from "../pod/ipam.ts";
import { findMaster, masterConn } from "../pod/master.ts";
import { addPodIface } from "../pod/single-iface.ts";
import { masterName, parseIpvlanConfig, type IpvlanConfig } from "./config.ts";

export async function add(ctx: CmdContext): Promise<Result> {
  const cfg = parseIpvlanConfig(ctx.conf);
  const master = masterName(cfg, ctx.conf);
  return addPodIface(ctx, {
    what: "ipvlan",
    prepare: (h) => prepare(cfg, master, h),
    addresses: (undo) => addresses(ctx, cfg, undo),
    notify: true,
    dns: cfg.dns,
  });
}

function prepare(cfg: IpvlanConfig, masterName: string, h: PodHandles): (tempName: string) => void {
  const conn = masterConn(h, cfg.linkInContainer);
  const master = findMaster(conn, masterName);
  return (name) =>
    createIpvlan(conn, {
      name,
      parent: master,
      mode: cfg.mode,
      mtu: cfg.mtu || undefined,
      netnsFd: cfg.linkInContainer ? undefined : h.ctrNs.fd,
    });
}

/** IPAM ADD; chained without ipam.type, the prevResult's IPs, routes and dns are reused. */
async function addresses(ctx: CmdContext, cfg: IpvlanConfig, undo: UndoStack): Promise<Result> {
  const prev = ctx.conf.prevResult;
  if (!cfg.ipamType && prev?.ips?.length) return prev;
  if (!cfg.ipamType) throw invalidConfig("ipvlan needs an IPAM configuration (ipam.type) unless chained after a plugin that returned IPs");
  return ipamAdd(delegatingIpam, ctx, undo);
}
