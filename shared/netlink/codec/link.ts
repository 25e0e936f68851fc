// rtnetlink links: struct ifinfomsg + IFLA_* attributes, request encoder and reply decoder.
// Covers what tscni needs: bridge, veth (peer nested ifinfomsg), macvlan/macvtap, ipvlan, 802.1Q vlan,
// dummy, ifb; bridge port flags (IFLA_PROTINFO / IFLA_INFO_SLAVE_DATA) and bridge VLANs (IFLA_AF_SPEC
// under AF_BRIDGE).
import {
  attrBe16,
  attrView,
  attrI32,
  attrStr,
  attrU16,
  attrU32,
  attrU8,
  forEachAttr,
  LE,
  needStruct,
  NLA_F_NESTED,
} from "./attr.ts";
import { NetlinkDecodeError } from "./errors.ts";
import { AF_BRIDGE, AF_UNSPEC, formatMac } from "./inet.ts";
import type { NlWriter } from "./writer.ts";

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;

const IFINFOMSG_LEN = 16;

export const IFF_UP = 0x1;
export const IFF_PROMISC = 0x100;
export const IFF_ALLMULTI = 0x200;

export const IFLA_ADDRESS = 1;
const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_MASTER = 10;
export const IFLA_PROTINFO = 12;
export const IFLA_TXQLEN = 13;
const IFLA_OPERSTATE = 16;
export const IFLA_LINKINFO = 18;
const IFLA_NET_NS_PID = 19;
const IFLA_IFALIAS = 20;
export const IFLA_AF_SPEC = 26;
export const IFLA_NET_NS_FD = 28;
export const IFLA_EXT_MASK = 29;
const IFLA_PROMISCUITY = 30;
const IFLA_LINK_NETNSID = 37;

export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
const IFLA_INFO_SLAVE_KIND = 4;
const IFLA_INFO_SLAVE_DATA = 5;

export const VETH_INFO_PEER = 1;

// IFLA_INFO_DATA of kind "macvlan" / "macvtap" (linux/if_link.h)
export const IFLA_MACVLAN_MODE = 1;
export const IFLA_MACVLAN_FLAGS = 2;
export const IFLA_MACVLAN_BC_QUEUE_LEN = 7;
export const IFLA_MACVLAN_BC_QUEUE_LEN_USED = 8;

export const MACVLAN_MODE_PRIVATE = 1;
export const MACVLAN_MODE_VEPA = 2;
export const MACVLAN_MODE_BRIDGE = 4;
export const MACVLAN_MODE_PASSTHRU = 8;

// IFLA_INFO_DATA of kind "ipvlan"
export const IFLA_IPVLAN_MODE = 1;
export const IFLA_IPVLAN_FLAGS = 2;

export const IPVLAN_MODE_L2 = 0;
export const IPVLAN_MODE_L3 = 1;
export const IPVLAN_MODE_L3S = 2;

export const IPVLAN_F_PRIVATE = 0x01;
export const IPVLAN_F_VEPA = 0x02;

// IFLA_INFO_DATA of kind "vrf"
const IFLA_VRF_TABLE = 1;

// IFLA_INFO_DATA of kind "vlan"
export const IFLA_VLAN_ID = 1;
export const IFLA_VLAN_FLAGS = 2;
export const IFLA_VLAN_PROTOCOL = 5;

export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;

export const RTEXT_FILTER_BRVLAN = 2;
export const RTEXT_FILTER_SKIP_STATS = 8;

export const IF_OPER_UP = 6;

const IFLA_BR_FORWARD_DELAY = 1;
const IFLA_BR_HELLO_TIME = 2;
const IFLA_BR_MAX_AGE = 3;
const IFLA_BR_AGEING_TIME = 4;
const IFLA_BR_STP_STATE = 5;
const IFLA_BR_PRIORITY = 6;
export const IFLA_BR_VLAN_FILTERING = 7;
export const IFLA_BR_VLAN_PROTOCOL = 8;
const IFLA_BR_MCAST_SNOOPING = 23;
export const IFLA_BR_VLAN_DEFAULT_PVID = 39;

