import { describe, expect, it } from "vitest";
import { NetlinkDecodeError } from "../../../../../shared/netlink/codec/errors.ts";
import {
  decodeDone,
  decodeError,
  forEachMessage,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
} from "../../../../../shared/netlink/codec/nlmsg.ts";
import { attr, i32, msg, str, u16, u32, view } from "../naive.ts";

const request = msg(20, 0x605, 42, [2, 24, 0, 0, ...u32(3)], attr(2, [10, 1, 0, 5]));

function decodeOne(bytes: number[]) {
  const dv = view(bytes);
  let out: ReturnType<typeof decodeError> | undefined;
  forEachMessage(dv, 0, bytes.length, (type, flags, _seq, off, end) => {
    out = type === NLMSG_ERROR ? decodeError(dv, off, end, flags) : decodeDone(dv, off, end, flags);
  });
  return out;
}

describe("forEachMessage", () => {
  it("walk: two messages in one datagram -> both visited with header fields", () => {
    const bytes = [...msg(16, 2, 5, u32(1)), ...msg(NLMSG_DONE, 2, 5, i32(0))];
    const seen: number[][] = [];
    forEachMessage(view(bytes), 0, bytes.length, (t, f, s, off, end) => seen.push([t, f, s, off, end]));
    expect(seen).toEqual([[16, 2, 5, 16, 20], [3, 2, 5, 36, 40]]);
  });

  it("walk: nlmsg_len past the datagram -> NetlinkDecodeError", () => {
    const bytes = msg(16, 0, 1, u32(1)).slice(0, 18);
    expect(() => forEachMessage(view(bytes), 0, bytes.length, () => {})).toThrow(NetlinkDecodeError);
  });

  it("walk: nlmsg_len below 16 -> NetlinkDecodeError (no infinite loop)", () => {
    const bytes = [...u32(0), ...u16(16), ...u16(0), ...u32(0), ...u32(0)];
    expect(() => forEachMessage(view(bytes), 0, bytes.length, () => {})).toThrow(NetlinkDecodeError);
  });
});

describe("decodeError", () => {
  it("decode: plain ack (error 0, capped) -> error 0 and the request's type and seq", () => {
    expect(decodeOne(msg(NLMSG_ERROR, NLM_F_CAPPED, 42, i32(0), request.slice(0, 16)))).toEqual({
      error: 0,
      requestType: 20,
      requestSeq: 42,
    });
  });

  it("decode: capped error with ext-ack TLVs -> errno positive, message and offset", () => {
    const tlvs = [...attr(NLMSGERR_ATTR_MSG, str("ipv4: Address already assigned")), ...attr(NLMSGERR_ATTR_OFFS, u32(24))];
    const bytes = msg(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 42, i32(-17), request.slice(0, 16), tlvs);
    expect(decodeOne(bytes)).toEqual({
      error: 17,
      requestType: 20,
      requestSeq: 42,
      message: "ipv4: Address already assigned",
      badAttrOffset: 24,
    });
  });

  it("decode: uncapped error echoing the whole request, then TLVs -> TLVs found after the echo", () => {
    const tlvs = [...attr(NLMSGERR_ATTR_MSG, str("bad")), ...attr(NLMSGERR_ATTR_MISS_TYPE, u32(3))];
    const bytes = msg(NLMSG_ERROR, NLM_F_ACK_TLVS, 42, i32(-22), request, tlvs);
    expect(decodeOne(bytes)).toMatchObject({ error: 22, message: "bad", missingAttrType: 3 });
  });

  it("decode: echoed length pointing past the message -> NetlinkDecodeError", () => {
    const echoed = [...u32(4000), ...request.slice(4, 16)];
    const bytes = msg(NLMSG_ERROR, NLM_F_ACK_TLVS, 42, i32(-22), echoed);
    expect(() => decodeOne(bytes)).toThrow(NetlinkDecodeError);
  });

  it("decode: payload shorter than nlmsgerr -> NetlinkDecodeError", () => {
    expect(() => decodeOne(msg(NLMSG_ERROR, 0, 1, i32(-1)))).toThrow(NetlinkDecodeError);
  });
});

describe("decodeDone", () => {
  it("decode: DONE with status 0 -> error 0", () => {
    expect(decodeOne(msg(NLMSG_DONE, 2, 9, i32(0)))).toEqual({ error: 0 });
  });

  it("decode: DONE with a negative status and ext-ack message -> errno and message", () => {
    const bytes = msg(NLMSG_DONE, 2 | NLM_F_ACK_TLVS, 9, i32(-90), attr(NLMSGERR_ATTR_MSG, str("too big")));
    expect(decodeOne(bytes)).toEqual({ error: 90, message: "too big" });
  });
});
