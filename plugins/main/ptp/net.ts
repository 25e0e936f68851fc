// ptp's kernel steps beyond the pod veth (pod/net.ts): every packet of the pod routed through the
// host end, which holds the gateway(s). Types only; system-net.ts does them through netlink.
import type { IPConfig } from "../../../shared/cni/types.ts";
import type { PodNet } from "../pod/net.ts";
import type { VethPair } from "../pod/veth.ts";
export interface PtpNet extends PodNet {
  /** In the container: "gw/32 dev eth0 scope link" and "subnet via gw" instead of the on-link subnet route. */
  routeThroughGateway(veth: VethPair, ips: readonly IPConfig[]): void;
  /** On the host end: each gateway as a host address, a host route to each pod IP. */
  configureHostSide(veth: VethPair, ips: readonly IPConfig[]): void;
}
