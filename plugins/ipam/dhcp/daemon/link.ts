// The pod interface a lease lives on, seen from the daemon: found by (netns path, ifname) and pinned
// by identity (netns device:inode, ifindex, MAC) so a lease is never maintained on a different pod
// that reused a path or a name. Every call opens the netns afresh and closes it: holding a netns fd
// would keep a deleted pod's namespace alive.
import { NetlinkHandle } from "../../../../shared/netlink/client.ts";
import { getLinkByName, macBytes, setLinkDown, setLinkUp, type Link } from "../../../../shared/netlink/links.ts";
import { Netns, NetnsGoneError, withNetns } from "../../../../shared/ns/netns.ts";
import { sendUdp4 } from "../../../../shared/sys/libc.ts";
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT } from "../wire/udp4.ts";
import { PacketPort, type UnicastSender } from "./port.ts";

export interface PodLink {
  netnsId: string;
  ifindex: number;
  mac: string;
  kind?: string;
}

/** The netns or the interface is gone, or is not the one the lease was taken on. */
export class LinkGoneError extends Error {
  constructor(what: string) {
    super(what);
    this.name = "LinkGoneError";
  }
}

/** Opens the pod's netns by path; a vanished netns means the pod's link is gone. */
function openPodNetns(netnsPath: string): Netns {
  try {
    return Netns.open(netnsPath);
  } catch (e) {
    if (e instanceof NetnsGoneError) throw new LinkGoneError(`netns ${netnsPath} is gone`);
    throw e;
  }
}

/** Runs fn inside the pod's netns, opened afresh by path. */
function withPodNetns<T>(netnsPath: string, fn: () => T): T {
  const ns = openPodNetns(netnsPath);
  try {
    return withNetns(ns, fn);
  } finally {
    ns.close();
  }
}

function withPodNetlink<T>(netnsPath: string, fn: (ns: Netns, nl: NetlinkHandle) => T): T {
  const ns = openPodNetns(netnsPath);
  try {
    const nl = NetlinkHandle.open(ns);
    try {
      return fn(ns, nl);
    } finally {
      nl.close();
    }
  } finally {
    ns.close();
  }
}

function findLink(ns: Netns, nl: NetlinkHandle, ifname: string, pinned?: PodLink): Link {
  if (pinned && ns.identity() !== pinned.netnsId) throw new LinkGoneError(`netns is no longer the pod's (identity changed)`);
  const link = getLinkByName(nl, ifname);
  if (!link) throw new LinkGoneError(`interface ${ifname} is gone`);
  if (pinned && (link.ifindex !== pinned.ifindex || link.mac !== pinned.mac)) {
    throw new LinkGoneError(`interface ${ifname} is no longer the pod's (ifindex/MAC changed)`);
  }
  return link;
}

/**
 * Finds the interface (it must be the pinned one when given), sets it up if it is down (as the
 * reference does: the first DISCOVER would otherwise fail "network is down") and opens a packet
 * socket on it inside its netns.
 */
export function openPodPort(netnsPath: string, ifname: string, pinned?: PodLink): { link: PodLink; port: PacketPort } {
  return withPodNetlink(netnsPath, (ns, nl) => {
    const link = findLink(ns, nl, ifname, pinned);
    let mac: Uint8Array;
    try {
      mac = macBytes(link.mac ?? "");
    } catch {
      throw new LinkGoneError(`interface ${ifname} has no Ethernet address`);
    }
    if (!link.up) setLinkUp(nl, link);
    const unicast: UnicastSender = (src, dst, payload) =>
      withPodNetns(netnsPath, () => sendUdp4(ifname, src, DHCP_CLIENT_PORT, dst, DHCP_SERVER_PORT, payload));
    const port = withNetns(ns, () => PacketPort.open(link.ifindex, mac, unicast));
    return { link: { netnsId: ns.identity(), ifindex: link.ifindex, mac: link.mac!, kind: link.kind }, port };
  });
}

/** True while the pinned interface still exists. */
export function podLinkAlive(netnsPath: string, ifname: string, pinned: PodLink): boolean {
  try {
    withPodNetlink(netnsPath, (ns, nl) => findLink(ns, nl, ifname, pinned));
    return true;
  } catch (e) {
    if (e instanceof LinkGoneError) return false;
    throw e;
  }
}

/** Sets the pinned interface down (lease expired or refused: the reference's behaviour). */
export function setPodLinkDown(netnsPath: string, ifname: string, pinned: PodLink): void {
  withPodNetlink(netnsPath, (ns, nl) => setLinkDown(nl, findLink(ns, nl, ifname, pinned)));
}
