// The production BandwidthDeps: rtnetlink handles in the node and container namespaces, /proc for the
// tc tick rate, the skel's stderr.
import { lineLogger, type PluginLog } from "../../../shared/cni/plugin.ts";
import type { Interface } from "../../../shared/cni/types.ts";
import { NetlinkHandle } from "../../../shared/netlink/client.ts";
import { TC_H_INGRESS_HANDLE, type TbfParams } from "../../../shared/netlink/codec/tc.ts";
import { isNotFound } from "../../../shared/netlink/errors.ts";
import { createIfb, deleteLink, getLinkByName, listLinks, setLinkAlias, type Link } from "../../../shared/netlink/links.ts";
import { addIngressQdisc, addRootTbf, addU32Filter, deleteIngressQdisc, deleteRootQdisc, readTickInUsec } from "../../../shared/netlink/tc.ts";
import { internalError } from "../../../shared/cni/errors.ts";
import type { BandwidthDeps, BandwidthNet } from "./deps.ts";
import { findHostVeth } from "./host-veth.ts";
import { openHandles, type Handles } from "./session.ts";
import { REDIRECT_FILTER_CLASSID, REDIRECT_FILTER_PRIO, redirectActions } from "./shaping.ts";

/** Deletes a link by name; a missing one is success (DEL is idempotent). */
function removeLink(host: NetlinkHandle, name: string): void {
  try {
    deleteLink(host, name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

class SystemBandwidthNet implements BandwidthNet {
  constructor(private readonly h: Handles) {}
  hostVeth(interfaces: readonly Interface[], ifname: string): Link {
    return findHostVeth(this.h.host, this.h.container, interfaces, ifname).host;
  }
  addRootTbf(link: Link, params: TbfParams): void {
    addRootTbf(this.h.host, link.ifindex, params);
  }
  deleteRootQdisc(link: Link): void {
    deleteRootQdisc(this.h.host, link.ifindex);
  }
  createIfb(name: string, mtu: number | undefined, tag: string): Link {
    createIfb(this.h.host, { name, mtu, txqlen: 0, up: true });
    const ifb = getLinkByName(this.h.host, name);
    if (!ifb) throw internalError(`get ifb device: link ${name} not found after creating it`);
    setLinkAlias(this.h.host, ifb, tag); // the kernel ignores IFLA_IFALIAS on create
    return { ...ifb, alias: tag };
  }
  deleteIfb(name: string): void {
    removeLink(this.h.host, name);
  }
  addIngressQdisc(link: Link): void {
    addIngressQdisc(this.h.host, link.ifindex);
  }
  deleteIngressQdisc(link: Link): void {
    deleteIngressQdisc(this.h.host, link.ifindex);
  }
  addRedirect(from: Link, to: Link): void {
    addU32Filter(this.h.host, {
      ifindex: from.ifindex,
      parent: TC_H_INGRESS_HANDLE,
      prio: REDIRECT_FILTER_PRIO,
      classid: REDIRECT_FILTER_CLASSID,
      actions: redirectActions(to.ifindex),
    });
  }
  close(): void {
    this.h.close();
  }
}

/** fn over a node-netns handle opened for it. */
function withHost<T>(fn: (host: NetlinkHandle) => T): T {
  const host = NetlinkHandle.open();
  try {
    return fn(host);
  } finally {
    host.close();
  }
}

export function systemDeps(io: PluginLog): BandwidthDeps {
  return {
    openNet: (netns) => new SystemBandwidthNet(openHandles(netns)),
    openHandles,
    deleteIfb: (name) => withHost((host) => removeLink(host, name)),
    listIfbs: () => withHost((host) => listLinks(host, { kind: "ifb" })),
    tickInUsec: readTickInUsec,
    log: lineLogger(io, "bandwidth"),
  };
}