const IFLA_BRPORT_STATE = 1;
const IFLA_BRPORT_PRIORITY = 2;
const IFLA_BRPORT_COST = 3;
export const IFLA_BRPORT_MODE = 4;
const IFLA_BRPORT_GUARD = 5;
const IFLA_BRPORT_PROTECT = 6;
const IFLA_BRPORT_FAST_LEAVE = 7;
const IFLA_BRPORT_LEARNING = 8;
const IFLA_BRPORT_UNICAST_FLOOD = 9;
const IFLA_BRPORT_PROXYARP = 10;
const IFLA_BRPORT_MCAST_FLOOD = 27;
const IFLA_BRPORT_BCAST_FLOOD = 30;
const IFLA_BRPORT_NEIGH_SUPPRESS = 32;
export const IFLA_BRPORT_ISOLATED = 33;

export const IFLA_BRIDGE_FLAGS = 0;
export const IFLA_BRIDGE_VLAN_INFO = 2;

export const BRIDGE_FLAGS_SELF = 2;

export const BRIDGE_VLAN_INFO_PVID = 0x2;
export const BRIDGE_VLAN_INFO_UNTAGGED = 0x4;
export const BRIDGE_VLAN_INFO_RANGE_BEGIN = 0x8;
export const BRIDGE_VLAN_INFO_RANGE_END = 0x10;

/** IFLA_BR_* settings of a bridge (IFLA_INFO_DATA of kind "bridge"). */
export interface BridgeAttrs {
  forwardDelay?: number;
  helloTime?: number;
  maxAge?: number;
  ageingTime?: number;
  stpState?: number;
  priority?: number;
  vlanFiltering?: boolean;
  /** Ethertype, e.g. 0x8100. */
  vlanProtocol?: number;
  mcastSnooping?: boolean;
  vlanDefaultPvid?: number;
}

/** IFLA_BRPORT_* settings of a bridge port (IFLA_PROTINFO or IFLA_INFO_SLAVE_DATA). */
export interface BridgePortAttrs {
  state?: number;
  priority?: number;
  cost?: number;
  /** IFLA_BRPORT_MODE: hairpin. */
  hairpin?: boolean;
  guard?: boolean;
  protect?: boolean;
  fastLeave?: boolean;
  learning?: boolean;
  unicastFlood?: boolean;
  proxyArp?: boolean;
  mcastFlood?: boolean;
  bcastFlood?: boolean;
  neighSuppress?: boolean;
  isolated?: boolean;
}

/** IFLA_MACVLAN_* settings (IFLA_INFO_DATA of kind "macvlan" or "macvtap"). */
export interface MacvlanAttrs {
  /** MACVLAN_MODE_* */
  mode?: number;
  flags?: number;
  /** broadcast queue length requested (0 or absent = kernel default) */
  bcQueueLen?: number;
  /** the queue length in use (read only: the largest request among the master's macvlans) */
  bcQueueLenUsed?: number;
}

/** IFLA_IPVLAN_* settings (IFLA_INFO_DATA of kind "ipvlan"). */
export interface IpvlanAttrs {
  /** IPVLAN_MODE_* */
  mode?: number;
  /** IPVLAN_F_* */
  flags?: number;
}

/** IFLA_VLAN_* settings (IFLA_INFO_DATA of kind "vlan"). */
export interface VlanAttrs {
  /** 802.1Q id, 0-4094 */
  id?: number;
  /** ethertype, ETH_P_8021Q (default) or ETH_P_8021AD */
  protocol?: number;
  /** struct ifla_vlan_flags: VLAN_FLAG_* bits to set, and which bits the request changes */
  flags?: { flags: number; mask: number };
}

/** One struct bridge_vlan_info. */
export interface BridgeVlanInfo {
  flags: number;
  vid: number;
}

