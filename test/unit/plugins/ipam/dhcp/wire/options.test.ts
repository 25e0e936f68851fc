// Option readers/writers, the IPv4/UDP framing and the client's message layouts.
import { describe, expect, it } from "vitest";
import { formatIP, parseIP, type IP } from "../../../../../../shared/ip/index.ts";
import { decline, discover, release, requestExtend, requestReboot, requestSelecting, type ClientProfile } from "../../../../../../plugins/ipam/dhcp/wire/build.ts";
import { leaseTimes } from "../../../../../../plugins/ipam/dhcp/wire/lease-info.ts";
import { decodeMessage, DhcpDecodeError, encodeMessage, FLAG_BROADCAST, MessageType, messageType } from "../../../../../../plugins/ipam/dhcp/wire/message.ts";
import {
  encodeClasslessRoutes,
  encodeDomainSearch,
  maskPrefix,
  Opt,
  readClasslessRoutes,
  readDomainSearch,
  readStaticRoutes,
  u32Bytes,
} from "../../../../../../plugins/ipam/dhcp/wire/options.ts";
import { decodeUdp4, encodeUdp4, onesSum } from "../../../../../../plugins/ipam/dhcp/wire/udp4.ts";

const ip = (s: string): IP => parseIP(s)!;
const fmt = (rs: { dst: IP; prefix: number; gw: IP }[]) => rs.map((r) => `${formatIP(r.dst)}/${r.prefix} via ${formatIP(r.gw)}`);

describe("dhcp options", () => {
  it("121: hand-written bytes decode; encode mirrors (RFC 3442 examples)", () => {
    const bytes = Uint8Array.from([0, 10, 0, 0, 1, 24, 192, 168, 5, 10, 0, 0, 1, 9, 129, 0, 10, 0, 0, 2, 32, 1, 2, 3, 4, 0, 0, 0, 0]);
    const routes = readClasslessRoutes(bytes)!;
    expect(fmt(routes)).toEqual(["0.0.0.0/0 via 10.0.0.1", "192.168.5.0/24 via 10.0.0.1", "129.0.0.0/9 via 10.0.0.2", "1.2.3.4/32 via 0.0.0.0"]);
    expect([...encodeClasslessRoutes(routes)]).toEqual([...bytes]);
  });

  it("121: truncated route or prefix > 32 -> DhcpDecodeError", () => {
    expect(() => readClasslessRoutes(Uint8Array.from([24, 10, 0]))).toThrow(DhcpDecodeError);
    expect(() => readClasslessRoutes(Uint8Array.from([33, 1, 1, 1, 1, 1, 0, 0, 0, 0]))).toThrow(/prefix 33/);
  });

  it("33: classful destination masks; class D entries skipped; bad length rejected", () => {
    const b = Uint8Array.from([10, 1, 0, 0, 10, 0, 0, 1, 172, 16, 0, 0, 10, 0, 0, 1, 192, 168, 1, 0, 10, 0, 0, 1, 224, 0, 0, 0, 10, 0, 0, 1]);
    expect(fmt(readStaticRoutes(b)!)).toEqual(["10.1.0.0/8 via 10.0.0.1", "172.16.0.0/16 via 10.0.0.1", "192.168.1.0/24 via 10.0.0.1"]);
    expect(() => readStaticRoutes(new Uint8Array(7))).toThrow(DhcpDecodeError);
  });

  it("119: plain and compressed names; a pointer loop -> DhcpDecodeError", () => {
    expect(readDomainSearch(encodeDomainSearch(["a.example", "b.test"]))).toEqual(["a.example", "b.test"]);
    // "x" + pointer to offset 0 of itself: a loop
    expect(() => readDomainSearch(Uint8Array.from([1, 0x78, 0xc0, 0]))).toThrow(/loop/);
    expect(() => readDomainSearch(Uint8Array.from([5, 0x61]))).toThrow(DhcpDecodeError);
  });

  it("subnet mask: prefix of contiguous masks; non-contiguous rejected", () => {
    expect(maskPrefix(ip("255.255.255.0"))).toBe(24);
    expect(maskPrefix(ip("255.255.255.255"))).toBe(32);
    expect(maskPrefix(ip("0.0.0.0"))).toBe(0);
    expect(() => maskPrefix(ip("255.0.255.0"))).toThrow(DhcpDecodeError);
  });

  it("timers: defaults 50 % / 85 %, 1 h lease without option 51, T1 > T2 or T2 > lease ignored", () => {
    const m = (o: Array<[number, number]>) => ({ options: new Map(o.map(([c, v]) => [c, u32Bytes(v)])) }) as never;
    expect(leaseTimes(m([[Opt.LEASE_TIME, 1000]]))).toEqual({ lease: 1000, t1: 500, t2: 850 });
    expect(leaseTimes(m([]))).toEqual({ lease: 3600, t1: 1800, t2: 3060 });
    expect(leaseTimes(m([[51, 100], [58, 90], [59, 80]]))).toEqual({ lease: 100, t1: 50, t2: 80 });
    expect(leaseTimes(m([[51, 100], [58, 10], [59, 200]]))).toEqual({ lease: 100, t1: 10, t2: 85 });
  });
});

