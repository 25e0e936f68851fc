import { describe, expect, it } from "vitest";
import { AF_BRIDGE } from "../../../../../shared/netlink/codec/inet.ts";
import {
  BRIDGE_FLAGS_SELF,
  BRIDGE_VLAN_INFO_PVID,
  BRIDGE_VLAN_INFO_RANGE_BEGIN,
  BRIDGE_VLAN_INFO_RANGE_END,
  BRIDGE_VLAN_INFO_UNTAGGED,
  decodeLink,
  ETH_P_8021AD,
  ETH_P_8021Q,
  IFF_UP,
  IFLA_IPVLAN_FLAGS,
  IFLA_IPVLAN_MODE,
  IFLA_LINK,
  IFLA_MACVLAN_BC_QUEUE_LEN,
  IFLA_MACVLAN_BC_QUEUE_LEN_USED,
  IFLA_MACVLAN_FLAGS,
  IFLA_MACVLAN_MODE,
  IFLA_VLAN_FLAGS,
  IFLA_VLAN_ID,
  IFLA_VLAN_PROTOCOL,
  IPVLAN_F_PRIVATE,
  IPVLAN_F_VEPA,
  IPVLAN_MODE_L2,
  IPVLAN_MODE_L3,
  IPVLAN_MODE_L3S,
  MACVLAN_MODE_BRIDGE,
  MACVLAN_MODE_PASSTHRU,
  MACVLAN_MODE_PRIVATE,
  MACVLAN_MODE_VEPA,
  IFLA_AF_SPEC,
  IFLA_ADDRESS,
  IFLA_BR_VLAN_DEFAULT_PVID,
  IFLA_BR_VLAN_FILTERING,
  IFLA_BR_VLAN_PROTOCOL,
  IFLA_BRIDGE_FLAGS,
  IFLA_BRIDGE_VLAN_INFO,
  IFLA_BRPORT_ISOLATED,
  IFLA_BRPORT_MODE,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  IFLA_PROTINFO,
  RTM_NEWLINK,
  VETH_INFO_PEER,
  writeLink,
  type Link,
  type LinkRequest,
} from "../../../../../shared/netlink/codec/link.ts";
import { NlWriter } from "../../../../../shared/netlink/codec/writer.ts";
import { attr, be16, hex, ifinfomsg, msg, str, u16, u32, u8, view } from "../naive.ts";
import { loadFixture, payload } from "../fixtures.ts";

const parseMac = (s: string): Uint8Array => Uint8Array.from(s.split(":"), (h) => parseInt(h, 16));

function encode(m: LinkRequest): Uint8Array {
  const w = new NlWriter();
  w.beginMessage(RTM_NEWLINK, 0x605, 1);
  writeLink(w, m);
  w.endMessage();
  return w.bytes().slice();
}

function roundTrip(m: LinkRequest): Link {
  const b = encode(m);
  return decodeLink(view(b), 16, b.length);
}

