import { describe, expect, it } from "vitest";
import { AF_BRIDGE } from "../../../../shared/netlink/codec/inet.ts";
import {
  IFLA_ADDRESS,
  IFLA_AF_SPEC,
  IFLA_BR_VLAN_FILTERING,
  IFLA_BRIDGE_FLAGS,
  IFLA_BRIDGE_VLAN_INFO,
  IFLA_BRPORT_ISOLATED,
  IFLA_BRPORT_MODE,
  IFLA_EXT_MASK,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_IPVLAN_MODE,
  IFLA_LINK,
  IFLA_MACVLAN_BC_QUEUE_LEN,
  IFLA_MACVLAN_MODE,
  IFLA_VLAN_ID,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  IFLA_PROTINFO,
  IFLA_TXQLEN,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTM_SETLINK,
  VETH_INFO_PEER,
} from "../../../../shared/netlink/codec/link.ts";
import { NLM_F_CREATE, NLM_F_EXCL } from "../../../../shared/netlink/codec/nlmsg.ts";
import { NetlinkError } from "../../../../shared/netlink/errors.ts";
import {
  bridgeVlanAdd,
  bridgeVlanDel,
  createBridge,
  createIfb,
  createIpvlan,
  createMacvlan,
  createVeth,
  createVlan,
  deleteLink,
  getLinkByIndex,
  getLinkByName,
  listLinks,
  setBridgePortFlags,
  setLinkDown,
  setLinkMac,
  setLinkMaster,
  setLinkMtu,
  setLinkName,
  setLinkNetns,
  setLinkNoMaster,
  setLinkPromisc,
  setLinkUp,
} from "../../../../shared/netlink/links.ts";
import { FakeConn } from "./fake-conn.ts";
import { loadFixture } from "./fixtures.ts";
import { attr, hex, ifinfomsg, str, u16, u32, u8 } from "./naive.ts";

const CREATE = NLM_F_CREATE | NLM_F_EXCL;

