// Finding the host end of the container's veth, as the reference's getHostInterface: the container
// interface's peer ifindex (IFLA_LINK, read in the container netns), looked up in the host netns,
// whose name must be a host-side (sandbox-less) interface of prevResult.
import { internalError } from "../../../shared/cni/errors.ts";
import type { Interface } from "../../../shared/cni/types.ts";
import { getLinkByIndex, getLinkByName, type Link } from "../../../shared/netlink/links.ts";
import type { NetlinkConn } from "../../../shared/netlink/request.ts";

interface VethEnds {
  /** the container's interface (CNI_IFNAME in CNI_NETNS) */
  container: Link;
  /** its peer in the host netns */
  host: Link;
}

function containerPeerIndex(ctr: NetlinkConn, ifname: string): { link: Link; peer: number } {
  const link = getLinkByName(ctr, ifname);
  if (!link) throw internalError(`container interface ${ifname} has no veth peer: link not found`);
  if (link.kind !== "veth" || !link.linkIndex) {
    throw internalError(`container interface ${ifname} has no veth peer: it is not a veth`);
  }
  return { link, peer: link.linkIndex };
}

/** The host veth of ifname; throws (code 999, like the reference) when any link in the chain is missing. */
export function findHostVeth(host: NetlinkConn, ctr: NetlinkConn, interfaces: readonly Interface[], ifname: string): VethEnds {
  if (interfaces.length === 0) throw internalError("no interfaces provided");
  const { link: container, peer } = containerPeerIndex(ctr, ifname);
  const hostLink = getLinkByIndex(host, peer);
  // An ifindex is per netns: the link found must point back at the container's interface.
  if (!hostLink || (hostLink.linkIndex !== undefined && hostLink.linkIndex !== container.ifindex)) {
    throw internalError(`veth peer with index ${peer} is not in host ns`);
  }
  if (!interfaces.some((i) => !i.sandbox && i.name === hostLink.name)) {
    throw internalError("no veth peer of container interface found in host ns");
  }
  return { container, host: hostLink };
}
