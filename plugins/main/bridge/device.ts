// The bridge device on the node: created once (safely when many ADDs race), reused afterwards,
// and given the gateway address(es) when isGateway.
import { internalError, wrapError } from "../../../shared/cni/errors.ts";
import { addAddress, deleteAddress, listAddresses } from "../../../shared/netlink/addresses.ts";
import type { NetlinkHandle } from "../../../shared/netlink/client.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import { isExists } from "../../../shared/netlink/errors.ts";
import { createBridge, getLinkByIndex, getLinkByName, setLinkMac, setLinkPromisc, setLinkUp } from "../../../shared/netlink/links.ts";
import { afOf, contains, ipEqual, networkOf, parseCIDR, type Cidr } from "../../../shared/ip/index.ts";
import { writeSysctl } from "../../../shared/sys/sysctl.ts";
import type { BridgeConfig } from "./config.ts";

export function bridgeByName(host: NetlinkHandle, name: string): Link {
  const link = getLinkByName(host, name);
  if (!link) throw internalError(`could not lookup "${name}": Link not found`);
  if (link.kind !== "bridge") throw internalError(`"${name}" already exists but is not a bridge`);
  return link;
}

/** Creates the bridge unless it exists (EEXIST from a racing ADD is success), then brings it up. */
export function ensureBridge(host: NetlinkHandle, cfg: BridgeConfig): Link {
  const vlanFiltering = cfg.vlan !== 0 || cfg.vlanTrunk.length > 0;
  try {
    createBridge(host, { name: cfg.bridge, mtu: cfg.mtu || undefined, vlanFiltering: vlanFiltering || undefined });
  } catch (e) {
    if (!isExists(e)) throw wrapError(`failed to create bridge "${cfg.bridge}"`, e);
  }
  if (cfg.promiscMode) setLinkPromisc(host, cfg.bridge, true);
  const br = bridgeByName(host, cfg.bridge);
  try {
    writeSysctl(`net/ipv6/conf/${cfg.bridge}/accept_ra`, "0"); // we own the routes of this interface
  } catch {
    /* IPv6 disabled */
  }
  if (!br.up) setLinkUp(host, br.ifindex);
  return br;
}

function sameCidr(a: Cidr, b: Cidr): boolean {
  return a.prefix === b.prefix && ipEqual(a.ip, b.ip);
}

/**
 * Puts gw (CIDR) on the bridge. An IPv4 bridge holds one gateway address; IPv6 may hold several when
 * their subnets do not overlap. A conflicting address is replaced only with forceAddress.
 */
export function ensureGatewayAddress(host: NetlinkHandle, br: Link, gw: string, forceAddress: boolean): void {
  const want = parseCIDR(gw)!;
  const family = afOf(want.ip.family);
  for (const a of listAddresses(host, { link: br.ifindex, family })) {
    if (a.scope !== 0) continue; // link-local and host-scoped addresses are not gateways
    const have = parseCIDR(`${a.local ?? a.address}/${a.prefixLen}`)!;
    if (sameCidr(have, want)) return;
    const conflicts = want.ip.family === 4 || contains(networkOf(have), want.ip) || contains(networkOf(want), have.ip);
    if (!conflicts) continue;
    if (!forceAddress) throw internalError(`"${br.name}" already has an IP address different from ${gw}`);
    deleteAddress(host, { link: br, cidr: `${a.local ?? a.address}/${a.prefixLen}` });
  }
  try {
    addAddress(host, { link: br, cidr: gw });
  } catch (e) {
    if (!isExists(e)) throw wrapError(`could not add IP address to "${br.name}"`, e);
  }
  pinBridgeMac(host, br);
}

const ZERO_MAC = "00:00:00:00:00:00";

/**
 * Pins the bridge MAC: otherwise it follows the lowest port MAC and changes as pods come and go. Read
 * fresh (the port is attached by now): a bridge whose ports all left has MAC 00:00:00:00:00:00 until a
 * port joins, and setting that fails with EADDRNOTAVAIL (the reference fails there too).
 */
function pinBridgeMac(host: NetlinkHandle, br: Link): void {
  const mac = getLinkByIndex(host, br.ifindex)?.mac ?? br.mac;
  if (mac && mac !== ZERO_MAC) setLinkMac(host, br.ifindex, mac);
}
