// route_localnet on the host interface that routes the container's IPv4 address (reference
// enableLocalnetRouting): lets 127.0.0.1:hostPort, DNAT-ed to the container, leave through it.
import { AF_INET } from "../../../shared/ip/index.ts";
import { NetlinkHandle } from "../../../shared/netlink/client.ts";
import { getLinkByIndex } from "../../../shared/netlink/links.ts";
import { listRoutes } from "../../../shared/netlink/routes.ts";
import { writeSysctl } from "../../../shared/sys/sysctl.ts";
import { routeOifFor } from "./route-pick.ts";

/** Sets route_localnet=1 on the interface routing `ip`; returns its name (undefined: no route, as the reference skips). */
export function enableLocalnetFor(ip: string): string | undefined {
  const h = NetlinkHandle.open();
  try {
    const oif = routeOifFor(listRoutes(h, { family: AF_INET }), ip);
    if (oif === undefined) return undefined;
    const link = getLinkByIndex(h, oif);
    if (!link) return undefined;
    writeSysctl(`net/ipv4/conf/${link.name}/route_localnet`, 1);
    return link.name;
  } finally {
    h.close();
  }
}