describe("link ops: requests", () => {
  it("createBridge: name, mtu, vlanFiltering -> RTM_NEWLINK CREATE|EXCL with IFLA_BR_VLAN_FILTERING", () => {
    const c = new FakeConn();
    createBridge(c, { name: "cni0", mtu: 1450, vlanFiltering: true });
    expect(c.last()).toMatchObject({ type: RTM_NEWLINK, flags: CREATE, op: "create bridge cni0" });
    const expected = [...ifinfomsg(0, 0), ...attr(IFLA_IFNAME, str("cni0")), ...attr(IFLA_MTU, u32(1450)), ...attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("bridge")), attr(IFLA_INFO_DATA, attr(IFLA_BR_VLAN_FILTERING, u8(1))))];
    expect(hex(c.last().body)).toBe(hex(expected));
  });

  it("createVeth: peer sent to another netns -> peer carries name, mtu (inherited), mac and IFLA_NET_NS_FD", () => {
    const c = new FakeConn();
    createVeth(c, { name: "eth0", peerName: "veth9a1b", peerNetnsFd: 7, mtu: 1400, mac: "02:00:00:00:00:01", peerMac: "02:00:00:00:00:02" });
    expect(c.last().op).toBe("create veth eth0 peer veth9a1b");
    const peer = [...ifinfomsg(0, 0), ...attr(IFLA_IFNAME, str("veth9a1b")), ...attr(IFLA_MTU, u32(1400)), ...attr(IFLA_ADDRESS, [2, 0, 0, 0, 0, 2]), ...attr(IFLA_NET_NS_FD, u32(7))];
    const expected = [
      ...ifinfomsg(0, 0),
      ...attr(IFLA_IFNAME, str("eth0")),
      ...attr(IFLA_MTU, u32(1400)),
      ...attr(IFLA_ADDRESS, [2, 0, 0, 0, 0, 1]),
      ...attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("veth")), attr(IFLA_INFO_DATA, attr(VETH_INFO_PEER, peer))),
    ];
    expect(hex(c.last().body)).toBe(hex(expected));
  });

  it("createMacvlan: parent, mode, bcQueueLen, mac, target netns -> IFLA_LINK + macvlan data; bcQueueLen 0 not sent", () => {
    const c = new FakeConn();
    createMacvlan(c, { name: "veth00ff00ff", parent: { ifindex: 4, name: "hv0" }, mode: 4, bcQueueLen: 100, mac: "02:00:00:00:00:09", netnsFd: 11 });
    expect(c.last()).toMatchObject({ type: RTM_NEWLINK, flags: CREATE, op: "create macvlan veth00ff00ff" });
    const data = [...attr(IFLA_MACVLAN_MODE, u32(4)), ...attr(IFLA_MACVLAN_BC_QUEUE_LEN, u32(100))];
    const expected = [...ifinfomsg(0, 0), ...attr(IFLA_IFNAME, str("veth00ff00ff")), ...attr(IFLA_ADDRESS, [2, 0, 0, 0, 0, 9]), ...attr(IFLA_LINK, u32(4)), ...attr(IFLA_NET_NS_FD, u32(11)), ...attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("macvlan")), attr(IFLA_INFO_DATA, data))];
    expect(hex(c.last().body)).toBe(hex(expected));
    createMacvlan(c, { name: "m0", parent: 4, mode: 1, bcQueueLen: 0 });
    expect(hex(c.last().body)).toContain(hex(attr(IFLA_INFO_DATA, attr(IFLA_MACVLAN_MODE, u32(1)))));
    expect(hex(c.last().body)).not.toContain(hex(attr(IFLA_MACVLAN_BC_QUEUE_LEN, u32(0))));
  });

  it("createIpvlan / createVlan: parent and kind data; a VLAN id out of 0-4094 -> RangeError before sending", () => {
    const c = new FakeConn();
    createIpvlan(c, { name: "i0", parent: 2, mode: 1, mtu: 1400 });
    const ipv = [...ifinfomsg(0, 0), ...attr(IFLA_IFNAME, str("i0")), ...attr(IFLA_MTU, u32(1400)), ...attr(IFLA_LINK, u32(2)), ...attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("ipvlan")), attr(IFLA_INFO_DATA, attr(IFLA_IPVLAN_MODE, u16(1))))];
    expect(hex(c.last().body)).toBe(hex(ipv));
    createVlan(c, { name: "v0", parent: 2, vlanId: 0 });
    const vl = [...ifinfomsg(0, 0), ...attr(IFLA_IFNAME, str("v0")), ...attr(IFLA_LINK, u32(2)), ...attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("vlan")), attr(IFLA_INFO_DATA, attr(IFLA_VLAN_ID, u16(0))))];
    expect(hex(c.last().body)).toBe(hex(vl));
    const n = c.calls.length;
    expect(() => createVlan(c, { name: "v1", parent: 2, vlanId: 4095 })).toThrow(RangeError);
    expect(c.calls.length).toBe(n);
  });

  it("createIfb: up with txqlen -> IFF_UP in flags/change and IFLA_TXQLEN", () => {
    const c = new FakeConn();
    createIfb(c, { name: "ifb0", mtu: 1500, txqlen: 32, up: true });
    const expected = [...ifinfomsg(0, 0, 1, 1), ...attr(IFLA_IFNAME, str("ifb0")), ...attr(IFLA_MTU, u32(1500)), ...attr(IFLA_TXQLEN, u32(32)), ...attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("ifb")))];
    expect(hex(c.last().body)).toBe(hex(expected));
  });

  it("setLinkUp/Down: by name and by Link -> RTM_SETLINK, IFF_UP masked by change", () => {
    const c = new FakeConn();
    setLinkUp(c, "veth0");
    expect(c.last()).toMatchObject({ type: RTM_SETLINK, op: "set veth0 up" });
    expect(hex(c.last().body)).toBe(hex([...ifinfomsg(0, 0, 1, 1), ...attr(IFLA_IFNAME, str("veth0"))]));
    setLinkDown(c, { ifindex: 4, name: "veth0" });
    expect(c.last().op).toBe("set veth0 down");
    expect(hex(c.last().body)).toBe(hex(ifinfomsg(0, 4, 0, 1)));
  });

  it("setLinkMaster/NoMaster: -> IFLA_MASTER ifindex, or 0 to release", () => {
    const c = new FakeConn();
    setLinkMaster(c, 5, { ifindex: 3, name: "cni0" });
    expect(c.last().op).toBe("set master of ifindex 5 to cni0");
    expect(hex(c.last().body)).toBe(hex([...ifinfomsg(0, 5), ...attr(IFLA_MASTER, u32(3))]));
    setLinkNoMaster(c, 5);
    expect(hex(c.last().body)).toBe(hex([...ifinfomsg(0, 5), ...attr(IFLA_MASTER, u32(0))]));
  });

  it("setLinkMtu/Mac/Promisc/Netns/Name: -> one attribute or flag each", () => {
    const c = new FakeConn();
    setLinkMtu(c, 2, 9000);
    expect(hex(c.last().body)).toBe(hex([...ifinfomsg(0, 2), ...attr(IFLA_MTU, u32(9000))]));
    setLinkMac(c, 2, "AA:bb:cc:dd:ee:ff");
    expect(hex(c.last().body)).toBe(hex([...ifinfomsg(0, 2), ...attr(IFLA_ADDRESS, [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff])]));
    setLinkPromisc(c, 2, true);
    expect(hex(c.last().body)).toBe(hex(ifinfomsg(0, 2, 0x100, 0x100)));
    setLinkPromisc(c, 2, false);
    expect(hex(c.last().body)).toBe(hex(ifinfomsg(0, 2, 0, 0x100)));
    setLinkNetns(c, "eth0", 12);
    expect(hex(c.last().body)).toBe(hex([...ifinfomsg(0, 0), ...attr(IFLA_IFNAME, str("eth0")), ...attr(IFLA_NET_NS_FD, u32(12))]));
    setLinkName(c, 2, "eth1");
    expect(hex(c.last().body)).toBe(hex([...ifinfomsg(0, 2), ...attr(IFLA_IFNAME, str("eth1"))]));
  });

  it("setBridgePortFlags: hairpin and isolated -> AF_BRIDGE SETLINK with nested IFLA_PROTINFO", () => {
    const c = new FakeConn();
    setBridgePortFlags(c, { ifindex: 6, name: "veth0" }, { hairpin: true, isolated: true });
    expect(c.last()).toMatchObject({ type: RTM_SETLINK, op: "set bridge port flags on veth0" });
    expect(hex(c.last().body)).toBe(hex([...ifinfomsg(AF_BRIDGE, 6), ...attr(IFLA_PROTINFO | 0x8000, attr(IFLA_BRPORT_MODE, u8(1)), attr(IFLA_BRPORT_ISOLATED, u8(1)))]));
  });

  it("bridgeVlanAdd: pvid untagged on a port -> one VLAN_INFO with PVID|UNTAGGED, no flags attr", () => {
    const c = new FakeConn();
    bridgeVlanAdd(c, { link: 6, vid: 10, pvid: true, untagged: true });
    expect(c.last()).toMatchObject({ type: RTM_SETLINK, op: "add vlan 10 to ifindex 6" });
    expect(hex(c.last().body)).toBe(hex([...ifinfomsg(AF_BRIDGE, 6), ...attr(IFLA_AF_SPEC, attr(IFLA_BRIDGE_VLAN_INFO, u16(6), u16(10)))]));
  });

  it("bridgeVlanAdd: range on the bridge itself -> SELF flag then RANGE_BEGIN/RANGE_END", () => {
    const c = new FakeConn();
    bridgeVlanAdd(c, { link: 3, vid: 20, vidEnd: 30, self: true });
    expect(c.last().op).toBe("add vlan 20-30 to ifindex 3");
    const spec = [...attr(IFLA_BRIDGE_FLAGS, u16(2)), ...attr(IFLA_BRIDGE_VLAN_INFO, u16(8), u16(20)), ...attr(IFLA_BRIDGE_VLAN_INFO, u16(16), u16(30))];
    expect(hex(c.last().body)).toBe(hex([...ifinfomsg(AF_BRIDGE, 3), ...attr(IFLA_AF_SPEC, spec)]));
  });

  it("bridgeVlanDel: -> RTM_DELLINK AF_BRIDGE with the VLAN entry", () => {
    const c = new FakeConn();
    bridgeVlanDel(c, { link: 6, vid: 1 });
    expect(c.last()).toMatchObject({ type: RTM_DELLINK, op: "delete vlan 1 from ifindex 6" });
    expect(hex(c.last().body)).toBe(hex([...ifinfomsg(AF_BRIDGE, 6), ...attr(IFLA_AF_SPEC, attr(IFLA_BRIDGE_VLAN_INFO, u16(0), u16(1)))]));
  });

  it("deleteLink: by name -> RTM_DELLINK with IFLA_IFNAME", () => {
    const c = new FakeConn();
    deleteLink(c, "veth0");
    expect(c.last()).toMatchObject({ type: RTM_DELLINK, flags: 0, op: "delete link veth0" });
    expect(hex(c.last().body)).toBe(hex([...ifinfomsg(0, 0), ...attr(IFLA_IFNAME, str("veth0"))]));
  });
});