describe("link codec: kernel fixtures", () => {
  it("decode: lo -> loopback type, up, mtu 65536", () => {
    const f = loadFixture("link-lo");
    const { dv, off, end } = payload(f);
    expect(decodeLink(dv, off, end)).toMatchObject({ name: "lo", type: 772, up: true, mtu: 65536, mac: "00:00:00:00:00:00" });
  });

  it("decode: bridge -> kind bridge with IFLA_BR_* data", () => {
    const { dv, off, end } = payload(loadFixture("link-bridge"));
    const l = decodeLink(dv, off, end);
    expect(l).toMatchObject({ name: "br0", kind: "bridge", mtu: 1450, up: true });
    expect(l.bridge).toMatchObject({ forwardDelay: 1500, ageingTime: 30000, priority: 32768 });
    expect(typeof l.bridge!.vlanFiltering).toBe("boolean");
  });

  it("decode: veth port whose peer is in another netns -> master, slave data, peer ifindex and netnsid", () => {
    const { dv, off, end } = payload(loadFixture("link-veth-port"));
    const l = decodeLink(dv, off, end);
    expect(l).toMatchObject({ name: "veth0", kind: "veth", slaveKind: "bridge", mac: "02:42:ac:11:00:02", mtu: 1450 });
    expect(l.master).toBeGreaterThan(0);
    expect(l.linkIndex).toBeGreaterThan(0);
    expect(l.linkNetnsid).toBe(0);
    expect(l.port).toMatchObject({ hairpin: true, isolated: true, learning: true });
  });

  it("decode: AF_BRIDGE port message -> IFLA_PROTINFO read as port flags", () => {
    const { dv, off, end } = payload(loadFixture("link-bridge-port-afbridge"));
    const l = decodeLink(dv, off, end);
    expect(l.family).toBe(AF_BRIDGE);
    expect(l.port).toMatchObject({ hairpin: true, isolated: true });
  });

  it("decode: ifb -> kind ifb and its txqlen", () => {
    const { dv, off, end } = payload(loadFixture("link-ifb"));
    expect(decodeLink(dv, off, end)).toMatchObject({ kind: "ifb", txqlen: 32 });
  });

  it("decode: macvlan on a veth master -> kind, mode bridge, requested and used bc queue len, parent ifindex", () => {
    const { dv, off, end } = payload(loadFixture("link-macvlan"));
    const l = decodeLink(dv, off, end);
    expect(l).toMatchObject({ name: "mv0", kind: "macvlan", mtu: 1400, mac: "02:42:ac:11:00:09" });
    expect(l.macvlan).toEqual({ mode: MACVLAN_MODE_BRIDGE, flags: 0, bcQueueLen: 100, bcQueueLenUsed: 100 });
    expect(l.linkIndex).toBeGreaterThan(0);
  });

  it.each(["link-lo", "link-bridge", "link-veth-port", "link-ifb", "link-macvlan"])("mirror: %s decoded -> re-encoded -> same fields", (name) => {
    const { dv, off, end } = payload(loadFixture(name));
    const l = decodeLink(dv, off, end);
    const again = roundTrip({
      ifindex: l.ifindex,
      flags: l.flags,
      name: l.name,
      mtu: l.mtu,
      mac: parseMac(l.mac!),
      master: l.master,
      link: l.linkIndex,
      txqlen: l.txqlen,
      operstate: l.operstate,
      linkinfo: l.kind ? { kind: l.kind, bridge: l.bridge } : undefined,
    });
    for (const k of ["ifindex", "flags", "name", "mtu", "mac", "master", "linkIndex", "txqlen", "operstate", "kind", "bridge"] as const) {
      expect(again[k], k).toEqual(l[k]);
    }
  });
});