interface LinkInfoRequest {
  kind: string;
  /** IFLA_INFO_DATA for kind "bridge". */
  bridge?: BridgeAttrs;
  /** VETH_INFO_PEER for kind "veth": the peer's ifinfomsg and attributes. */
  vethPeer?: LinkRequest;
  /** IFLA_INFO_DATA for kind "macvlan" / "macvtap". */
  macvlan?: MacvlanAttrs;
  /** IFLA_INFO_DATA for kind "ipvlan". */
  ipvlan?: IpvlanAttrs;
  /** IFLA_VRF_TABLE for kind "vrf". */
  vrfTable?: number;
  /** IFLA_INFO_DATA for kind "vlan". */
  vlan?: VlanAttrs;
}

/** What an RTM_NEWLINK/SETLINK/DELLINK/GETLINK request carries. Absent fields are not sent. */
export interface LinkRequest {
  family?: number;
  ifindex?: number;
  /** ifi_flags / ifi_change (e.g. IFF_UP in both to set up, in change only to set down). */
  flags?: number;
  change?: number;
  name?: string;
  mtu?: number;
  mac?: Uint8Array;
  master?: number;
  link?: number;
  txqlen?: number;
  operstate?: number;
  netnsFd?: number;
  netnsPid?: number;
  /** IFLA_IFALIAS; "" removes the alias */
  alias?: string;
  linkinfo?: LinkInfoRequest;
  protinfo?: BridgePortAttrs;
  /** IFLA_AF_SPEC under AF_BRIDGE: IFLA_BRIDGE_FLAGS (if set) then the VLAN entries in order. */
  bridgeFlags?: number;
  vlans?: readonly BridgeVlanInfo[];
  extMask?: number;
}

/** A decoded RTM_NEWLINK. */
export interface Link {
  family: number;
  /** ARPHRD_* */
  type: number;
  ifindex: number;
  flags: number;
  up: boolean;
  name: string;
  mtu?: number;
  mac?: string;
  broadcast?: string;
  /** IFLA_IFALIAS (absent when the link has none) */
  alias?: string;
  master?: number;
  /** IFLA_LINK: for a veth the peer's ifindex (in the netns of linkNetnsid, if set). */
  linkIndex?: number;
  linkNetnsid?: number;
  txqlen?: number;
  operstate?: number;
  promiscuity?: number;
  kind?: string;
  slaveKind?: string;
  bridge?: BridgeAttrs;
  macvlan?: MacvlanAttrs;
  ipvlan?: IpvlanAttrs;
  vlan?: VlanAttrs;
  /** A VRF's routing table (IFLA_VRF_TABLE). */
  vrfTable?: number;
  /** Bridge port settings, from IFLA_INFO_SLAVE_DATA or (AF_BRIDGE dumps) IFLA_PROTINFO. */
  port?: BridgePortAttrs;
  /** Bridge VLANs (AF_BRIDGE dumps with RTEXT_FILTER_BRVLAN). */
  vlans?: BridgeVlanInfo[];
}

// ---------------------------------------------------------------- encode

function writeBridgeAttrs(w: NlWriter, b: BridgeAttrs): void {
  if (b.forwardDelay !== undefined) w.attrU32(IFLA_BR_FORWARD_DELAY, b.forwardDelay);
  if (b.helloTime !== undefined) w.attrU32(IFLA_BR_HELLO_TIME, b.helloTime);
  if (b.maxAge !== undefined) w.attrU32(IFLA_BR_MAX_AGE, b.maxAge);
  if (b.ageingTime !== undefined) w.attrU32(IFLA_BR_AGEING_TIME, b.ageingTime);
  if (b.stpState !== undefined) w.attrU32(IFLA_BR_STP_STATE, b.stpState);
  if (b.priority !== undefined) w.attrU16(IFLA_BR_PRIORITY, b.priority);
  if (b.vlanFiltering !== undefined) w.attrU8(IFLA_BR_VLAN_FILTERING, b.vlanFiltering ? 1 : 0);
  if (b.vlanProtocol !== undefined) w.attrBe16(IFLA_BR_VLAN_PROTOCOL, b.vlanProtocol);
  if (b.mcastSnooping !== undefined) w.attrU8(IFLA_BR_MCAST_SNOOPING, b.mcastSnooping ? 1 : 0);
  if (b.vlanDefaultPvid !== undefined) w.attrU16(IFLA_BR_VLAN_DEFAULT_PVID, b.vlanDefaultPvid);
}

