import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NetlinkDecodeError } from "../../../../../shared/netlink/codec/errors.ts";
import { forEachMessage, NLMSG_DONE } from "../../../../../shared/netlink/codec/nlmsg.ts";
import {
  decodeFilter,
  decodeQdisc,
  decodeTbfOptions,
  filterInfo,
  RTM_NEWQDISC,
  RTM_NEWTFILTER,
  TC_ACT_OK,
  TC_ACT_STOLEN,
  TC_H_INGRESS_HANDLE,
  TC_H_ROOT,
  TCA_EGRESS_REDIR,
  tcHandle,
  tickInUsecFromPsched,
  U32_MATCH_ALL,
  writeIngressQdisc,
  writeTbfQdisc,
  writeU32Filter,
  type Filter,
  type Qdisc,
} from "../../../../../shared/netlink/codec/tc.ts";
import { NlWriter } from "../../../../../shared/netlink/codec/writer.ts";

// ---- naive test-only builder (little-endian host, as on x86_64/aarch64) ----
const u8 = (v: number) => [v & 0xff];
const u16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const u64 = (v: number) => [...u32(v % 2 ** 32), ...u32(Math.floor(v / 2 ** 32))];
const pad = (b: number[]) => [...b, ...new Array((4 - (b.length % 4)) % 4).fill(0)];
const attr = (type: number, payload: number[]) => pad([...u16(4 + payload.length), ...u16(type), ...payload]);
const str = (s: string) => [...Buffer.from(s + "\0")];
const tcmsg = (ifindex: number, handle: number, parent: number, info: number) => [
  ...u8(0), ...u8(0), ...u16(0), ...u32(ifindex), ...u32(handle), ...u32(parent), ...u32(info),
];
const ratespec = (rate: number) => [0, 0, ...u16(0), ...u16(0), ...u16(0), ...u32(rate)];

function payload(write: (w: NlWriter) => void): number[] {
  const w = new NlWriter(16);
  w.beginMessage(RTM_NEWQDISC, 0, 0);
  write(w);
  w.endMessage();
  return [...w.bytes().subarray(16)];
}

