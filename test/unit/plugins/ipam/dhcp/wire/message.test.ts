// The DHCPv4 codec against a real conversation (dnsmasq 2.90 server, busybox udhcpc client, captured by
// scripts/capture-dhcp-fixtures), a naive hand-built message, malformed input and fuzzing.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatIP, parseIP, type IP } from "../../../../../../shared/ip/index.ts";
import {
  BOOTREPLY,
  BOOTREQUEST,
  decodeMessage,
  DhcpDecodeError,
  encodeMessage,
  MessageType,
  messageType,
} from "../../../../../../plugins/ipam/dhcp/wire/message.ts";
import { Opt, readIP, readIPList, readU32 } from "../../../../../../plugins/ipam/dhcp/wire/options.ts";
import { leaseInfo, leaseResult } from "../../../../../../plugins/ipam/dhcp/wire/lease-info.ts";
import { rng } from "../../../../rng.ts";

const DIR = join(__dirname, "../../../../../fixtures/dhcp");
const fixtures = readdirSync(DIR)
  .filter((n) => n.endsWith(".bin"))
  .sort()
  .map((name) => ({ name, kind: name.replace(/^\d+-|\.bin$/g, ""), bytes: new Uint8Array(readFileSync(join(DIR, name))) }));
const one = (kind: string) => fixtures.find((f) => f.kind === kind)!;
const ip = (s: string): IP => parseIP(s)!;
const CLIENT_MAC = [0x02, 0, 0, 0, 0, 0x42];
const TYPES: Record<string, number> = {
  discover: MessageType.DISCOVER,
  offer: MessageType.OFFER,
  request: MessageType.REQUEST,
  ack: MessageType.ACK,
  nak: MessageType.NAK,
  release: MessageType.RELEASE,
  decline: MessageType.DECLINE,
};

describe("dhcp message codec: captured packets", () => {
  it("fixtures: the capture holds every message kind", () => {
    expect(new Set(fixtures.map((f) => f.kind))).toEqual(new Set(Object.keys(TYPES)));
  });

  for (const f of fixtures) {
    it(`decode ${f.name}: type, direction and client hardware address`, () => {
      const m = decodeMessage(f.bytes);
      expect(messageType(m)).toBe(TYPES[f.kind]);
      const fromServer = f.kind === "offer" || f.kind === "ack" || f.kind === "nak";
      expect(m.op).toBe(fromServer ? BOOTREPLY : BOOTREQUEST);
      expect([...m.chaddr]).toEqual(CLIENT_MAC);
    });

    it(`mirror ${f.name}: decode(encode(decode(bytes))) == decode(bytes)`, () => {
      const m = decodeMessage(f.bytes);
      const again = decodeMessage(encodeMessage(m));
      expect(again).toEqual(m);
    });
  }

  it("decode ack: address, server, timers and every option dnsmasq was configured with", () => {
    const m = decodeMessage(one("ack").bytes);
    expect(formatIP(m.yiaddr)).toBe("10.77.0.14");
    expect(formatIP(readIP(m.options.get(Opt.SERVER_ID), 54)!)).toBe("10.77.0.1");
    expect(readU32(m.options.get(Opt.LEASE_TIME), 51)).toBe(120);
    expect(readIPList(m.options.get(Opt.DNS_SERVERS), 6)!.map(formatIP)).toEqual(["10.77.0.53", "10.77.0.54"]);
    const info = leaseInfo(m);
    expect(info).toMatchObject({ prefix: 24, leaseSeconds: 120, renewSeconds: 30, rebindSeconds: 50 });
    expect(leaseResult(info, 0)).toEqual({
      cniVersion: "1.1.0",
      ips: [{ address: "10.77.0.14/24", gateway: "10.77.0.1" }],
      // option 121 present: only its routes (RFC 3442), in the server's order
      routes: [{ dst: "10.99.0.0/16", gw: "10.77.0.1" }, { dst: "0.0.0.0/0", gw: "10.77.0.1" }],
      // 119 uses a compression pointer (example.test -> "test" of pods.test)
      dns: { nameservers: ["10.77.0.53", "10.77.0.54"], domain: "pods.test", search: ["pods.test", "example.test"] },
    });
    expect(leaseResult(info, 7).routes!.every((r) => r.priority === 7)).toBe(true);
  });

  it("decode client messages: client ID, hostname and the requested address as udhcpc sent them", () => {
    const req = decodeMessage(fixtures.find((f) => f.kind === "request")!.bytes);
    expect(formatIP(readIP(req.options.get(Opt.REQUESTED_IP), 50)!)).toBe("10.77.0.14");
    expect(new TextDecoder().decode(req.options.get(Opt.HOST_NAME))).toBe("pod-1");
    const rel = decodeMessage(one("release").bytes);
    expect(formatIP(rel.ciaddr)).toBe("10.77.0.14");
    const dec = decodeMessage(one("decline").bytes);
    expect([...dec.options.get(Opt.CLIENT_ID)!]).toEqual([0, ...new TextEncoder().encode("fixture/net/eth0")]);
  });

  it("decode nak: no address, the server's reason", () => {
    const m = decodeMessage(one("nak").bytes);
    expect(m.yiaddr.value).toBe(0n);
    expect(new TextDecoder().decode(m.options.get(Opt.MESSAGE))).toBe("address not available");
    expect(() => leaseInfo(m)).toThrow(DhcpDecodeError);
  });
});