describe("link codec: requests against hand-built bytes", () => {
  it("encode: veth with peer sent to another netns -> peer ifinfomsg nested in VETH_INFO_PEER", () => {
    const bytes = encode({
      name: "eth0",
      mtu: 1400,
      mac: parseMac("02:00:00:00:00:05"),
      linkinfo: { kind: "veth", vethPeer: { name: "veth1234", mtu: 1400, netnsFd: 9 } },
    });
    const peer = [...ifinfomsg(0, 0), ...attr(IFLA_IFNAME, str("veth1234")), ...attr(IFLA_MTU, u32(1400)), ...attr(IFLA_NET_NS_FD, u32(9))];
    const expected = msg(
      RTM_NEWLINK,
      0x605,
      1,
      ifinfomsg(0, 0),
      attr(IFLA_IFNAME, str("eth0")),
      attr(IFLA_MTU, u32(1400)),
      attr(IFLA_ADDRESS, [2, 0, 0, 0, 0, 5]),
      attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("veth")), attr(IFLA_INFO_DATA, attr(VETH_INFO_PEER, peer))),
    );
    expect(hex(bytes)).toBe(hex(expected));
  });

  it("encode: bridge settings -> IFLA_BR_* with u8 bool, u16 pvid and big-endian protocol", () => {
    const bytes = encode({ name: "cni0", linkinfo: { kind: "bridge", bridge: { vlanFiltering: true, vlanProtocol: 0x8100, vlanDefaultPvid: 1 } } });
    const data = [...attr(IFLA_BR_VLAN_FILTERING, u8(1)), ...attr(IFLA_BR_VLAN_PROTOCOL, be16(0x8100)), ...attr(IFLA_BR_VLAN_DEFAULT_PVID, u16(1))];
    const expected = msg(RTM_NEWLINK, 0x605, 1, ifinfomsg(0, 0), attr(IFLA_IFNAME, str("cni0")), attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("bridge")), attr(IFLA_INFO_DATA, data)));
    expect(hex(bytes)).toBe(hex(expected));
  });

  it("encode: port flags -> IFLA_PROTINFO with NLA_F_NESTED (the bridge ignores it otherwise)", () => {
    const bytes = encode({ family: AF_BRIDGE, ifindex: 5, protinfo: { hairpin: true, isolated: false } });
    const expected = msg(RTM_NEWLINK, 0x605, 1, ifinfomsg(AF_BRIDGE, 5), attr(IFLA_PROTINFO | 0x8000, attr(IFLA_BRPORT_MODE, u8(1)), attr(IFLA_BRPORT_ISOLATED, u8(0))));
    expect(hex(bytes)).toBe(hex(expected));
  });

  it("encode: VLAN range on the bridge itself -> AF_SPEC with SELF flag then BEGIN/END entries", () => {
    const f = BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED;
    const bytes = encode({
      family: AF_BRIDGE,
      ifindex: 3,
      bridgeFlags: BRIDGE_FLAGS_SELF,
      vlans: [{ flags: f | BRIDGE_VLAN_INFO_RANGE_BEGIN, vid: 10 }, { flags: f | BRIDGE_VLAN_INFO_RANGE_END, vid: 20 }],
    });
    const spec = [
      ...attr(IFLA_BRIDGE_FLAGS, u16(2)),
      ...attr(IFLA_BRIDGE_VLAN_INFO, u16(f | 8), u16(10)),
      ...attr(IFLA_BRIDGE_VLAN_INFO, u16(f | 16), u16(20)),
    ];
    expect(hex(bytes)).toBe(hex(msg(RTM_NEWLINK, 0x605, 1, ifinfomsg(AF_BRIDGE, 3), attr(IFLA_AF_SPEC, spec))));
  });

  it("encode: alias -> IFLA_IFALIAS without a NUL (the kernel stores the attribute's whole length); \"\" -> empty attribute (deletes it)", () => {
    const IFLA_IFALIAS = 20;
    const bytes = encode({ ifindex: 4, alias: "eth1" });
    const eth1 = [0x65, 0x74, 0x68, 0x31];
    expect(hex(bytes)).toBe(hex(msg(RTM_NEWLINK, 0x605, 1, ifinfomsg(0, 4), attr(IFLA_IFALIAS, eth1))));
    expect(hex(encode({ ifindex: 4, alias: "" }))).toBe(hex(msg(RTM_NEWLINK, 0x605, 1, ifinfomsg(0, 4), attr(IFLA_IFALIAS))));
    expect(roundTrip({ ifindex: 4, alias: "uplink-a" }).alias).toBe("uplink-a");
    expect(roundTrip({ ifindex: 4 }).alias).toBeUndefined();
  });

  it("encode: set up by name -> ifindex 0, IFF_UP in flags and change, IFLA_IFNAME", () => {
    const bytes = encode({ name: "veth0", flags: IFF_UP, change: IFF_UP });
    expect(hex(bytes)).toBe(hex(msg(RTM_NEWLINK, 0x605, 1, ifinfomsg(0, 0, 1, 1), attr(IFLA_IFNAME, str("veth0")))));
  });
});

