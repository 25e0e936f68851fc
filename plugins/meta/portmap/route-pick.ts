// Which host interface routes a container address: the reference asks the kernel (RouteGet) and
// enables route_localnet there. Here: longest-prefix match over the main table's unicast routes,
// lowest metric breaking ties. Pure.
import type { Route } from "../../../shared/netlink/codec/route.ts";
import { parseIp } from "../../../shared/netlink/codec/inet.ts";

const RTN_UNICAST = 1;

function prefixContains(net: Uint8Array, len: number, ip: Uint8Array): boolean {
  if (net.length !== ip.length) return false;
  const full = len >> 3;
  for (let i = 0; i < full; i++) if (net[i] !== ip[i]) return false;
  const rest = len & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((net[full] ?? 0) & mask) === ((ip[full] ?? 0) & mask);
}

/** The output ifindex of the best unicast route to `ip`, or undefined when no route matches. */
export function routeOifFor(routes: readonly Route[], ip: string): number | undefined {
  const addr = parseIp(ip);
  if (!addr) return undefined;
  let best: Route | undefined;
  for (const r of routes) {
    if (r.type !== RTN_UNICAST || r.oif === undefined) continue;
    const dst = r.dst === undefined ? new Uint8Array(addr.length) : parseIp(r.dst);
    const len = r.dst === undefined ? 0 : r.dstLen;
    if (!dst || !prefixContains(dst, len, addr)) continue;
    const better = !best || len > best.dstLen || (len === best.dstLen && (r.priority ?? 0) < (best.priority ?? 0));
    if (better) best = { ...r, dstLen: len };
  }
  return best?.oif;
}
