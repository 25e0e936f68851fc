// The production PodNet (net.ts) over the two namespaces' netlink handles (handles.ts), and DEL's
// removal of the container interface.
import type { Result } from "../../../shared/cni/types.ts";
import { NetlinkHandle } from "../../../shared/netlink/client.ts";
import { isNotFound } from "../../../shared/netlink/errors.ts";
import { deleteLink, getLinkByName } from "../../../shared/netlink/links.ts";
import { NetnsGoneError, usingNetns } from "../../../shared/ns/netns.ts";
import { PodHandles } from "./handles.ts";
import { configureIface, settleAddresses } from "./iface.ts";
import type { PodNet } from "./net.ts";
import { containerIfaceSysctls, enableForwarding } from "./sysctls.ts";
import { createPodVeth, deletePodVeth, type VethOptions, type VethPair } from "./veth.ts";

export class SystemPodNet implements PodNet {
  constructor(readonly h: PodHandles) {}

  /** Opens the container netns (NetnsGoneError if it does not exist) and both netlink handles. */
  static open(netns: string): SystemPodNet {
    return new SystemPodNet(PodHandles.open(netns));
  }

  createVeth(o: VethOptions): VethPair {
    return createPodVeth(this.h, o);
  }
  deleteVeth(v: VethPair): void {
    deletePodVeth(this.h, v.container.ifindex);
  }
  configureContainer(v: VethPair, result: Result, enableDad: boolean): void {
    this.h.inContainer(() => containerIfaceSysctls(v.container.name, enableDad));
    configureIface(this.h, v.container.ifindex, v.container.name, result);
  }
  settleAddresses(v: VethPair): void {
    settleAddresses(this.h, v.container.ifindex, v.container.name);
  }
  enableForwarding(family: 4 | 6): void {
    enableForwarding(family);
  }
  close(): void {
    this.h.close();
  }
}

/** Deletes the container interface (its veth peer goes with it); a missing netns or link is fine. */
export function deleteContainerLink(netns: string, ifname: string): void {
  if (!netns) return;
  try {
    usingNetns(netns, (ns) => {
      const h = NetlinkHandle.open(ns);
      try {
        const link = getLinkByName(h, ifname);
        if (link) deleteLink(h, link.ifindex);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      } finally {
        h.close();
      }
    });
  } catch (e) {
    if (e instanceof NetnsGoneError) return;
    throw e;
  }
}
