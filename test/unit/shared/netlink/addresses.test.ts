import { describe, expect, it } from "vitest";
import { addAddress, deleteAddress, listAddresses, replaceAddress } from "../../../../shared/netlink/addresses.ts";
import { IFA_ADDRESS, IFA_BROADCAST, IFA_FLAGS, IFA_LOCAL, RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR } from "../../../../shared/netlink/codec/addr.ts";
import { AF_INET, AF_INET6 } from "../../../../shared/ip/index.ts";
import { NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from "../../../../shared/netlink/codec/nlmsg.ts";
import { FakeConn } from "./fake-conn.ts";
import { loadFixture } from "./fixtures.ts";
import { attr, hex, ifaddrmsg, ip4, u32 } from "./naive.ts";

const eth0 = { ifindex: 3, name: "veth3f2a" };
const fd00_5 = [0xfd, 0, ...new Array(13).fill(0), 5];

describe("address ops", () => {
  it("addAddress: v4 /24 -> CREATE|EXCL, LOCAL = ADDRESS, broadcast computed like the reference", () => {
    const c = new FakeConn();
    addAddress(c, { link: eth0, cidr: "10.1.0.5/24" });
    expect(c.last()).toMatchObject({ type: RTM_NEWADDR, flags: NLM_F_CREATE | NLM_F_EXCL, op: "add 10.1.0.5/24 to veth3f2a" });
    const expected = [...ifaddrmsg(AF_INET, 24, 0, 0, 3), ...attr(IFA_LOCAL, ip4("10.1.0.5")), ...attr(IFA_ADDRESS, ip4("10.1.0.5")), ...attr(IFA_BROADCAST, ip4("10.1.0.255"))];
    expect(hex(c.last().body)).toBe(hex(expected));
  });

  it("addAddress: v4 /31 or broadcast false -> no IFA_BROADCAST; explicit broadcast -> used", () => {
    const c = new FakeConn();
    addAddress(c, { link: 3, cidr: "10.1.0.4/31" });
    expect(hex(c.last().body)).toBe(hex([...ifaddrmsg(AF_INET, 31, 0, 0, 3), ...attr(IFA_LOCAL, ip4("10.1.0.4")), ...attr(IFA_ADDRESS, ip4("10.1.0.4"))]));
    addAddress(c, { link: 3, cidr: "10.1.0.5/24", broadcast: false });
    expect(c.last().body.length).toBe(8 + 16);
    addAddress(c, { link: 3, cidr: "10.1.0.5/24", broadcast: "10.1.0.100", peer: "10.1.0.6" });
    const expected = [...ifaddrmsg(AF_INET, 24, 0, 0, 3), ...attr(IFA_LOCAL, ip4("10.1.0.5")), ...attr(IFA_ADDRESS, ip4("10.1.0.6")), ...attr(IFA_BROADCAST, ip4("10.1.0.100"))];
    expect(hex(c.last().body)).toBe(hex(expected));
  });

  it("addAddress: v6 nodad + noprefixroute -> NODAD in ifa_flags, both in IFA_FLAGS, no broadcast", () => {
    const c = new FakeConn();
    addAddress(c, { link: 3, cidr: "fd00::5/64", nodad: true, noprefixroute: true });
    const expected = [...ifaddrmsg(AF_INET6, 64, 0x02, 0, 3), ...attr(IFA_LOCAL, fd00_5), ...attr(IFA_ADDRESS, fd00_5), ...attr(IFA_FLAGS, u32(0x202))];
    expect(hex(c.last().body)).toBe(hex(expected));
  });

  it("replaceAddress: -> CREATE|REPLACE and a 'replace' op", () => {
    const c = new FakeConn();
    replaceAddress(c, { link: eth0, cidr: "10.1.0.5/24" });
    expect(c.last()).toMatchObject({ flags: NLM_F_CREATE | NLM_F_REPLACE, op: "replace 10.1.0.5/24 on veth3f2a" });
  });

  it("deleteAddress: -> RTM_DELADDR with prefix and IFA_LOCAL", () => {
    const c = new FakeConn();
    deleteAddress(c, { link: eth0, cidr: "10.1.0.5/24" });
    expect(c.last()).toMatchObject({ type: RTM_DELADDR, op: "delete 10.1.0.5/24 from veth3f2a" });
    expect(hex(c.last().body)).toBe(hex([...ifaddrmsg(AF_INET, 24, 0, 0, 3), ...attr(IFA_LOCAL, ip4("10.1.0.5"))]));
  });

  it.each(["10.1.0.5/33", "10.1.0.256/24", "nonsense", ""])("addAddress: cidr %j -> RangeError, nothing sent", (cidr) => {
    const c = new FakeConn();
    expect(() => addAddress(c, { link: 3, cidr })).toThrow(RangeError);
    expect(c.calls.length).toBe(0);
  });

  it("addAddress: peer of the other family -> RangeError", () => {
    expect(() => addAddress(new FakeConn(), { link: 3, cidr: "10.1.0.5/24", peer: "fd00::1" })).toThrow(RangeError);
  });

  it("listAddresses: family + link filter -> ifaddrmsg filter sent, other replies dropped", () => {
    const c = new FakeConn();
    const v4 = loadFixture("addr-v4");
    c.replies = [v4.bytes, loadFixture("addr-v6").bytes];
    const ifindex = (v4.expected.body as { ifindex: number }).ifindex;
    expect(listAddresses(c, { family: AF_INET, link: ifindex }).map((a) => a.local)).toEqual(["10.22.0.1"]);
    expect(c.last()).toMatchObject({ kind: "dump", type: RTM_GETADDR });
    expect(hex(c.last().body)).toBe(hex(ifaddrmsg(AF_INET, 0, 0, 0, ifindex)));
    expect(listAddresses(c, { link: ifindex + 1 })).toEqual([]);
    expect(listAddresses(c).length).toBe(2);
  });
});
