// High-level link operations: one function per kernel request, option objects in.
// Modifying ops take a NetlinkRequester (a handle, or a batch to send several at once).
import { AF_BRIDGE, AF_UNSPEC } from "./codec/inet.ts";
import {
  BRIDGE_FLAGS_SELF,
  BRIDGE_VLAN_INFO_PVID,
  BRIDGE_VLAN_INFO_RANGE_BEGIN,
  BRIDGE_VLAN_INFO_RANGE_END,
  BRIDGE_VLAN_INFO_UNTAGGED,
  decodeLink,
  IFF_ALLMULTI,
  IFF_PROMISC,
  IFF_UP,
  RTEXT_FILTER_BRVLAN,
  RTEXT_FILTER_SKIP_STATS,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTM_SETLINK,
  writeLink,
  type BridgeAttrs,
  type BridgePortAttrs,
  type BridgeVlanInfo,
  type IpvlanAttrs,
  type Link,
  type LinkRequest,
  type MacvlanAttrs,
  type VlanAttrs,
} from "./codec/link.ts";
import { NLM_F_CREATE, NLM_F_EXCL } from "./codec/nlmsg.ts";
import type { NlWriter } from "./codec/writer.ts";
import { ENODEV, NetlinkError } from "./errors.ts";
import { checkLinkName, indexOf, labelOf, linkTarget, type IndexRef, type LinkRef } from "./refs.ts";
import type { NetlinkConn, NetlinkRequester } from "./request.ts";

export type { Link };

const CREATE = NLM_F_CREATE | NLM_F_EXCL;

/** A 6-byte MAC from "aa:bb:cc:dd:ee:ff" (also "-" separated, any case); RangeError otherwise. */
export function macBytes(mac: string): Uint8Array {
  if (!/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(mac)) throw new RangeError(`invalid MAC address "${mac}"`);
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = parseInt(mac.slice(i * 3, i * 3 + 2), 16);
  return out;
}

function setLink(r: NetlinkRequester, op: string, m: LinkRequest): void {
  r.request(RTM_SETLINK, 0, op, (w: NlWriter) => writeLink(w, m));
}

const decodeAny = (dv: DataView, off: number, end: number, type: number): Link | undefined =>
  type === RTM_NEWLINK ? decodeLink(dv, off, end) : undefined;

// ---------------------------------------------------------------- queries

function getLink(c: NetlinkConn, ref: LinkRef): Link | undefined {
  const m: LinkRequest = { ...linkTarget(ref), extMask: RTEXT_FILTER_SKIP_STATS };
  try {
    return c.get(RTM_GETLINK, 0, `get link ${labelOf(ref)}`, (w) => writeLink(w, m), decodeAny);
  } catch (e) {
    if (e instanceof NetlinkError && e.errno === ENODEV) return undefined;
    throw e;
  }
}

/** The link named name, or undefined if there is none. */
export function getLinkByName(c: NetlinkConn, name: string): Link | undefined {
  return getLink(c, checkLinkName(name));
}

/** The link with this ifindex, or undefined if there is none. */
export function getLinkByIndex(c: NetlinkConn, ifindex: number): Link | undefined {
  return getLink(c, indexOf(ifindex));
}

interface LinkFilter {
  /** IFLA_INFO_KIND, e.g. "bridge", "veth". */
  kind?: string;
  /** Only ports of this master (ifindex). */
  master?: number;
}

/** Every link (dump), optionally filtered by kind and master (in the kernel where it can, and here). */
export function listLinks(c: NetlinkConn, filter: LinkFilter = {}): Link[] {
  const { kind, master } = filter;
  const m: LinkRequest = { extMask: RTEXT_FILTER_SKIP_STATS, master, linkinfo: kind ? { kind } : undefined };
  return c.dump(RTM_GETLINK, 0, "list links", (w) => writeLink(w, m), (dv, off, end, type) => {
    const l = decodeAny(dv, off, end, type);
    if (!l || (kind !== undefined && l.kind !== kind) || (master !== undefined && l.master !== master)) return undefined;
    return l;
  });
}

/**
 * Bridge ports and bridges as the bridge sees them (AF_BRIDGE dump): port flags in `port`,
 * and VLANs in `vlans` (one entry per VLAN, RTEXT_FILTER_BRVLAN).
 */
