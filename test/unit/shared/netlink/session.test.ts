import { describe, expect, it } from "vitest";
import { forEachMessage, NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_MULTI, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NLMSGERR_ATTR_MSG } from "../../../../shared/netlink/codec/nlmsg.ts";
import { NetlinkDecodeError } from "../../../../shared/netlink/codec/errors.ts";
import { NetlinkError } from "../../../../shared/netlink/errors.ts";
import { DUMP_ATTEMPTS, NetlinkSession, type NetlinkTransport } from "../../../../shared/netlink/session.ts";
import { attr, i32, msg, str, u32 } from "./naive.ts";

interface Req {
  type: number;
  flags: number;
  seq: number;
  payload: number[];
}

type Responder = (reqs: Req[], datagram: number) => number[][];

const NAMES: Record<number, string> = { 4: "EINTR", 17: "EEXIST", 19: "ENODEV", 22: "EINVAL" };

/** A scripted kernel: each sent datagram is parsed and answered with the responder's datagrams. */
class FakeKernel implements NetlinkTransport {
  readonly sent: Req[][] = [];
  private queue: number[][] = [];
  closed = 0;
  constructor(private readonly respond: Responder) {}
  send(bytes: Uint8Array): void {
    const reqs: Req[] = [];
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    forEachMessage(dv, 0, bytes.length, (type, flags, seq, off, end) => reqs.push({ type, flags, seq, payload: Array.from(bytes.subarray(off, end)) }));
    this.sent.push(reqs);
    this.queue.push(...this.respond(reqs, this.sent.length));
  }
  recv(buf: Uint8Array): number {
    const d = this.queue.shift();
    if (!d) throw new Error("fake kernel: recv with nothing queued (would block forever)");
    buf.set(d);
    return d.length;
  }
  close(): void {
    this.closed++;
  }
  errnoName(errno: number): string {
    return NAMES[errno] ?? `errno ${errno}`;
  }
}

const ack = (r: Req, errno = 0, extAck?: string): number[] => {
  const flags = NLM_F_CAPPED | (extAck ? NLM_F_ACK_TLVS : 0);
  const echoed = msg(r.type, r.flags, r.seq).slice(0, 16);
  return msg(NLMSG_ERROR, flags, r.seq, i32(-errno), echoed, extAck ? attr(NLMSGERR_ATTR_MSG, str(extAck)) : []);
};
const item = (r: Req, v: number, flags = NLM_F_MULTI): number[] => msg(16, flags, r.seq, u32(v));
const done = (r: Req, flags = NLM_F_MULTI, status = 0): number[] => msg(NLMSG_DONE, flags, r.seq, i32(status));
const readU32 = (dv: DataView, off: number) => dv.getUint32(off, true);
const body = () => {};

