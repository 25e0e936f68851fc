// The production PtpNet (net.ts) over the two namespaces' netlink handles.
import type { IPConfig } from "../../../shared/cni/types.ts";
import { familyBits, familyOf, formatCIDR, networkOf, parseCIDR } from "../../../shared/ip/index.ts";
import { addAddress } from "../../../shared/netlink/addresses.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import { RT_SCOPE_HOST, RT_SCOPE_LINK } from "../../../shared/netlink/codec/route.ts";
import { isExists, isNotFound } from "../../../shared/netlink/errors.ts";
import { addRoute, deleteRoute } from "../../../shared/netlink/routes.ts";
import { PodHandles } from "../pod/handles.ts";
import { SystemPodNet } from "../pod/system-net.ts";
import type { VethPair } from "../pod/veth.ts";
import type { PtpNet } from "./net.ts";

const hostBits = (ip: string): number => familyBits(familyOf(ip) ?? 4);
const plainIp = (cidr: string): string => cidr.slice(0, cidr.indexOf("/"));

export class SystemPtpNet extends SystemPodNet implements PtpNet {
  static override open(netns: string): SystemPtpNet {
    return new SystemPtpNet(PodHandles.open(netns));
  }

  routeThroughGateway(veth: VethPair, ips: readonly IPConfig[]): void {
    for (const ipc of ips) routeOne(this.h, veth.container, ipc);
  }

  configureHostSide(veth: VethPair, ips: readonly IPConfig[]): void {
    for (const ipc of ips) {
      const ip = plainIp(ipc.address);
      const bits = hostBits(ip);
      addAddress(this.h.host, { link: veth.host, cidr: `${ipc.gateway}/${bits}`, nodad: bits === 128 });
      try {
        addRoute(this.h.host, { dst: `${ip}/${bits}`, dev: veth.host, scope: RT_SCOPE_HOST });
      } catch (e) {
        if (!isExists(e)) throw e;
      }
    }
  }
}

/** Replaces the kernel's "subnet dev eth0" route: every packet, even to a neighbour pod, goes through the host. */
function routeOne(h: PodHandles, ctr: Link, ipc: IPConfig): void {
  const subnet = formatCIDR(networkOf(parseCIDR(ipc.address)!));
  const src = plainIp(ipc.address);
  try {
    deleteRoute(h.ctr, { dst: subnet, dev: ctr, scope: 255 });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  const batch = h.ctr.batch();
  addRoute(batch, { dst: `${ipc.gateway}/${hostBits(src)}`, dev: ctr, scope: RT_SCOPE_LINK, src });
  addRoute(batch, { dst: subnet, gw: ipc.gateway, dev: ctr, src });
  batch.commit();
}