export function listBridgePorts(c: NetlinkConn): Link[] {
  const m: LinkRequest = { family: AF_BRIDGE, extMask: RTEXT_FILTER_BRVLAN };
  return c.dump(RTM_GETLINK, 0, "list bridge ports", (w) => writeLink(w, m), decodeAny);
}

// ---------------------------------------------------------------- create

interface CreateLinkOptions {
  name: string;
  mtu?: number;
  mac?: string;
  txqlen?: number;
  /** Set IFF_UP at creation. */
  up?: boolean;
  /** Create the link directly in the netns of this fd (IFLA_NET_NS_FD). */
  netnsFd?: number;
}

function createRequest(o: CreateLinkOptions, kind: string): LinkRequest {
  return {
    name: checkLinkName(o.name),
    mtu: o.mtu,
    mac: o.mac === undefined ? undefined : macBytes(o.mac),
    txqlen: o.txqlen,
    flags: o.up ? IFF_UP : 0,
    change: o.up ? IFF_UP : 0,
    netnsFd: o.netnsFd,
    linkinfo: { kind },
  };
}

function create(r: NetlinkRequester, kind: string, m: LinkRequest): void {
  r.request(RTM_NEWLINK, CREATE, `create ${kind} ${m.name}`, (w) => writeLink(w, m));
}

interface CreateBridgeOptions extends CreateLinkOptions, BridgeAttrs {}

/** Creates a bridge (EEXIST if the name is taken). */
export function createBridge(r: NetlinkRequester, o: CreateBridgeOptions): void {
  const m = createRequest(o, "bridge");
  const bridge: BridgeAttrs = {
    forwardDelay: o.forwardDelay,
    helloTime: o.helloTime,
    maxAge: o.maxAge,
    ageingTime: o.ageingTime,
    stpState: o.stpState,
    priority: o.priority,
    vlanFiltering: o.vlanFiltering,
    vlanProtocol: o.vlanProtocol,
    mcastSnooping: o.mcastSnooping,
    vlanDefaultPvid: o.vlanDefaultPvid,
  };
  m.linkinfo = { kind: "bridge", bridge };
  create(r, "bridge", m);
}

interface CreateVethOptions extends CreateLinkOptions {
  peerName: string;
  /** Create the peer directly in the netns of this fd; it cannot be set up at create time. */
  peerNetnsFd?: number;
  peerMac?: string;
  /** Defaults to mtu. */
  peerMtu?: number;
  peerTxqlen?: number;
}

/** Creates a veth pair: name here (or in netnsFd), peerName in peerNetnsFd (or here). */
export function createVeth(r: NetlinkRequester, o: CreateVethOptions): void {
  const m = createRequest(o, "veth");
  const peer: LinkRequest = {
    name: checkLinkName(o.peerName),
    mtu: o.peerMtu ?? o.mtu,
    mac: o.peerMac === undefined ? undefined : macBytes(o.peerMac),
    txqlen: o.peerTxqlen,
    netnsFd: o.peerNetnsFd,
  };
  m.linkinfo = { kind: "veth", vethPeer: peer };
  r.request(RTM_NEWLINK, CREATE, `create veth ${m.name} peer ${peer.name}`, (w) => writeLink(w, m));
}

/** A link stacked on a parent (lower) device: IFLA_LINK is the parent's ifindex in the netns the
 * request is sent in, even when netnsFd creates the link in another one. */
interface CreateStackedOptions extends CreateLinkOptions {
  parent: IndexRef;
}

function stackedRequest(o: CreateStackedOptions, kind: string): LinkRequest {
  return { ...createRequest(o, kind), link: indexOf(o.parent) };
}

interface CreateMacvlanOptions extends CreateStackedOptions, MacvlanAttrs {}

/** Creates a macvlan on parent (mode MACVLAN_MODE_*, bcQueueLen 0/absent = kernel default). */
export function createMacvlan(r: NetlinkRequester, o: CreateMacvlanOptions): void {
  const m = stackedRequest(o, "macvlan");
  const macvlan: MacvlanAttrs = { mode: o.mode, flags: o.flags, bcQueueLen: o.bcQueueLen || undefined };
  m.linkinfo = { kind: "macvlan", macvlan };
  create(r, "macvlan", m);
}