const PORT_BOOLS: ReadonlyArray<readonly [keyof BridgePortAttrs, number]> = [
  ["hairpin", IFLA_BRPORT_MODE],
  ["guard", IFLA_BRPORT_GUARD],
  ["protect", IFLA_BRPORT_PROTECT],
  ["fastLeave", IFLA_BRPORT_FAST_LEAVE],
  ["learning", IFLA_BRPORT_LEARNING],
  ["unicastFlood", IFLA_BRPORT_UNICAST_FLOOD],
  ["proxyArp", IFLA_BRPORT_PROXYARP],
  ["mcastFlood", IFLA_BRPORT_MCAST_FLOOD],
  ["bcastFlood", IFLA_BRPORT_BCAST_FLOOD],
  ["neighSuppress", IFLA_BRPORT_NEIGH_SUPPRESS],
  ["isolated", IFLA_BRPORT_ISOLATED],
];

/** Writes IFLA_BRPORT_* attributes (the caller opens and ends the enclosing nest). */
function writeBridgePortAttrs(w: NlWriter, p: BridgePortAttrs): void {
  if (p.state !== undefined) w.attrU8(IFLA_BRPORT_STATE, p.state);
  if (p.priority !== undefined) w.attrU16(IFLA_BRPORT_PRIORITY, p.priority);
  if (p.cost !== undefined) w.attrU32(IFLA_BRPORT_COST, p.cost);
  for (const [key, type] of PORT_BOOLS) {
    const v = p[key];
    if (v !== undefined) w.attrU8(type, v ? 1 : 0);
  }
}

function writeMacvlanAttrs(w: NlWriter, m: MacvlanAttrs): void {
  if (m.mode !== undefined) w.attrU32(IFLA_MACVLAN_MODE, m.mode);
  if (m.flags !== undefined) w.attrU16(IFLA_MACVLAN_FLAGS, m.flags);
  if (m.bcQueueLen !== undefined) w.attrU32(IFLA_MACVLAN_BC_QUEUE_LEN, m.bcQueueLen);
}

function writeIpvlanAttrs(w: NlWriter, m: IpvlanAttrs): void {
  if (m.mode !== undefined) w.attrU16(IFLA_IPVLAN_MODE, m.mode);
  if (m.flags !== undefined) w.attrU16(IFLA_IPVLAN_FLAGS, m.flags);
}

function writeVlanAttrs(w: NlWriter, v: VlanAttrs): void {
  if (v.id !== undefined) w.attrU16(IFLA_VLAN_ID, v.id);
  if (v.flags !== undefined) w.nest(IFLA_VLAN_FLAGS).u32(v.flags.flags).u32(v.flags.mask).end();
  if (v.protocol !== undefined) w.attrBe16(IFLA_VLAN_PROTOCOL, v.protocol);
}

/** The kind-specific IFLA_INFO_DATA writer, if li carries settings for one. */
function infoDataWriter(li: LinkInfoRequest): ((w: NlWriter) => void) | undefined {
  if (li.bridge) return (w) => writeBridgeAttrs(w, li.bridge!);
  if (li.macvlan) return (w) => writeMacvlanAttrs(w, li.macvlan!);
  if (li.ipvlan) return (w) => writeIpvlanAttrs(w, li.ipvlan!);
  if (li.vlan) return (w) => writeVlanAttrs(w, li.vlan!);
  if (li.vrfTable !== undefined) return (w) => w.attrU32(IFLA_VRF_TABLE, li.vrfTable!);
  return undefined;
}