describe("NetlinkSession.request", () => {
  it("request: kernel acks -> returns; flags carry REQUEST|ACK plus the caller's", () => {
    const k = new FakeKernel(([r]) => [ack(r!)]);
    new NetlinkSession(k, 100).request(16, 0x600, "create bridge cni0", body);
    expect(k.sent[0]![0]).toMatchObject({ type: 16, flags: NLM_F_REQUEST | NLM_F_ACK | 0x600, seq: 101 });
  });

  it("request: kernel refuses with ext ack -> NetlinkError 'op: ERRNO: message' with errno fields", () => {
    const k = new FakeKernel(([r]) => [ack(r!, 17, "ipv4: Address already assigned")]);
    const s = new NetlinkSession(k, 1);
    const e = (() => {
      try {
        s.request(20, 0x600, "add 10.1.0.5/24 to veth3f2a", body);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(NetlinkError);
    expect(e).toMatchObject({ errno: 17, errnoName: "EEXIST", op: "add 10.1.0.5/24 to veth3f2a", extAck: "ipv4: Address already assigned" });
    expect((e as Error).message).toBe("add 10.1.0.5/24 to veth3f2a: EEXIST: ipv4: Address already assigned");
  });

  it("request: stale replies of earlier sequence numbers arrive first -> skipped, own ack used", () => {
    const k = new FakeKernel(([r]) => [[...ack({ ...r!, seq: r!.seq - 1 }, 22), ...item({ ...r!, seq: 5 }, 1)], ack(r!)]);
    expect(() => new NetlinkSession(k, 1).request(16, 0, "set lo up", body)).not.toThrow();
  });

  it("request: malformed datagram -> NetlinkDecodeError", () => {
    const k = new FakeKernel(() => [[1, 2, 3]]);
    expect(() => new NetlinkSession(k, 1).request(16, 0, "x", body)).toThrow(NetlinkDecodeError);
  });
});

describe("NetlinkSession.get", () => {
  it("get: one reply -> decoded value; no ACK flag requested", () => {
    const k = new FakeKernel(([r]) => [item(r!, 42, 0)]);
    expect(new NetlinkSession(k, 1).get(18, 0, "get link lo", body, readU32)).toBe(42);
    expect(k.sent[0]![0]!.flags).toBe(NLM_F_REQUEST);
  });

  it("get: kernel error -> NetlinkError with the op", () => {
    const k = new FakeKernel(([r]) => [ack(r!, 19)]);
    expect(() => new NetlinkSession(k, 1).get(18, 0, "get link nope", body, readU32)).toThrow("get link nope: ENODEV");
  });
});

describe("NetlinkSession.dump", () => {
  it("dump: several datagrams then DONE -> all items in order, undefined ones dropped", () => {
    const k = new FakeKernel(([r]) => [[...item(r!, 1), ...item(r!, 2)], [...item(r!, 3), ...done(r!)]]);
    const got = new NetlinkSession(k, 1).dump(18, 0, "list links", body, (dv, off) => (readU32(dv, off) === 2 ? undefined : readU32(dv, off)));
    expect(got).toEqual([1, 3]);
    expect(k.sent[0]![0]!.flags).toBe(NLM_F_REQUEST | NLM_F_DUMP);
  });

  it("dump: NLM_F_DUMP_INTR on the first attempt -> retried, only the clean attempt's items returned", () => {
    const k = new FakeKernel(([r], n) => (n === 1 ? [[...item(r!, 1, NLM_F_MULTI | NLM_F_DUMP_INTR), ...done(r!)]] : [[...item(r!, 2), ...done(r!)]]));
    expect(new NetlinkSession(k, 1).dump(18, 0, "list links", body, readU32)).toEqual([2]);
    expect(k.sent.length).toBe(2);
  });

  it("dump: interrupted on every attempt -> NetlinkError EINTR with CNI code 11 after DUMP_ATTEMPTS tries", () => {
    const k = new FakeKernel(([r]) => [[...item(r!, 1), ...done(r!, NLM_F_MULTI | NLM_F_DUMP_INTR)]]);
    let err: unknown;
    try {
      new NetlinkSession(k, 1).dump(18, 0, "list routes", body, readU32);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ errno: 4, cniCode: 11, op: "list routes" });
    expect(k.sent.length).toBe(DUMP_ATTEMPTS);
  });

  it("dump: decoder throws mid-dump -> rest drained to DONE, error rethrown, session still usable", () => {
    const k = new FakeKernel(([r], n) => (n === 1 ? [[...item(r!, 1), ...item(r!, 2)], [...item(r!, 3), ...done(r!)]] : [ack(r!)]));
    const s = new NetlinkSession(k, 1);
    const boom = () => {
      throw new NetlinkDecodeError("bad", 0);
    };
    expect(() => s.dump(18, 0, "list links", body, boom)).toThrow(NetlinkDecodeError);
    expect(() => s.request(16, 0, "set lo up", body)).not.toThrow();
  });

  it("dump: DONE carrying an error -> NetlinkError", () => {
    const k = new FakeKernel(([r]) => [[...item(r!, 1), ...done(r!, NLM_F_MULTI, -22)]]);
    expect(() => new NetlinkSession(k, 1).dump(18, 0, "list addresses", body, readU32)).toThrow("list addresses: EINVAL");
  });

  it("dump: kernel refuses the dump request -> NetlinkError", () => {
    const k = new FakeKernel(([r]) => [ack(r!, 22, "Invalid header for link dump")]);
    expect(() => new NetlinkSession(k, 1).dump(18, 0, "list links", body, readU32)).toThrow("list links: EINVAL: Invalid header for link dump");
  });
});

describe("NetlinkBatch", () => {
  it("send: three requests -> one datagram, acks matched out of order, every refusal returned", () => {
    const k = new FakeKernel((reqs) => [ack(reqs[2]!), ack(reqs[0]!, 17), ack(reqs[1]!, 19)]);
    const s = new NetlinkSession(k, 10);
    const b = s.batch();
    b.request(20, 0x600, "add 10.1.0.5/24 to eth0", body);
    b.request(24, 0x600, "add route default via 10.1.0.1", body);
    b.request(16, 0, "set eth0 up", body);
    expect(b.size).toBe(3);
    const errors = b.send();
    expect(k.sent.length).toBe(1);
    expect(k.sent[0]!.map((r) => r.seq)).toEqual([11, 12, 13]);
    expect(k.sent[0]!.every((r) => (r.flags & (NLM_F_REQUEST | NLM_F_ACK)) === 5)).toBe(true);
    expect(errors.map((e) => e.message)).toEqual(["add 10.1.0.5/24 to eth0: EEXIST", "add route default via 10.1.0.1: ENODEV"]);
    expect(b.size).toBe(0);
  });

  it("commit: two refusals -> throws the first, naming the second, with related set", () => {
    const k = new FakeKernel((reqs) => reqs.map((r, i) => ack(r, i === 0 ? 0 : 17)));
    const b = new NetlinkSession(k, 1).batch();
    b.request(16, 0, "a", body);
    b.request(16, 0, "b", body);
    b.request(16, 0, "c", body);
    let err: NetlinkError | undefined;
    try {
      b.commit();
    } catch (e) {
      err = e as NetlinkError;
    }
    expect(err?.message).toBe("b: EEXIST; also c: EEXIST");
    expect(err?.related.map((e) => e.op)).toEqual(["c"]);
  });

  it("commit: all acked -> returns; empty batch -> sends nothing", () => {
    const k = new FakeKernel((reqs) => reqs.map((r) => ack(r)));
    const s = new NetlinkSession(k, 1);
    s.batch().commit();
    expect(k.sent.length).toBe(0);
    const b = s.batch();
    b.request(16, 0, "a", body);
    expect(() => b.commit()).not.toThrow();
    expect(k.sent.length).toBe(1);
  });
});

describe("NetlinkSession sequence and lifecycle", () => {
  it("nextSeq: at 2^32-1 -> wraps to 1, never 0", () => {
    const s = new NetlinkSession(new FakeKernel(() => []), 0x3fff_ffff);
    (s as unknown as { seq: number }).seq = 0xffff_ffff;
    expect(s.nextSeq()).toBe(1);
  });

  it("close: twice -> transport closed once; requests after close -> throw", () => {
    const k = new FakeKernel(() => []);
    const s = new NetlinkSession(k, 1);
    s.close();
    s.close();
    expect(k.closed).toBe(1);
    expect(() => s.request(16, 0, "x", body)).toThrow(/closed/);
  });

  it("trace: set -> sees the sent request and the received ack", () => {
    const k = new FakeKernel(([r]) => [ack(r!)]);
    const s = new NetlinkSession(k, 1);
    const seen: string[] = [];
    s.trace = (dir, bytes) => seen.push(`${dir}:${bytes.length}`);
    s.request(16, 0, "x", body);
    expect(seen).toEqual(["send:16", "recv:36"]);
  });
});
