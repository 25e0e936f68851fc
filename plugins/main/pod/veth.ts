// The pod's veth pair, created as the reference does: inside the container netns with the peer sent
// straight to the host netns (IFLA_NET_NS_FD), host name "veth" + 8 random hex chars, retried on a
// name collision.
import { internalError } from "../../../shared/cni/errors.ts";
import { randomHex } from "../../../shared/hash.ts";
import { isExists, isNotFound } from "../../../shared/netlink/errors.ts";
import { createVeth, deleteLink, getLinkByName, setLinkUp } from "../../../shared/netlink/links.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import { writeSysctl } from "../../../shared/sys/sysctl.ts";
import type { PodHandles } from "./handles.ts";

const NAME_ATTEMPTS = 10;

export interface VethOptions {
  ifname: string;
  /** 0 = kernel default */
  mtu: number;
  /** container side MAC, "" = random */
  mac: string;
  /** false leaves the container end down (bridge disableContainerInterface) */
  containerUp?: boolean;
  /** no IPv6 DAD on the host end (ptp: the host end is the pod's next hop; until its link-local
   * address passes DAD the node cannot resolve the pod and forwarded v6 stalls ~2 s) */
  hostNoDad?: boolean;
}

export interface VethPair {
  host: Link;
  container: Link;
}

export function randomVethName(): string {
  return `veth${randomHex(4)}`;
}

/** Fails like the reference when the container already has an interface of that name. */
function assertIfnameFree(h: PodHandles, ifname: string): void {
  if (getLinkByName(h.ctr, ifname)) {
    throw internalError(`container veth name provided (${ifname}) already exists`);
  }
}

function createPair(h: PodHandles, o: VethOptions, hostName: string): void {
  createVeth(h.ctr, {
    name: o.ifname,
    mtu: o.mtu || undefined,
    mac: o.mac || undefined,
    // the reference's netlink library sends IFLA_TXQLEN 0 for both ends (a veth is noqueue anyway)
    txqlen: 0,
    peerName: hostName,
    peerNetnsFd: h.hostNs.fd,
    peerTxqlen: 0,
  });
}

/** Creates the pair and brings both ends up. The caller owns rollback (deleting either end deletes both). */
export function createPodVeth(h: PodHandles, o: VethOptions): VethPair {
  assertIfnameFree(h, o.ifname);
  let hostName = "";
  for (let attempt = 1; ; attempt++) {
    hostName = randomVethName();
    try {
      createPair(h, o, hostName);
      break;
    } catch (e) {
      if (!isExists(e) || attempt >= NAME_ATTEMPTS) throw e;
      assertIfnameFree(h, o.ifname); // EEXIST on our side means a racing ADD took the name
    }
  }
  const container = mustGet(h.ctr, o.ifname, "container");
  if (o.containerUp !== false) setLinkUp(h.ctr, container.ifindex);
  const host = mustGet(h.host, hostName, "host");
  hostEndSysctls(hostName, o.hostNoDad === true);
  setLinkUp(h.host, host.ifindex);
  return { host: { ...host, up: true }, container: { ...container, up: o.containerUp !== false } };
}

/** The inverse of createPodVeth for ADD rollback: deleting the container end removes both; gone is fine. */
export function deletePodVeth(h: PodHandles, containerIfindex: number): void {
  try {
    deleteLink(h.ctr, containerIfindex);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Before the host end comes up: we own its routes (no router advertisements), and optionally no DAD. */
function hostEndSysctls(hostName: string, noDad: boolean): void {
  try {
    writeSysctl(`net/ipv6/conf/${hostName}/accept_ra`, "0");
    if (noDad) writeSysctl(`net/ipv6/conf/${hostName}/accept_dad`, "0");
  } catch {
    /* IPv6 disabled on the node */
  }
}

function mustGet(c: PodHandles["host"], name: string, side: string): Link {
  const l = getLinkByName(c, name);
  if (!l) throw internalError(`failed to find the ${side} end of the veth pair "${name}" just created`);
  return l;
}