function writeLinkInfo(w: NlWriter, li: LinkInfoRequest): void {
  w.nest(IFLA_LINKINFO);
  w.attrStr(IFLA_INFO_KIND, li.kind);
  const data = infoDataWriter(li);
  if (data) {
    w.nest(IFLA_INFO_DATA);
    data(w);
    w.end();
  } else if (li.vethPeer) {
    w.nest(IFLA_INFO_DATA).nest(VETH_INFO_PEER);
    writeLink(w, li.vethPeer);
    w.end().end();
  }
  w.end();
}

function writeAfSpecBridge(w: NlWriter, m: LinkRequest): void {
  w.nest(IFLA_AF_SPEC);
  if (m.bridgeFlags !== undefined) w.attrU16(IFLA_BRIDGE_FLAGS, m.bridgeFlags);
  for (const v of m.vlans ?? []) w.nest(IFLA_BRIDGE_VLAN_INFO).u16(v.flags).u16(v.vid).end();
  w.end();
}

/** Writes struct ifinfomsg and the attributes of m (the payload of a link message). */
export function writeLink(w: NlWriter, m: LinkRequest): void {
  w.u8(m.family ?? AF_UNSPEC).u8(0).u16(0);
  w.i32(m.ifindex ?? 0).u32(m.flags ?? 0).u32(m.change ?? 0);
  if (m.name !== undefined) w.attrStr(IFLA_IFNAME, m.name);
  if (m.mtu !== undefined) w.attrU32(IFLA_MTU, m.mtu);
  if (m.mac !== undefined) w.attrBytes(IFLA_ADDRESS, m.mac);
  if (m.master !== undefined) w.attrU32(IFLA_MASTER, m.master);
  if (m.link !== undefined) w.attrU32(IFLA_LINK, m.link);
  if (m.txqlen !== undefined) w.attrU32(IFLA_TXQLEN, m.txqlen);
  if (m.operstate !== undefined) w.attrU8(IFLA_OPERSTATE, m.operstate);
  if (m.netnsFd !== undefined) w.attrU32(IFLA_NET_NS_FD, m.netnsFd);
  if (m.netnsPid !== undefined) w.attrU32(IFLA_NET_NS_PID, m.netnsPid);
  // the kernel takes the attribute's whole length as the alias: no NUL, and length 0 deletes it
  if (m.alias !== undefined) w.attrBytes(IFLA_IFALIAS, new TextEncoder().encode(m.alias));
  if (m.linkinfo) writeLinkInfo(w, m.linkinfo);
  if (m.protinfo) {
    w.nest(IFLA_PROTINFO | NLA_F_NESTED);
    writeBridgePortAttrs(w, m.protinfo);
    w.end();
  }
  if (m.bridgeFlags !== undefined || m.vlans) writeAfSpecBridge(w, m);
  if (m.extMask !== undefined) w.attrU32(IFLA_EXT_MASK, m.extMask);
}

// ---------------------------------------------------------------- decode

function decodeBridgeAttrs(dv: DataView, off: number, end: number): BridgeAttrs {
  const b: BridgeAttrs = {};
  forEachAttr(dv, off, end, (t, o, l) => {
    switch (t) {
      case IFLA_BR_FORWARD_DELAY: b.forwardDelay = attrU32(dv, o, l); break;
      case IFLA_BR_HELLO_TIME: b.helloTime = attrU32(dv, o, l); break;
      case IFLA_BR_MAX_AGE: b.maxAge = attrU32(dv, o, l); break;
      case IFLA_BR_AGEING_TIME: b.ageingTime = attrU32(dv, o, l); break;
      case IFLA_BR_STP_STATE: b.stpState = attrU32(dv, o, l); break;
      case IFLA_BR_PRIORITY: b.priority = attrU16(dv, o, l); break;
      case IFLA_BR_VLAN_FILTERING: b.vlanFiltering = attrU8(dv, o, l) !== 0; break;
      case IFLA_BR_VLAN_PROTOCOL: b.vlanProtocol = attrBe16(dv, o, l); break;
      case IFLA_BR_MCAST_SNOOPING: b.mcastSnooping = attrU8(dv, o, l) !== 0; break;
      case IFLA_BR_VLAN_DEFAULT_PVID: b.vlanDefaultPvid = attrU16(dv, o, l); break;
    }
  });
  return b;
}