/** A naive, test-only message builder: every byte placed by hand. */
function naive(options: number[], opts: { hlen?: number; sname?: number[]; file?: number[] } = {}): Uint8Array {
  const b = new Uint8Array(240 + options.length);
  b[0] = 2;
  b[1] = 1;
  b[2] = opts.hlen ?? 6;
  b.set([0xde, 0xad, 0xbe, 0xef], 4);
  b.set([10, 0, 0, 9], 16);
  b.set([2, 0, 0, 0, 0, 1], 28);
  if (opts.sname) b.set(opts.sname, 44);
  if (opts.file) b.set(opts.file, 108);
  b.set([0x63, 0x82, 0x53, 0x63], 236);
  b.set(options, 240);
  return b;
}

describe("dhcp message codec: hand-built bytes", () => {
  it("decode: pads skipped, repeated options concatenated (RFC 3396)", () => {
    const m = decodeMessage(naive([0, 0, 53, 1, 5, 6, 4, 1, 1, 1, 1, 0, 6, 4, 8, 8, 8, 8, 255]));
    expect(m.xid).toBe(0xdeadbeef);
    expect(formatIP(m.yiaddr)).toBe("10.0.0.9");
    expect(readIPList(m.options.get(6), 6)!.map(formatIP)).toEqual(["1.1.1.1", "8.8.8.8"]);
  });

  it("decode: option overload (52) reads options from file and sname", () => {
    const file = [1, 4, 255, 255, 255, 0, 255];
    const sname = [3, 4, 10, 0, 0, 1, 255];
    const m = decodeMessage(naive([53, 1, 5, 52, 1, 3, 255], { file, sname }));
    expect(formatIP(readIP(m.options.get(1), 1)!)).toBe("255.255.255.0");
    expect(formatIP(readIPList(m.options.get(3), 3)![0]!)).toBe("10.0.0.1");
    expect(m.options.has(52)).toBe(false);
    expect(m.file).toBe("");
  });

  it("encode: a long option is split into 255-byte pieces, the message padded to 300 bytes", () => {
    const m = decodeMessage(naive([53, 1, 1, 255]));
    m.options.set(77, new Uint8Array(300).fill(7));
    const bytes = encodeMessage(m);
    expect(bytes[243]).toBe(77);
    expect(bytes[244]).toBe(255);
    expect(bytes[240 + 3 + 2 + 255]).toBe(77);
    expect(bytes[240 + 3 + 2 + 255 + 1]).toBe(45);
    expect(decodeMessage(bytes).options.get(77)!.length).toBe(300);
    expect(encodeMessage(decodeMessage(naive([53, 1, 1, 255]))).length).toBe(300);
  });

  const malformed: Array<[string, Uint8Array, RegExp]> = [
    ["short", new Uint8Array(100), /too short/],
    ["bad cookie", (() => { const b = naive([255]); b[236] = 0; return b; })(), /magic cookie/],
    ["hlen > 16", naive([255], { hlen: 17 }), /hardware address length/],
    ["option past the end", naive([53, 9, 1]), /runs past the end/],
    ["option without length", naive([53]), /no length byte/],
  ];
  for (const [name, bytes, re] of malformed) {
    it(`decode: ${name} -> DhcpDecodeError`, () => {
      expect(() => decodeMessage(bytes)).toThrow(DhcpDecodeError);
      expect(() => decodeMessage(bytes)).toThrow(re);
    });
  }
});

describe("dhcp codec fuzzing", () => {
  const onlyDecodeErrors = (bytes: Uint8Array) => {
    try {
      const m = decodeMessage(bytes);
      leaseInfo(m);
      encodeMessage(m);
    } catch (e) {
      if (!(e instanceof DhcpDecodeError)) throw new Error(`${String(e)} on ${Buffer.from(bytes).toString("hex")}`);
    }
  };

  it("fuzz: every truncation of every fixture -> only DhcpDecodeError", () => {
    for (const f of fixtures) for (let n = 0; n <= f.bytes.length; n++) onlyDecodeErrors(f.bytes.subarray(0, n));
  });

  it("fuzz: 20000 random byte flips in the options of captured packets -> only DhcpDecodeError, decoder still works", () => {
    const rand = rng(0xd4c9);
    for (let i = 0; i < 20000; i++) {
      const f = fixtures[i % fixtures.length]!;
      const b = f.bytes.slice();
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) b[240 + Math.floor(rand() * (b.length - 240))] = Math.floor(rand() * 256);
      onlyDecodeErrors(b);
    }
    expect(formatIP(decodeMessage(one("ack").bytes).yiaddr)).toBe("10.77.0.14");
  });

  it("fuzz: 5000 random buffers with a valid header -> only DhcpDecodeError", () => {
    const rand = rng(0x5eed);
    for (let i = 0; i < 5000; i++) {
      const tail = Array.from({ length: Math.floor(rand() * 80) }, () => Math.floor(rand() * 256));
      onlyDecodeErrors(naive(tail));
    }
  });
});
