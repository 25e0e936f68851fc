import { describe, expect, it } from "vitest";
import { AF_INET } from "../../../../../../shared/ip/index.ts";
import { NlWriter } from "../../../../../../shared/netlink/codec/writer.ts";
import { ctMsgType, decodeConntrack, IPCTNL_MSG_CT_DELETE, writeDeleteBody } from "../../../../../../shared/netlink/nf/codec/conntrack.ts";

/** Naive little-endian attribute builder (test-only, independent of NlWriter). */
function attr(type: number, payload: number[]): number[] {
  const len = 4 + payload.length;
  const out = [len & 0xff, len >> 8, type & 0xff, type >> 8, ...payload];
  while (out.length % 4) out.push(0);
  return out;
}
const NESTED = 0x8000;

function ctEntry(proto: number, dport: number): Uint8Array {
  const ip = attr(1 | NESTED, [...attr(1, [10, 0, 0, 1]), ...attr(2, [10, 0, 0, 2])]);
  const pr = attr(2 | NESTED, [...attr(1, [proto]), ...attr(2, [0x30, 0x39]), ...attr(3, [dport >> 8, dport & 0xff])]);
  const orig = attr(1 | NESTED, [...ip, ...pr]);
  const status = attr(3, [0, 0, 0, 8]);
  const id = attr(12, [0, 0, 0, 7]);
  return new Uint8Array([2, 0, 0, 0, ...orig, ...status, ...id]);
}

describe("conntrack codec", () => {
  it("decode: UDP entry to port 5353 -> protocol, dport, and tuple+id as identity", () => {
    const b = ctEntry(17, 5353);
    const e = decodeConntrack(new DataView(b.buffer), 0, b.length);
    expect(e).toMatchObject({ family: AF_INET, protocol: 17, dstPort: 5353 });
    expect(e.identity).toHaveLength(2);
    expect(e.identity[1]).toEqual(new Uint8Array(attr(12, [0, 0, 0, 7])));
  });

  it("delete body: nfgenmsg(family) then the identity attributes verbatim", () => {
    const b = ctEntry(17, 53);
    const e = decodeConntrack(new DataView(b.buffer), 0, b.length);
    const w = new NlWriter();
    w.beginMessage(ctMsgType(IPCTNL_MSG_CT_DELETE), 5, 1);
    writeDeleteBody(w, e);
    w.endMessage();
    const out = w.bytes();
    expect(new DataView(out.buffer, out.byteOffset).getUint16(4, true)).toBe(0x102);
    const body = Array.from(out.subarray(16));
    const origLen = e.identity[0]!.length;
    expect(body.slice(0, 4)).toEqual([2, 0, 0, 0]);
    expect(body.slice(4, 4 + origLen)).toEqual(Array.from(b.subarray(4, 4 + origLen)));
    expect(body.slice(4 + origLen)).toEqual(attr(12, [0, 0, 0, 7]));
  });

  it("decode: truncated attribute -> throws a decode error, not a crash", () => {
    const b = ctEntry(6, 80).slice(0, 14);
    expect(() => decodeConntrack(new DataView(b.buffer), 0, b.length)).toThrow();
  });
});