describe("dhcp ipv4/udp framing", () => {
  it("encode: valid IP header checksum and UDP checksum over the pseudo-header; decode mirrors", () => {
    const payload = new TextEncoder().encode("hello dhcp!");
    const pkt = encodeUdp4({ src: ip("0.0.0.0"), dst: ip("255.255.255.255"), srcPort: 68, dstPort: 67, payload });
    expect(onesSum(pkt.subarray(0, 20))).toBe(0xffff);
    const pseudo = Uint8Array.from([0, 0, 0, 0, 255, 255, 255, 255, 0, 17, 0, 8 + payload.length]);
    expect(onesSum(pkt.subarray(20), onesSum(pseudo))).toBe(0xffff);
    const d = decodeUdp4(pkt)!;
    expect([formatIP(d.src), formatIP(d.dst), d.srcPort, d.dstPort]).toEqual(["0.0.0.0", "255.255.255.255", 68, 67]);
    expect(new TextDecoder().decode(d.payload)).toBe("hello dhcp!");
  });

  it("decode: not UDP, a fragment, a damaged header or a short packet -> undefined", () => {
    const good = encodeUdp4({ src: ip("10.0.0.1"), dst: ip("10.0.0.2"), srcPort: 67, dstPort: 68, payload: new Uint8Array(10) });
    const tcp = good.slice();
    tcp[9] = 6;
    const frag = good.slice();
    frag[6] = 0x20; // more fragments
    const damaged = good.slice();
    damaged[15] = damaged[15]! ^ 1;
    for (const b of [tcp, frag, damaged, good.subarray(0, 27)]) expect(decodeUdp4(b)).toBeUndefined();
  });
});

describe("dhcp client messages", () => {
  const p: ClientProfile = {
    clientId: "cid/net/eth0",
    mac: Uint8Array.from([2, 1, 2, 3, 4, 5]),
    broadcast: true,
    provide: new Map([[Opt.HOST_NAME, new TextEncoder().encode("pod")]]),
    request: [1, 3, 6],
  };
  const rt = (m: ReturnType<typeof discover>) => decodeMessage(encodeMessage(m));

  it("discover: broadcast flag, client ID with type byte 0, request list and provided options", () => {
    const m = rt(discover(p, 0x11223344, 3));
    expect(messageType(m)).toBe(MessageType.DISCOVER);
    expect(m.flags).toBe(FLAG_BROADCAST);
    expect(m.xid).toBe(0x11223344);
    expect(m.secs).toBe(3);
    expect([...m.options.get(Opt.CLIENT_ID)!]).toEqual([0, ...new TextEncoder().encode("cid/net/eth0")]);
    expect([...m.options.get(Opt.PARAMETER_REQUEST_LIST)!]).toEqual([1, 3, 6]);
    expect(new TextDecoder().decode(m.options.get(Opt.HOST_NAME))).toBe("pod");
  });

  it("client ID: a 300-character ID is cut to 254 bytes (+ type byte); a provided 61 replaces it", () => {
    const long = rt(discover({ ...p, clientId: "x".repeat(300) }, 1, 0));
    expect(long.options.get(Opt.CLIENT_ID)!.length).toBe(255);
    const own = rt(discover({ ...p, provide: new Map([[Opt.CLIENT_ID, Uint8Array.of(1, 2)]]) }, 1, 0));
    expect([...own.options.get(Opt.CLIENT_ID)!]).toEqual([1, 2]);
  });

  it("request: selecting names address and server; reboot only the address; renew/rebind only ciaddr", () => {
    const sel = rt(requestSelecting(p, 1, 0, ip("10.0.0.5"), ip("10.0.0.1")));
    expect([...sel.options.keys()].slice(0, 4)).toEqual([Opt.MESSAGE_TYPE, Opt.CLIENT_ID, Opt.REQUESTED_IP, Opt.SERVER_ID]);
    const reboot = rt(requestReboot(p, 1, 0, ip("10.0.0.5")));
    expect(reboot.options.has(Opt.REQUESTED_IP) && !reboot.options.has(Opt.SERVER_ID)).toBe(true);
    const ext = rt(requestExtend(p, 1, 0, ip("10.0.0.5")));
    expect(formatIP(ext.ciaddr)).toBe("10.0.0.5");
    expect(ext.flags).toBe(0);
    expect(ext.options.has(Opt.REQUESTED_IP) || ext.options.has(Opt.SERVER_ID)).toBe(false);
  });

  it("release and decline: bare (no request list, no provided options)", () => {
    const rel = rt(release(p, 9, ip("10.0.0.5"), ip("10.0.0.1")));
    expect(messageType(rel)).toBe(MessageType.RELEASE);
    expect(formatIP(rel.ciaddr)).toBe("10.0.0.5");
    expect(rel.options.has(Opt.PARAMETER_REQUEST_LIST) || rel.options.has(Opt.HOST_NAME)).toBe(false);
    const dec = rt(decline(p, 9, ip("10.0.0.5"), ip("10.0.0.1")));
    expect(messageType(dec)).toBe(MessageType.DECLINE);
    expect(formatIP(dec.ciaddr)).toBe("0.0.0.0");
  });
});