function decodeMacvlanAttrs(dv: DataView, off: number, end: number): MacvlanAttrs {
  const m: MacvlanAttrs = {};
  forEachAttr(dv, off, end, (t, o, l) => {
    if (t === IFLA_MACVLAN_MODE) m.mode = attrU32(dv, o, l);
    else if (t === IFLA_MACVLAN_FLAGS) m.flags = attrU16(dv, o, l);
    else if (t === IFLA_MACVLAN_BC_QUEUE_LEN) m.bcQueueLen = attrU32(dv, o, l);
    else if (t === IFLA_MACVLAN_BC_QUEUE_LEN_USED) m.bcQueueLenUsed = attrU32(dv, o, l);
  });
  return m;
}

function decodeIpvlanAttrs(dv: DataView, off: number, end: number): IpvlanAttrs {
  const m: IpvlanAttrs = {};
  forEachAttr(dv, off, end, (t, o, l) => {
    if (t === IFLA_IPVLAN_MODE) m.mode = attrU16(dv, o, l);
    else if (t === IFLA_IPVLAN_FLAGS) m.flags = attrU16(dv, o, l);
  });
  return m;
}

function decodeVlanAttrs(dv: DataView, off: number, end: number): VlanAttrs {
  const v: VlanAttrs = {};
  forEachAttr(dv, off, end, (t, o, l) => {
    if (t === IFLA_VLAN_ID) v.id = attrU16(dv, o, l);
    else if (t === IFLA_VLAN_PROTOCOL) v.protocol = attrBe16(dv, o, l);
    else if (t === IFLA_VLAN_FLAGS) {
      if (l < 8) throw new NetlinkDecodeError(`ifla_vlan_flags of ${l} bytes`, o);
      v.flags = { flags: dv.getUint32(o, LE), mask: dv.getUint32(o + 4, LE) };
    }
  });
  return v;
}

/** Decodes IFLA_INFO_DATA [off, end) for the kinds this codec knows into link. */
function decodeVrfTable(dv: DataView, off: number, end: number): number | undefined {
  let table: number | undefined;
  forEachAttr(dv, off, end, (t, o, l) => {
    if (t === IFLA_VRF_TABLE) table = attrU32(dv, o, l);
  });
  return table;
}

function decodeInfoData(dv: DataView, off: number, end: number, link: Link): void {
  switch (link.kind) {
    case "bridge": link.bridge = decodeBridgeAttrs(dv, off, end); break;
    case "macvlan":
    case "macvtap": link.macvlan = decodeMacvlanAttrs(dv, off, end); break;
    case "ipvlan": link.ipvlan = decodeIpvlanAttrs(dv, off, end); break;
    case "vlan": link.vlan = decodeVlanAttrs(dv, off, end); break;
    case "vrf": link.vrfTable = decodeVrfTable(dv, off, end); break;
  }
}

const PORT_BOOL_BY_TYPE: (keyof BridgePortAttrs | undefined)[] = [];
for (const [key, type] of PORT_BOOLS) PORT_BOOL_BY_TYPE[type] = key;

