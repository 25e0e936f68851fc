// Which host interface routes a container address: the reference asks the kernel (RouteGet) and
// enables route_localnet there. Here: longest-prefix match over the main table's unicast routes,
// lowest metric breaking ties. Pure.
import { RTN_UNICAST, type Route } from "../../../shared/netlink/codec/route.ts";
import { contains, familyBits, makeCidr, parseIP, type IP } from "../../../shared/ip/index.ts";

/** True when the route's destination (absent: default route) covers ip. */
function routeCovers(r: Route, ip: IP): boolean {
  if (r.dst === undefined) return true;
  const dst = parseIP(r.dst);
  if (!dst || dst.family !== ip.family || r.dstLen > familyBits(dst.family)) return false;
  return contains(makeCidr(dst, r.dstLen), ip);
}

/** The output ifindex of the best unicast route to `ip`, or undefined when no route matches. */
export function routeOifFor(routes: readonly Route[], ip: string): number | undefined {
  const addr = parseIP(ip);
  if (!addr) return undefined;
  let best: Route | undefined;
  for (const r of routes) {
    if (r.type !== RTN_UNICAST || r.oif === undefined || !routeCovers(r, addr)) continue;
    const len = r.dst === undefined ? 0 : r.dstLen;
    const better = !best || len > best.dstLen || (len === best.dstLen && (r.priority ?? 0) < (best.priority ?? 0));
    if (better) best = { ...r, dstLen: len };
  }
  return best?.oif;
}