describe("link codec: decoding hand-built replies", () => {
  it("decode: AF_BRIDGE message with VLAN infos -> vlans in order with flags", () => {
    const bytes = msg(
      RTM_NEWLINK,
      2,
      1,
      ifinfomsg(AF_BRIDGE, 4, 0x1043),
      attr(IFLA_IFNAME, str("veth0")),
      attr(IFLA_MASTER, u32(3)),
      attr(IFLA_AF_SPEC, attr(IFLA_BRIDGE_VLAN_INFO, u16(6), u16(10)), attr(IFLA_BRIDGE_VLAN_INFO, u16(0), u16(20))),
    );
    const l = decodeLink(view(bytes), 16, bytes.length);
    expect(l).toMatchObject({ family: AF_BRIDGE, ifindex: 4, name: "veth0", master: 3, up: true });
    expect(l.vlans).toEqual([{ flags: 6, vid: 10 }, { flags: 0, vid: 20 }]);
  });

  it("decode: AF_UNSPEC message whose AF_SPEC holds AF_INET data -> no vlans invented", () => {
    const bytes = msg(RTM_NEWLINK, 2, 1, ifinfomsg(0, 4), attr(IFLA_AF_SPEC, attr(2, attr(1, u32(0)))));
    expect(decodeLink(view(bytes), 16, bytes.length).vlans).toBeUndefined();
  });

  it("decode: VLAN info shorter than 4 bytes -> NetlinkDecodeError", () => {
    const bytes = msg(RTM_NEWLINK, 2, 1, ifinfomsg(AF_BRIDGE, 4), attr(IFLA_AF_SPEC, attr(IFLA_BRIDGE_VLAN_INFO, u16(6))));
    expect(() => decodeLink(view(bytes), 16, bytes.length)).toThrow(/bridge_vlan_info/);
  });

  it("decode: unknown attributes and kinds -> skipped, known ones still read", () => {
    const bytes = msg(RTM_NEWLINK, 2, 1, ifinfomsg(0, 9), attr(999, u32(1)), attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("wireguard")), attr(IFLA_INFO_DATA, attr(1, u32(1)))), attr(IFLA_MTU, u32(1420)));
    expect(decodeLink(view(bytes), 16, bytes.length)).toMatchObject({ kind: "wireguard", mtu: 1420, ifindex: 9 });
  });

  it("mirror: request with every encoded field -> decoded back", () => {
    const l = roundTrip({
      ifindex: 7,
      flags: IFF_UP,
      name: "cni0",
      mtu: 9000,
      mac: parseMac("aa:bb:cc:dd:ee:ff"),
      master: 3,
      link: 8,
      txqlen: 500,
      operstate: 6,
      linkinfo: { kind: "bridge", bridge: { vlanFiltering: false, stpState: 1, mcastSnooping: false, vlanDefaultPvid: 0, helloTime: 100, maxAge: 2000, forwardDelay: 1, ageingTime: 2, priority: 7, vlanProtocol: 0x88a8 } },
    });
    expect(l).toMatchObject({ ifindex: 7, up: true, name: "cni0", mtu: 9000, mac: "aa:bb:cc:dd:ee:ff", master: 3, linkIndex: 8, txqlen: 500, operstate: 6, kind: "bridge" });
    expect(l.bridge).toEqual({ vlanFiltering: false, stpState: 1, mcastSnooping: false, vlanDefaultPvid: 0, helloTime: 100, maxAge: 2000, forwardDelay: 1, ageingTime: 2, priority: 7, vlanProtocol: 0x88a8 });
  });

  it("mirror: AF_BRIDGE port flags and vlans -> decoded back", () => {
    const l = roundTrip({ family: AF_BRIDGE, ifindex: 4, protinfo: { hairpin: true, isolated: true, learning: false, state: 3, cost: 100, priority: 32 }, vlans: [{ flags: 6, vid: 1 }] });
    expect(l.port).toEqual({ hairpin: true, isolated: true, learning: false, state: 3, cost: 100, priority: 32 });
    expect(l.vlans).toEqual([{ flags: 6, vid: 1 }]);
  });
});

