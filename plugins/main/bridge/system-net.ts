// The production BridgeNet (net.ts): bridge device, port and gateway steps over the node's netlink handle.
import type { Result } from "../../../shared/cni/types.ts";
import { familyOf } from "../../../shared/ip/index.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import { PodHandles } from "../pod/handles.ts";
import { enableForwarding } from "../pod/sysctls.ts";
import { SystemPodNet } from "../pod/system-net.ts";
import type { BridgeConfig } from "./config.ts";
import { bridgeByName, ensureBridge, ensureGatewayAddress } from "./device.ts";
import type { BridgeNet } from "./net.ts";
import { attachToBridge, waitPortUp } from "./port.ts";
import { ensureVlanGateway } from "./vlan-gateway.ts";

export class SystemBridgeNet extends SystemPodNet implements BridgeNet {
  static override open(netns: string): SystemBridgeNet {
    return new SystemBridgeNet(PodHandles.open(netns));
  }
  ensureBridge(cfg: BridgeConfig): Link {
    return ensureBridge(this.h.host, cfg);
  }
  attachPort(port: Link, br: Link, cfg: BridgeConfig): void {
    attachToBridge(this.h.host, port, br, cfg);
  }
  addGateways(cfg: BridgeConfig, br: Link, addrs: readonly string[], result: Result): void {
    if (!addrs.length) return;
    let target = br;
    if (cfg.vlan !== 0) {
      target = ensureVlanGateway(this.h.host, br, cfg);
      result.interfaces!.push({ name: target.name, mac: target.mac });
    }
    for (const gw of addrs) ensureGatewayAddress(this.h.host, target, gw, cfg.forceAddress);
    for (const family of new Set(addrs.map((a) => familyOf(a) ?? 4))) enableForwarding(family);
  }
  portUp(name: string): Link {
    return waitPortUp(this.h.host, name);
  }
  bridge(name: string): Link {
    return bridgeByName(this.h.host, name);
  }
}
