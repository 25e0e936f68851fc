// macvlan ADD: a macvlan on the master, created straight into the pod netns under a temporary name
// and renamed there (pod/link.ts), then IPAM and the reference's ConfigureIface. Every step's inverse
// is on the undo stack: a failure leaves neither the link nor the IP behind.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import { createMacvlan } from "../../../shared/netlink/links.ts";
import { UndoStack } from "../../../shared/undo.ts";
import { withPodHandles, type PodHandles } from "../pod/handles.ts";
import { ipamAdd } from "../pod/ipam.ts";
import { landPodLink } from "../pod/link.ts";
import { checkMtuFits, findMaster, masterConn } from "../pod/master.ts";
import { bringUp, configurePodIface, podIfaceResult } from "../pod/single-iface.ts";
import { macvlanConfigOf, type MacvlanConfig } from "./config.ts";

export async function add(ctx: CmdContext): Promise<Result> {
  const cfg = macvlanConfigOf(ctx);
  const log = (line: string) => process.stderr.write(`macvlan ${ctx.containerId}/${ctx.ifname}: ${line}\n`);
  return withPodHandles(ctx.netns, (h) =>
    new UndoStack().run(async (undo) => {
      const link = createLink(ctx, cfg, h, undo);
      if (!cfg.ipamType) return withDns(podIfaceResult(ctx, bringUp(h, link)), cfg);
      const result = podIfaceResult(ctx, link, await ipamAdd(ctx, undo));
      configurePodIface(h, link, result, { notify: true });
      return withDns(result, cfg);
    }, log),
  );
}

function createLink(ctx: CmdContext, cfg: MacvlanConfig, h: PodHandles, undo: UndoStack) {
  const conn = masterConn(h, cfg.linkInContainer);
  const master = findMaster(conn, cfg.master);
  checkMtuFits(cfg.mtu, master);
  return landPodLink(h, undo, {
    ifname: ctx.ifname,
    what: "macvlan",
    arrive: (name) =>
      createMacvlan(conn, {
        name,
        parent: master,
        mode: cfg.mode,
        mtu: cfg.mtu || undefined,
        mac: cfg.mac,
        bcQueueLen: cfg.bcQueueLen,
        netnsFd: cfg.linkInContainer ? undefined : h.ctrNs.fd,
      }),
  });
}

/** The reference replaces the result's dns with the network's (IPAM's is dropped). */
function withDns(result: Result, cfg: MacvlanConfig): Result {
  if (Object.keys(cfg.dns).length > 0) result.dns = { ...cfg.dns };
  else delete result.dns;
  return result;
}