describe("link codec: stacked kinds (macvlan, ipvlan, vlan)", () => {
  it("encode: macvlan on a parent sent to another netns -> IFLA_LINK, IFLA_NET_NS_FD, u32 mode and bc queue len", () => {
    const bytes = encode({ name: "veth0a1b2c3d", link: 4, netnsFd: 9, linkinfo: { kind: "macvlan", macvlan: { mode: MACVLAN_MODE_BRIDGE, bcQueueLen: 200 } } });
    const data = [...attr(IFLA_MACVLAN_MODE, u32(4)), ...attr(IFLA_MACVLAN_BC_QUEUE_LEN, u32(200))];
    const expected = msg(
      RTM_NEWLINK,
      0x605,
      1,
      ifinfomsg(0, 0),
      attr(IFLA_IFNAME, str("veth0a1b2c3d")),
      attr(IFLA_LINK, u32(4)),
      attr(IFLA_NET_NS_FD, u32(9)),
      attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("macvlan")), attr(IFLA_INFO_DATA, data)),
    );
    expect(hex(bytes)).toBe(hex(expected));
  });

  it("encode: ipvlan l3s with private flag -> u16 mode then u16 flags", () => {
    const bytes = encode({ name: "ipv0", link: 2, linkinfo: { kind: "ipvlan", ipvlan: { mode: IPVLAN_MODE_L3S, flags: IPVLAN_F_PRIVATE } } });
    const data = [...attr(IFLA_IPVLAN_MODE, u16(2)), ...attr(IFLA_IPVLAN_FLAGS, u16(1))];
    const expected = msg(RTM_NEWLINK, 0x605, 1, ifinfomsg(0, 0), attr(IFLA_IFNAME, str("ipv0")), attr(IFLA_LINK, u32(2)), attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("ipvlan")), attr(IFLA_INFO_DATA, data)));
    expect(hex(bytes)).toBe(hex(expected));
  });

  it("encode: vlan id, flags struct and 802.1ad protocol -> u16 id, {u32 flags, u32 mask}, big-endian protocol", () => {
    const bytes = encode({ name: "vl100", link: 3, linkinfo: { kind: "vlan", vlan: { id: 100, flags: { flags: 1, mask: 1 }, protocol: ETH_P_8021AD } } });
    const data = [...attr(IFLA_VLAN_ID, u16(100)), ...attr(IFLA_VLAN_FLAGS, u32(1), u32(1)), ...attr(IFLA_VLAN_PROTOCOL, be16(0x88a8))];
    const expected = msg(RTM_NEWLINK, 0x605, 1, ifinfomsg(0, 0), attr(IFLA_IFNAME, str("vl100")), attr(IFLA_LINK, u32(3)), attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("vlan")), attr(IFLA_INFO_DATA, data)));
    expect(hex(bytes)).toBe(hex(expected));
  });

  it("encode: kind without settings (dummy) -> IFLA_INFO_KIND only, no empty IFLA_INFO_DATA", () => {
    const bytes = encode({ name: "dummy0", linkinfo: { kind: "dummy" } });
    expect(hex(bytes)).toBe(hex(msg(RTM_NEWLINK, 0x605, 1, ifinfomsg(0, 0), attr(IFLA_IFNAME, str("dummy0")), attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("dummy"))))));
  });

  it("decode: macvlan reply as the kernel sends it (mode, flags, bc queue len and used) -> macvlan attrs and parent", () => {
    const data = [...attr(IFLA_MACVLAN_MODE, u32(8)), ...attr(IFLA_MACVLAN_FLAGS, u16(0)), ...attr(IFLA_MACVLAN_BC_QUEUE_LEN, u32(0)), ...attr(IFLA_MACVLAN_BC_QUEUE_LEN_USED, u32(1000))];
    const bytes = msg(RTM_NEWLINK, 2, 1, ifinfomsg(0, 5, 0x1003), attr(IFLA_IFNAME, str("eth0")), attr(IFLA_LINK, u32(2)), attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("macvlan")), attr(IFLA_INFO_DATA, data)));
    const l = decodeLink(view(bytes), 16, bytes.length);
    expect(l).toMatchObject({ name: "eth0", kind: "macvlan", linkIndex: 2, up: true });
    expect(l.macvlan).toEqual({ mode: MACVLAN_MODE_PASSTHRU, flags: 0, bcQueueLen: 0, bcQueueLenUsed: 1000 });
  });

  it("decode: macvtap shares the macvlan attributes", () => {
    const bytes = msg(RTM_NEWLINK, 2, 1, ifinfomsg(0, 6), attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("macvtap")), attr(IFLA_INFO_DATA, attr(IFLA_MACVLAN_MODE, u32(2)))));
    expect(decodeLink(view(bytes), 16, bytes.length).macvlan).toEqual({ mode: MACVLAN_MODE_VEPA });
  });

  it("decode: vlan flags shorter than the 8-byte struct -> NetlinkDecodeError", () => {
    const bytes = msg(RTM_NEWLINK, 2, 1, ifinfomsg(0, 6), attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("vlan")), attr(IFLA_INFO_DATA, attr(IFLA_VLAN_FLAGS, u32(1)))));
    expect(() => decodeLink(view(bytes), 16, bytes.length)).toThrow(/ifla_vlan_flags/);
  });

  it("decode: INFO_DATA before INFO_KIND (any order) -> still decoded by kind", () => {
    const bytes = msg(RTM_NEWLINK, 2, 1, ifinfomsg(0, 6), attr(IFLA_LINKINFO, attr(IFLA_INFO_DATA, attr(IFLA_IPVLAN_MODE, u16(1))), attr(IFLA_INFO_KIND, str("ipvlan"))));
    expect(decodeLink(view(bytes), 16, bytes.length).ipvlan).toEqual({ mode: IPVLAN_MODE_L3 });
  });

  it.each([
    ["macvlan", { kind: "macvlan", macvlan: { mode: MACVLAN_MODE_PRIVATE, flags: 0, bcQueueLen: 7 } }, "macvlan"],
    ["ipvlan", { kind: "ipvlan", ipvlan: { mode: IPVLAN_MODE_L2, flags: IPVLAN_F_VEPA } }, "ipvlan"],
    ["vlan", { kind: "vlan", vlan: { id: 4094, protocol: ETH_P_8021Q, flags: { flags: 0x4, mask: 0x5 } } }, "vlan"],
  ] as const)("mirror: %s settings -> decoded back unchanged", (_n, linkinfo, key) => {
    const l = roundTrip({ name: "x", link: 3, linkinfo });
    expect(l.kind).toBe(linkinfo.kind);
    expect(l.linkIndex).toBe(3);
    expect(l[key]).toEqual((linkinfo as Record<string, unknown>)[key]);
  });

  it("encode: vrf -> IFLA_INFO_KIND vrf + IFLA_INFO_DATA { IFLA_VRF_TABLE u32 }; decoded back as vrfTable", () => {
    const b = encode({ name: "blue", linkinfo: { kind: "vrf", vrfTable: 300 } });
    const want = msg(RTM_NEWLINK, 0x605, 1, ifinfomsg(0, 0), attr(3, str("blue")), attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("vrf")), attr(IFLA_INFO_DATA, attr(1, u32(300)))));
    expect(hex(b)).toBe(hex(want));
    expect(roundTrip({ name: "blue", linkinfo: { kind: "vrf", vrfTable: 300 } })).toMatchObject({ kind: "vrf", vrfTable: 300 });
  });
});