interface CreateIpvlanOptions extends CreateStackedOptions, IpvlanAttrs {}

/** Creates an ipvlan on parent (mode IPVLAN_MODE_*, flags IPVLAN_F_*). An ipvlan has its parent's MAC. */
export function createIpvlan(r: NetlinkRequester, o: CreateIpvlanOptions): void {
  const m = stackedRequest(o, "ipvlan");
  m.linkinfo = { kind: "ipvlan", ipvlan: { mode: o.mode, flags: o.flags } };
  create(r, "ipvlan", m);
}

interface CreateVlanOptions extends CreateStackedOptions {
  /** 802.1Q id 0-4094 */
  vlanId: number;
  /** ETH_P_8021Q (kernel default) or ETH_P_8021AD */
  protocol?: number;
}

/** Creates an 802.1Q (or 802.1ad) vlan link on parent. */
export function createVlan(r: NetlinkRequester, o: CreateVlanOptions): void {
  if (!Number.isInteger(o.vlanId) || o.vlanId < 0 || o.vlanId > 4094) throw new RangeError(`invalid VLAN id ${o.vlanId}`);
  const m = stackedRequest(o, "vlan");
  const vlan: VlanAttrs = { id: o.vlanId, protocol: o.protocol };
  m.linkinfo = { kind: "vlan", vlan };
  create(r, "vlan", m);
}

export function createDummy(r: NetlinkRequester, o: CreateLinkOptions): void {
  create(r, "dummy", createRequest(o, "dummy"));
}

/** Creates a VRF device bound to a routing table (EOPNOTSUPP on a kernel without CONFIG_NET_VRF). */
export function createVrf(r: NetlinkRequester, o: CreateLinkOptions & { table: number }): void {
  const m = createRequest(o, "vrf");
  m.linkinfo = { kind: "vrf", vrfTable: o.table };
  create(r, "vrf", m);
}

/** Creates an ifb (the bandwidth plugin's ingress redirect target). */
export function createIfb(r: NetlinkRequester, o: CreateLinkOptions): void {
  create(r, "ifb", createRequest(o, "ifb"));
}

// ---------------------------------------------------------------- modify

export function setLinkUp(r: NetlinkRequester, link: LinkRef): void {
  setLink(r, `set ${labelOf(link)} up`, { ...linkTarget(link), flags: IFF_UP, change: IFF_UP });
}

export function setLinkDown(r: NetlinkRequester, link: LinkRef): void {
  setLink(r, `set ${labelOf(link)} down`, { ...linkTarget(link), flags: 0, change: IFF_UP });
}

/** Enslaves link to master (a bridge). */
export function setLinkMaster(r: NetlinkRequester, link: LinkRef, master: IndexRef): void {
  const op = `set master of ${labelOf(link)} to ${labelOf(master)}`;
  setLink(r, op, { ...linkTarget(link), master: indexOf(master) });
}

export function setLinkNoMaster(r: NetlinkRequester, link: LinkRef): void {
  setLink(r, `release ${labelOf(link)} from its master`, { ...linkTarget(link), master: 0 });
}

export function setLinkMtu(r: NetlinkRequester, link: LinkRef, mtu: number): void {
  setLink(r, `set mtu ${mtu} on ${labelOf(link)}`, { ...linkTarget(link), mtu });
}

export function setLinkMac(r: NetlinkRequester, link: LinkRef, mac: string): void {
  setLink(r, `set mac ${mac} on ${labelOf(link)}`, { ...linkTarget(link), mac: macBytes(mac) });
}

export function setLinkPromisc(r: NetlinkRequester, link: LinkRef, on: boolean): void {
  const m = { ...linkTarget(link), flags: on ? IFF_PROMISC : 0, change: IFF_PROMISC };
  setLink(r, `set promisc ${on ? "on" : "off"} on ${labelOf(link)}`, m);
}

export function setLinkAllmulti(r: NetlinkRequester, link: LinkRef, on: boolean): void {
  const m = { ...linkTarget(link), flags: on ? IFF_ALLMULTI : 0, change: IFF_ALLMULTI };
  setLink(r, `set allmulticast ${on ? "on" : "off"} on ${labelOf(link)}`, m);
}

