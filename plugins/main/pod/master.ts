// The parent ("master") link of a stacked pod interface (macvlan, ipvlan, vlan): looked up by name in
// the host netns, or in the pod netns with linkInContainer; an empty name means the interface of the
// first default route there, as the reference resolves it.
import { internalError } from "../../../shared/cni/errors.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import { getLinkByIndex, getLinkByName } from "../../../shared/netlink/links.ts";
import type { NetlinkConn } from "../../../shared/netlink/request.ts";
import { listRoutes } from "../../../shared/netlink/routes.ts";
import type { PodHandles } from "./handles.ts";

const fail = (msg: string): never => {
  throw internalError(msg);
};

/** The handle of the netns the master lives in. */
export function masterConn(h: PodHandles, inContainer: boolean): NetlinkConn {
  return inContainer ? h.ctr : h.host;
}

/** The name of the first main-table default route's output interface (IPv4 routes come first). */
function defaultRouteInterface(c: NetlinkConn): string {
  for (const r of listRoutes(c, {})) {
    if (r.dstLen !== 0 || !r.oif) continue;
    const link = getLinkByIndex(c, r.oif);
    if (link) return link.name;
  }
  return fail("no default route interface found");
}

/** The master link: by name, or (name "") the default route's interface. */
export function findMaster(c: NetlinkConn, name: string): Link {
  const wanted = name || defaultRouteInterface(c);
  return getLinkByName(c, wanted) ?? fail(`failed to lookup master "${wanted}": Link not found`);
}

/** A configured MTU must fit the master's (0 = inherit), as the reference's loadConf checks it. */
export function checkMtuFits(mtu: number, master: Link): void {
  const max = master.mtu ?? 0;
  if (mtu < 0 || mtu > max) fail(`invalid MTU ${mtu}, must be [0, master MTU(${max})]`);
}
