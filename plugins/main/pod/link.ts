// Bringing a pod's interface into its netns without its final name ever existing anywhere else:
// the ONE implementation of "create (or move) a link into the container netns under a temporary
// name, rename it to CNI_IFNAME there, and undo all of it on failure", as the reference's
// macvlan/ipvlan/vlan/host-device/tap do it (a host name equal to the pod's ifname, or a pod
// interface equal to a host name, can then never collide).
//
// Users: macvlan, ipvlan, vlan (created from the host with IFLA_NET_NS_FD, or from inside the pod
// with linkInContainer), dummy, tap (arrive = create the tap inside the pod netns through the tun
// driver) and host-device (arrive = move an existing host link in through a throw-away netns, leave =
// move it back and restore its name).
//
//   const link = landPodLink(h, undo, {
//     ifname: ctx.ifname,
//     what: "macvlan",
//     arrive: (tempName) => createMacvlan(h.host, { name: tempName, parent, netnsFd: h.ctrNs.fd, ... }),
//   });
//   // link: the link as it is now in the pod netns, named ctx.ifname (fresh ifindex, mac, mtu)
//
// Rollback: as soon as the link is in the pod netns, landPodLink pushes its inverse on the undo
// stack (`leave`, by default deleting the link); a later failing step of the plugin unwinds it.
// DEL of a link landed this way is pod/system-net.ts deleteContainerLink (gone netns/link = done).
import { internalError, wrapError } from "../../../shared/cni/errors.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import { isExists, isNotFound } from "../../../shared/netlink/errors.ts";
import { SysError } from "../../../shared/sys/libc.ts";
import { deleteLink, getLinkByIndex, getLinkByName, setLinkName } from "../../../shared/netlink/links.ts";
import type { UndoStack } from "../../../shared/undo.ts";
import type { PodHandles } from "./handles.ts";
import { randomVethName } from "./veth.ts";

/** Temporary names tried before giving up (each is "veth" + 8 random hex chars, as the reference). */
const TEMP_NAME_ATTEMPTS = 10;

interface PodLinkArrival {
  /** the final name in the pod netns (CNI_IFNAME) */
  ifname: string;
  /** what the link is, for messages ("macvlan") */
  what: string;
  /**
   * Makes the link exist in the pod netns under tempName: create it there (from the host handle with
   * netnsFd = h.ctrNs.fd, or from h.ctr), or move an existing link in. EEXIST (netlink or a system
   * call) means the temporary name was taken: another one is tried. Any other error aborts (nothing
   * was pushed on the stack, so arrive leaves nothing behind when it fails).
   */
  arrive(tempName: string): void;
  /**
   * The inverse for rollback, given the link as it is in the pod netns (by ifindex; its name may be
   * the temporary one or ifname). Default: delete it (a link already gone counts as done).
   */
  leave?(link: Link): void;
}

/** Lands a link in the pod netns as a.ifname and registers its inverse on undo. */
export function landPodLink(h: PodHandles, undo: UndoStack, a: PodLinkArrival): Link {
  const tempName = arriveUnderTempName(a);
  const temp = getLinkByName(h.ctr, tempName);
  if (!temp) throw internalError(`failed to find ${a.what} "${tempName}" in the container just after creating it`);
  const leave = a.leave ?? ((l: Link) => deleteIfPresent(h, l));
  undo.push(`remove ${a.what} ${a.ifname}`, () => leave(temp));
  try {
    setLinkName(h.ctr, temp, a.ifname);
  } catch (e) {
    throw wrapError(`failed to rename ${a.what} to "${a.ifname}"`, e);
  }
  const landed = getLinkByIndex(h.ctr, temp.ifindex);
  if (!landed) throw internalError(`failed to refetch ${a.what} "${a.ifname}"`);
  return landed;
}

function arriveUnderTempName(a: PodLinkArrival): string {
  for (let attempt = 1; ; attempt++) {
    const tempName = randomVethName();
    try {
      a.arrive(tempName);
      return tempName;
    } catch (e) {
      if (!nameTaken(e) || attempt >= TEMP_NAME_ATTEMPTS) throw e;
    }
  }
}

const EEXIST = 17;
const nameTaken = (e: unknown): boolean => isExists(e) || (e instanceof SysError && e.errno === EEXIST);

/** The default inverse: delete the link by ifindex in the pod netns; gone already is fine. */
function deleteIfPresent(h: PodHandles, link: Pick<Link, "ifindex" | "name">): void {
  try {
    deleteLink(h.ctr, link);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