function decodeBridgePortAttrs(dv: DataView, off: number, end: number): BridgePortAttrs {
  const p: BridgePortAttrs = {};
  forEachAttr(dv, off, end, (t, o, l) => {
    if (t === IFLA_BRPORT_STATE) p.state = attrU8(dv, o, l);
    else if (t === IFLA_BRPORT_PRIORITY) p.priority = attrU16(dv, o, l);
    else if (t === IFLA_BRPORT_COST) p.cost = attrU32(dv, o, l);
    else {
      const key = PORT_BOOL_BY_TYPE[t];
      if (key) (p as Record<string, boolean>)[key] = attrU8(dv, o, l) !== 0;
    }
  });
  return p;
}

function decodeLinkInfo(dv: DataView, off: number, end: number, link: Link): void {
  let data = -1;
  let dataEnd = 0;
  let slave = -1;
  let slaveEnd = 0;
  forEachAttr(dv, off, end, (t, o, l) => {
    if (t === IFLA_INFO_KIND) link.kind = attrStr(dv, o, l);
    else if (t === IFLA_INFO_SLAVE_KIND) link.slaveKind = attrStr(dv, o, l);
    else if (t === IFLA_INFO_DATA) (data = o), (dataEnd = o + l);
    else if (t === IFLA_INFO_SLAVE_DATA) (slave = o), (slaveEnd = o + l);
  });
  if (data >= 0) decodeInfoData(dv, data, dataEnd, link);
  if (slave >= 0 && link.slaveKind === "bridge") link.port = decodeBridgePortAttrs(dv, slave, slaveEnd);
}

function decodeBridgeAfSpec(dv: DataView, off: number, end: number, link: Link): void {
  const vlans: BridgeVlanInfo[] = [];
  forEachAttr(dv, off, end, (t, o, l) => {
    if (t !== IFLA_BRIDGE_VLAN_INFO) return;
    if (l < 4) throw new NetlinkDecodeError(`bridge_vlan_info of ${l} bytes`, o);
    vlans.push({ flags: dv.getUint16(o, LE), vid: dv.getUint16(o + 2, LE) });
  });
  link.vlans = vlans;
}

/** Decodes an RTM_NEWLINK payload [off, end). */
export function decodeLink(dv: DataView, off: number, end: number): Link {
  needStruct(dv, off, end, IFINFOMSG_LEN, "ifinfomsg");
  const flags = dv.getUint32(off + 8, LE);
  const link: Link = {
    family: dv.getUint8(off),
    type: dv.getUint16(off + 2, LE),
    ifindex: dv.getInt32(off + 4, LE),
    flags,
    up: (flags & IFF_UP) !== 0,
    name: "",
  };
  forEachAttr(dv, off + IFINFOMSG_LEN, end, (t, o, l) => {
    switch (t) {
      case IFLA_IFNAME: link.name = attrStr(dv, o, l); break;
      case IFLA_MTU: link.mtu = attrU32(dv, o, l); break;
      case IFLA_ADDRESS: link.mac = formatMac(attrView(dv, o, l)); break;
      case IFLA_BROADCAST: link.broadcast = formatMac(attrView(dv, o, l)); break;
      case IFLA_IFALIAS: link.alias = attrStr(dv, o, l); break;
      case IFLA_MASTER: link.master = attrU32(dv, o, l); break;
      case IFLA_LINK: link.linkIndex = attrU32(dv, o, l); break;
      case IFLA_LINK_NETNSID: link.linkNetnsid = attrI32(dv, o, l); break;
      case IFLA_TXQLEN: link.txqlen = attrU32(dv, o, l); break;
      case IFLA_OPERSTATE: link.operstate = attrU8(dv, o, l); break;
      case IFLA_PROMISCUITY: link.promiscuity = attrU32(dv, o, l); break;
      case IFLA_LINKINFO: decodeLinkInfo(dv, o, o + l, link); break;
      case IFLA_PROTINFO:
        if (link.family === AF_BRIDGE) link.port = decodeBridgePortAttrs(dv, o, o + l);
        break;
      case IFLA_AF_SPEC:
        if (link.family === AF_BRIDGE) decodeBridgeAfSpec(dv, o, o + l, link);
        break;
    }
  });
  return link;
}
