// With `vlan` and isGateway the gateway address cannot sit on the bridge itself (the bridge is not a
// member of the access VLAN): like the reference, a host veth pair "<bridge>.<vlan>" is created whose
// peer is an access port of that VLAN, and the gateway address goes on "<bridge>.<vlan>".
import { invalidConfig, wrapError } from "../../../shared/cni/errors.ts";
import type { NetlinkHandle } from "../../../shared/netlink/client.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import { isExists } from "../../../shared/netlink/errors.ts";
import { createVeth, getLinkByName, setLinkUp } from "../../../shared/netlink/links.ts";
import { randomVethName } from "../pod/veth.ts";
import type { BridgeConfig } from "./config.ts";
import { attachToBridge } from "./port.ts";

function vlanGatewayName(cfg: BridgeConfig): string {
  return `${cfg.bridge}.${cfg.vlan}`;
}

export function ensureVlanGateway(host: NetlinkHandle, br: Link, cfg: BridgeConfig): Link {
  const name = vlanGatewayName(cfg);
  if (Buffer.byteLength(name) > 15) throw invalidConfig(`vlan gateway interface name "${name}" is longer than 15 bytes`);
  const existing = getLinkByName(host, name);
  if (existing) return existing;
  const peerName = randomVethName();
  try {
    // txqlen 0 on both ends, as the pod veth (pod/veth.ts) and the reference's netlink library
    createVeth(host, { name, peerName, mtu: br.mtu, txqlen: 0, peerTxqlen: 0 });
  } catch (e) {
    if (isExists(e)) return getLinkByName(host, name) ?? raise(name, e);
    raise(name, e);
  }
  const peer = getLinkByName(host, peerName)!;
  attachToBridge(host, peer, br, { ...cfg, hairpinMode: false, portIsolation: false, vlanTrunk: [] });
  setLinkUp(host, peer.ifindex);
  const gw = getLinkByName(host, name)!;
  setLinkUp(host, gw.ifindex);
  return gw;
}

function raise(name: string, e: unknown): never {
  throw wrapError(`failed to create vlan gateway "${name}"`, e);
}
