// Gateway bookkeeping from the IPAM result, as the reference's calcGateways: every IP belongs to the
// container interface (index 2), a missing gateway is network+1 when isGateway, and isDefaultGateway
// adds a default route per family unless IPAM already gave one with a gateway.
import type { Result, Route } from "../../../shared/cni/types.ts";
import { formatIP, networkAddress, nextIP, parseCIDR } from "../../../shared/ip/index.ts";
import type { BridgeConfig } from "./config.ts";

export const CONTAINER_IFACE_INDEX = 2;

/** CIDRs (gateway/prefix) to put on the bridge, in result order. */
export function applyGateways(result: Result, cfg: BridgeConfig): string[] {
  const bridgeAddrs: string[] = [];
  const defaultDone = { 4: false, 6: false };
  for (const ipc of result.ips ?? []) {
    const cidr = parseCIDR(ipc.address)!;
    const family = cidr.ip.family;
    ipc.interface = CONTAINER_IFACE_INDEX;
    if (!ipc.gateway && cfg.isGateway) ipc.gateway = formatIP(nextIP(networkAddress(cidr))!);
    if (cfg.isDefaultGateway && !defaultDone[family]) {
      const dst = family === 4 ? "0.0.0.0/0" : "::/0";
      if (!(result.routes ?? []).some((r) => r.gw && r.dst === dst)) {
        const route: Route = { dst };
        if (ipc.gateway) route.gw = ipc.gateway;
        (result.routes ??= []).push(route);
      }
      defaultDone[family] = true;
    }
    if (cfg.isGateway && ipc.gateway) bridgeAddrs.push(`${ipc.gateway}/${cidr.prefix}`);
  }
  return bridgeAddrs;
}