/** Sets the transmit queue length (IFLA_TXQLEN). */
export function setLinkTxqlen(r: NetlinkRequester, link: LinkRef, txqlen: number): void {
  setLink(r, `set txqueuelen ${txqlen} on ${labelOf(link)}`, { ...linkTarget(link), txqlen });
}

/** Moves link into the netns of nsFd. */
export function setLinkNetns(r: NetlinkRequester, link: LinkRef, nsFd: number): void {
  setLink(r, `move ${labelOf(link)} to netns fd ${nsFd}`, { ...linkTarget(link), netnsFd: nsFd });
}

/** Sets (or, with "", removes) the link's alias (IFLA_IFALIAS, `ip link set X alias Y`). */
export function setLinkAlias(r: NetlinkRequester, link: IndexRef, alias: string): void {
  setLink(r, `set alias "${alias}" on ${labelOf(link)}`, { ifindex: indexOf(link), alias });
}

/** Renames a link (by ifindex: a name ref would be read as the lookup key). */
export function setLinkName(r: NetlinkRequester, link: IndexRef, name: string): void {
  setLink(r, `rename ${labelOf(link)} to ${name}`, { ifindex: indexOf(link), name: checkLinkName(name) });
}

/** Sets bridge port flags (hairpin, isolated, learning, ...) on a port of a bridge. */
export function setBridgePortFlags(r: NetlinkRequester, port: IndexRef, flags: BridgePortAttrs): void {
  const m: LinkRequest = { family: AF_BRIDGE, ifindex: indexOf(port), protinfo: flags };
  setLink(r, `set bridge port flags on ${labelOf(port)}`, m);
}

interface BridgeVlanOptions {
  /** A bridge port, or the bridge itself with self: true. */
  link: IndexRef;
  vid: number;
  /** Last VID of a range vid..vidEnd. */
  vidEnd?: number;
  pvid?: boolean;
  untagged?: boolean;
  /** Apply to the bridge device itself (BRIDGE_FLAGS_SELF) instead of as a port (master). */
  self?: boolean;
}

function vlanRequest(o: BridgeVlanOptions): LinkRequest {
  const check = (v: number) => {
    if (!Number.isInteger(v) || v < 1 || v > 4094) throw new RangeError(`invalid VLAN id ${v}`);
  };
  check(o.vid);
  const flags = (o.pvid ? BRIDGE_VLAN_INFO_PVID : 0) | (o.untagged ? BRIDGE_VLAN_INFO_UNTAGGED : 0);
  let vlans: BridgeVlanInfo[] = [{ flags, vid: o.vid }];
  if (o.vidEnd !== undefined && o.vidEnd !== o.vid) {
    check(o.vidEnd);
    if (o.vidEnd < o.vid) throw new RangeError(`invalid VLAN range ${o.vid}-${o.vidEnd}`);
    vlans = [
      { flags: flags | BRIDGE_VLAN_INFO_RANGE_BEGIN, vid: o.vid },
      { flags: flags | BRIDGE_VLAN_INFO_RANGE_END, vid: o.vidEnd },
    ];
  }
  const bridgeFlags = o.self ? BRIDGE_FLAGS_SELF : undefined;
  return { family: AF_BRIDGE, ifindex: indexOf(o.link), bridgeFlags, vlans };
}

function vlanLabel(o: BridgeVlanOptions): string {
  return `vlan ${o.vid}${o.vidEnd !== undefined && o.vidEnd !== o.vid ? `-${o.vidEnd}` : ""}`;
}

export function bridgeVlanAdd(r: NetlinkRequester, o: BridgeVlanOptions): void {
  setLink(r, `add ${vlanLabel(o)} to ${labelOf(o.link)}`, vlanRequest(o));
}

export function bridgeVlanDel(r: NetlinkRequester, o: BridgeVlanOptions): void {
  const m = vlanRequest(o);
  r.request(RTM_DELLINK, 0, `delete ${vlanLabel(o)} from ${labelOf(o.link)}`, (w) => writeLink(w, m));
}

/** Deletes a link (ENODEV if it does not exist: see isNotFound()). */
export function deleteLink(r: NetlinkRequester, link: LinkRef): void {
  const m: LinkRequest = { family: AF_UNSPEC, ...linkTarget(link) };
  r.request(RTM_DELLINK, 0, `delete link ${labelOf(link)}`, (w) => writeLink(w, m));
}