describe("link ops: validation before any request", () => {
  it.each([
    ["name too long", () => createBridge(new FakeConn(), { name: "a".repeat(16) })],
    ["name with slash", () => createBridge(new FakeConn(), { name: "a/b" })],
    ["name with space", () => setLinkUp(new FakeConn(), "a b")],
    ["name '..'", () => deleteLink(new FakeConn(), "..")],
    ["empty peer name", () => createVeth(new FakeConn(), { name: "a", peerName: "" })],
    ["bad mac", () => setLinkMac(new FakeConn(), 1, "zz:00:00:00:00:00")],
    ["ifindex 0", () => setLinkUp(new FakeConn(), 0)],
    ["vid 4095", () => bridgeVlanAdd(new FakeConn(), { link: 1, vid: 4095 })],
    ["reversed range", () => bridgeVlanAdd(new FakeConn(), { link: 1, vid: 30, vidEnd: 20 })],
    ["mtu negative", () => setLinkMtu(new FakeConn(), 1, -1)],
  ])("%s -> RangeError", (_what, fn) => {
    expect(fn).toThrow(RangeError);
  });
});

describe("link ops: queries", () => {
  it("getLinkByName: kernel answers -> decoded Link; request asks by name and skips stats", () => {
    const c = new FakeConn();
    c.replies = [loadFixture("link-bridge").bytes];
    expect(getLinkByName(c, "br0")).toMatchObject({ name: "br0", kind: "bridge" });
    expect(c.last()).toMatchObject({ kind: "get", type: RTM_GETLINK, op: "get link br0" });
    expect(hex(c.last().body)).toBe(hex([...ifinfomsg(0, 0), ...attr(IFLA_IFNAME, str("br0")), ...attr(IFLA_EXT_MASK, u32(8))]));
  });

  it("getLinkByIndex: ENODEV -> undefined; other errors -> thrown", () => {
    const c = new FakeConn();
    c.failWith = new NetlinkError("get link ifindex 9", 19, "ENODEV");
    expect(getLinkByIndex(c, 9)).toBeUndefined();
    c.failWith = new NetlinkError("get link ifindex 9", 1, "EPERM");
    expect(() => getLinkByIndex(c, 9)).toThrow("EPERM");
  });

  it("listLinks: kind and master filters -> sent to the kernel and applied to replies", () => {
    const c = new FakeConn();
    const port = loadFixture("link-veth-port");
    c.replies = [loadFixture("link-lo").bytes, loadFixture("link-bridge").bytes, port.bytes];
    const master = (port.expected.body as { master: number }).master;
    expect(listLinks(c, { master }).map((l) => l.name)).toEqual(["veth0"]);
    expect(hex(c.last().body)).toBe(hex([...ifinfomsg(0, 0), ...attr(IFLA_MASTER, u32(master)), ...attr(IFLA_EXT_MASK, u32(8))]));
    expect(listLinks(c, { kind: "bridge" }).map((l) => l.name)).toEqual(["br0"]);
    expect(listLinks(c).map((l) => l.name)).toEqual(["lo", "br0", "veth0"]);
  });
});