function fixture(name: string): DataView {
  const b = readFileSync(join(__dirname, "../../../../fixtures/netlink", name));
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function decodeAll<T>(dv: DataView, want: number, decode: (dv: DataView, off: number, end: number) => T): T[] {
  const out: T[] = [];
  let done = false;
  forEachMessage(dv, 0, dv.byteLength, (type, _f, _s, off, end) => {
    if (type === want) out.push(decode(dv, off, end));
    else if (type === NLMSG_DONE) done = true;
  });
  expect(done).toBe(true);
  return JSON.parse(JSON.stringify(out)) as T[];
}

describe("encode", () => {
  it("writeTbfQdisc: 1 MB/s -> tcmsg root 1:, kind tbf, TCA_TBF_PARMS only", () => {
    const got = payload((w) =>
      writeTbfQdisc(w, { ifindex: 7, handle: tcHandle(1, 0), parent: TC_H_ROOT }, { rate: 1_000_000, limit: 35_000, buffer: 156_250 }),
    );
    const qopt = [...ratespec(1_000_000), ...ratespec(0), ...u32(35_000), ...u32(156_250), ...u32(0)];
    const want = [...tcmsg(7, 0x10000, 0xffffffff, 0), ...attr(1, str("tbf")), ...attr(2, attr(1, qopt))];
    expect(got).toEqual(want);
  });

  it("writeTbfQdisc: rate >= 2^32 B/s -> ratespec capped at ~0 and TCA_TBF_RATE64 carries it", () => {
    const got = payload((w) =>
      writeTbfQdisc(w, { ifindex: 2, handle: tcHandle(1, 0), parent: TC_H_ROOT }, { rate: 5e9, limit: 250e6, buffer: 390_625 }),
    );
    const qopt = [...ratespec(0xffffffff), ...ratespec(0), ...u32(250e6), ...u32(390_625), ...u32(0)];
    const want = [...tcmsg(2, 0x10000, 0xffffffff, 0), ...attr(1, str("tbf")), ...attr(2, [...attr(1, qopt), ...attr(4, u64(5e9))])];
    expect(got).toEqual(want);
  });

  it("writeIngressQdisc: ifindex 3 -> handle ffff:, parent ffff:fff1, empty options", () => {
    const got = payload((w) => writeIngressQdisc(w, 3));
    expect(got).toEqual([...tcmsg(3, 0xffff0000, 0xfffffff1, 0), ...attr(1, str("ingress")), ...attr(2, [])]);
  });

  it("writeU32Filter: match-all, classid 1:1, two mirred redirects -> reference layout", () => {
    const info = filterInfo(1, 0x0003);
    expect(info).toBe(0x00010300);
    const got = payload((w) =>
      writeU32Filter(w, { ifindex: 2, parent: TC_H_INGRESS_HANDLE, info }, {
        sel: U32_MATCH_ALL,
        classid: tcHandle(1, 1),
        actions: [
          { kind: "mirred", eaction: TCA_EGRESS_REDIR, ifindex: 9, action: TC_ACT_STOLEN },
          { kind: "mirred", eaction: TCA_EGRESS_REDIR, ifindex: 9, action: TC_ACT_OK },
        ],
      }),
    );
    const sel = [1, 0, 1, 0, 0, 0, ...u16(0), ...u16(0), ...u16(0), ...u32(0), ...u32(0), ...u32(0), ...u32(0), ...u32(0)];
    const mirred = (action: number) =>
      [...attr(1, str("mirred")), ...attr(2, attr(2, [...u32(0), ...u32(0), ...u32(action), ...u32(0), ...u32(0), ...u32(1), ...u32(9)]))];
    const acts = attr(7, [...attr(1, mirred(TC_ACT_STOLEN)), ...attr(2, mirred(TC_ACT_OK))]);
    const want = [...tcmsg(2, 0, 0xffff0000, 0x00010300), ...attr(1, str("u32")), ...attr(2, [...attr(5, sel), ...attr(1, u32(0x10001)), ...acts])];
    expect(got).toEqual(want);
  });

  it("writeU32Filter: key mask/value -> network byte order on the wire", () => {
    const got = payload((w) =>
      writeU32Filter(w, { ifindex: 1, parent: 0, info: 0 }, { sel: { flags: 1, keys: [{ mask: 0xffffff00, val: 0x0a000100, off: 16, offmask: 0 }] }, actions: [] }),
    );
    const selAt = 20 + 8 + 4 + 4; // tcmsg, kind "u32", options header, sel header
    expect(got.slice(selAt + 16, selAt + 24)).toEqual([0xff, 0xff, 0xff, 0x00, 0x0a, 0x00, 0x01, 0x00]);
  });
});

describe("mirror", () => {
  it("decodeQdisc(writeTbfQdisc(x)) -> x", () => {
    for (const rate of [1, 1_000_000, 0xffff_ffff, 2 ** 32, 5e9]) {
      const bytes = Uint8Array.from(
        payload((w) => writeTbfQdisc(w, { ifindex: 4, handle: tcHandle(1, 0), parent: TC_H_ROOT }, { rate, limit: 99, buffer: 1234 })),
      );
      const q = decodeQdisc(new DataView(bytes.buffer), 0, bytes.length);
      expect(q).toEqual({ ifindex: 4, handle: 0x10000, parent: TC_H_ROOT, kind: "tbf", tbf: { rate, limit: 99, buffer: 1234, mtu: 0 } });
    }
  });

  it("decodeFilter(writeU32Filter(x)) -> x", () => {
    const bytes = Uint8Array.from(
      payload((w) =>
        writeU32Filter(w, { ifindex: 2, parent: TC_H_INGRESS_HANDLE, info: filterInfo(1, 3) }, {
          sel: U32_MATCH_ALL,
          classid: 0x10001,
          actions: [{ kind: "mirred", eaction: 1, ifindex: 5, action: 4 }],
        }),
      ),
    );
    const f = decodeFilter(new DataView(bytes.buffer), 0, bytes.length);
    expect(f).toEqual({
      ifindex: 2, handle: 0, parent: TC_H_INGRESS_HANDLE, prio: 1, protocol: 3, kind: "u32",
      u32: { sel: { flags: 1, keys: [{ mask: 0, val: 0, off: 0, offmask: 0 }] }, classid: 0x10001, actions: [{ kind: "mirred", eaction: 1, ifindex: 5, action: 4, index: 0 }] },
    });
  });
});

// Kernel replies captured with our client after a bandwidth ADD (ingress 8 Mbit/80 kbit, egress
// 16 Mbit/160 kbit, veth ifindex 2, ifb ifindex 3) in a private netns; *.bin = every datagram received.
describe("decode kernel replies", () => {
  it("decodeQdisc: host veth dump -> root tbf 1: and ingress ffff:", () => {
    const qs = decodeAll<Qdisc>(fixture("tc-qdisc-veth.bin"), RTM_NEWQDISC, decodeQdisc).filter((q) => q.ifindex === 2);
    expect(qs).toEqual([
      { ifindex: 2, handle: 0x10000, parent: TC_H_ROOT, kind: "tbf", tbf: { rate: 1_000_000, limit: 35_000, buffer: 156_250, mtu: 0 } },
      { ifindex: 2, handle: 0xffff0000, parent: 0xfffffff1, kind: "ingress" },
    ]);
  });

  it("decodeQdisc: ifb dump -> root tbf at 2 MB/s", () => {
    const qs = decodeAll<Qdisc>(fixture("tc-qdisc-ifb.bin"), RTM_NEWQDISC, decodeQdisc).filter((q) => q.ifindex === 3);
    expect(qs).toEqual([
      { ifindex: 3, handle: 0x10000, parent: TC_H_ROOT, kind: "tbf", tbf: { rate: 2_000_000, limit: 70_000, buffer: 156_250, mtu: 0 } },
    ]);
  });

  it("decodeQdisc: 40 Gbit/s tbf -> rate from TCA_TBF_RATE64", () => {
    const qs = decodeAll<Qdisc>(fixture("tc-rate64-qdisc-veth.bin"), RTM_NEWQDISC, decodeQdisc).filter((q) => q.ifindex === 2);
    expect(qs[0]?.tbf).toEqual({ rate: 5_000_000_000, limit: 250_000_000, buffer: 390_625, mtu: 0 });
  });

  it("decodeFilter: ingress filter dump -> u32 hash table, then the match-all node with two redirects", () => {
    const fs = decodeAll<Filter>(fixture("tc-filter-ingress.bin"), RTM_NEWTFILTER, decodeFilter);
    expect(fs).toHaveLength(3);
    for (const f of fs) expect(f).toMatchObject({ ifindex: 2, parent: 0xffff0000, prio: 1, protocol: 3, kind: "u32" });
    expect(fs[1]?.u32).toEqual({ divisor: 1 });
    expect(fs[2]?.handle).toBe(0x80000800);
    expect(fs[2]?.u32).toEqual({
      sel: { flags: 1, keys: [{ mask: 0, val: 0, off: 0, offmask: 0 }] },
      hash: 0x80000000,
      classid: 0x10001,
      actions: [
        { kind: "mirred", eaction: 1, ifindex: 3, action: TC_ACT_STOLEN, index: 1 },
        { kind: "mirred", eaction: 1, ifindex: 3, action: TC_ACT_OK, index: 2 },
      ],
    });
  });
});

describe("malformed input", () => {
  it("decodeQdisc: truncated tcmsg -> NetlinkDecodeError", () => {
    expect(() => decodeQdisc(new DataView(new ArrayBuffer(12)), 0, 12)).toThrow(NetlinkDecodeError);
  });

  it("decodeTbfOptions: TCA_TBF_PARMS shorter than tc_tbf_qopt -> NetlinkDecodeError", () => {
    const b = Uint8Array.from(attr(1, new Array(20).fill(0)));
    expect(() => decodeTbfOptions(new DataView(b.buffer), 0, b.length)).toThrow(NetlinkDecodeError);
  });

  it("decodeTbfOptions: no TCA_TBF_PARMS -> NetlinkDecodeError", () => {
    const b = Uint8Array.from(attr(4, u64(5)));
    expect(() => decodeTbfOptions(new DataView(b.buffer), 0, b.length)).toThrow(NetlinkDecodeError);
  });

  it("decodeFilter: u32 selector claiming more keys than present -> NetlinkDecodeError", () => {
    const sel = [1, 0, 3, 0, ...new Array(12 + 16).fill(0)];
    const b = Uint8Array.from([...tcmsg(1, 0, 0, 0), ...attr(1, str("u32")), ...attr(2, attr(5, sel))]);
    expect(() => decodeFilter(new DataView(b.buffer), 0, b.length)).toThrow(NetlinkDecodeError);
  });

  it("decode: random bytes (seeded) -> only NetlinkDecodeError escapes", () => {
    let seed = 0x1234567;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    const base = [...readFileSync(join(__dirname, "../../../../fixtures/netlink/tc-filter-ingress.bin"))];
    for (let i = 0; i < 2000; i++) {
      const b = Uint8Array.from(base.slice(0, 20 + (rnd() << 1)));
      for (let k = 0; k < 6; k++) b[rnd() % b.length] = rnd();
      const dv = new DataView(b.buffer);
      for (const decode of [decodeQdisc, decodeFilter]) {
        try {
          decode(dv, 16, b.length);
        } catch (e) {
          expect(e).toBeInstanceOf(NetlinkDecodeError);
        }
      }
    }
  });
});

describe("tickInUsecFromPsched", () => {
  it("tickInUsecFromPsched: modern kernel (1 GHz hrtimer) -> 1000/64 = 15.625", () => {
    expect(tickInUsecFromPsched("000003e8 00000040 000f4240 3b9aca00\n")).toBe(15.625);
  });

  it("tickInUsecFromPsched: clock_res 1e9 (compatibility) -> us2t/us2t = 1000", () => {
    expect(tickInUsecFromPsched("00000001 00000040 3b9aca00 00000064")).toBe(1000);
  });

  it.each(["", "zz 1 2 3", "00000001 00000000 000f4240 1"])("tickInUsecFromPsched: %j -> RangeError", (text) => {
    expect(() => tickInUsecFromPsched(text)).toThrow(RangeError);
  });
});
