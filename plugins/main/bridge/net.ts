// bridge's kernel steps beyond the pod veth (pod/net.ts): the bridge device, the port, the gateway
// addresses. Types only; system-net.ts does them through netlink; unit tests pass a fake.
import type { Result } from "../../../shared/cni/types.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import type { PodNet } from "../pod/net.ts";
import type { BridgeConfig } from "./config.ts";

export interface BridgeNet extends PodNet {
  /** Creates the bridge unless it exists (shared by every pod: never rolled back), brings it up. */
  ensureBridge(cfg: BridgeConfig): Link;
  /** Makes the pod's host veth a port of the bridge (hairpin, isolation, VLANs). */
  attachPort(port: Link, br: Link, cfg: BridgeConfig): void;
  /** Gateway addresses on the bridge (or its VLAN gateway, added to the result), forwarding on. */
  addGateways(cfg: BridgeConfig, br: Link, addrs: readonly string[], result: Result): void;
  /** Waits until the port forwards; returns it as the kernel reports it then. */
  portUp(name: string): Link;
  /** The bridge as the kernel reports it now. */
  bridge(name: string): Link;
}
