// Test-only NetlinkConn that records requests and answers get/dump from given reply messages.
import { forEachMessage } from "../../../../shared/netlink/codec/nlmsg.ts";
import { NlWriter } from "../../../../shared/netlink/codec/writer.ts";
import type { BodyWriter, MessageDecoder, NetlinkConn } from "../../../../shared/netlink/request.ts";

export interface Recorded {
  kind: "request" | "get" | "dump";
  type: number;
  flags: number;
  op: string;
  /** The payload (after nlmsghdr) the op wrote. */
  body: Uint8Array;
}

export class FakeConn implements NetlinkConn {
  readonly calls: Recorded[] = [];
  /** Whole netlink messages returned to get/dump decoders. */
  replies: Uint8Array[] = [];
  /** Thrown by the next call, if set. */
  failWith: Error | undefined;

  private record(kind: Recorded["kind"], type: number, flags: number, op: string, body: BodyWriter): void {
    const w = new NlWriter(64);
    w.beginMessage(type, flags, 1);
    body(w);
    w.endMessage();
    this.calls.push({ kind, type, flags, op, body: w.bytes().slice(16) });
    const e = this.failWith;
    this.failWith = undefined;
    if (e) throw e;
  }

  private decodeAll<T>(decode: MessageDecoder<T>): T[] {
    const out: T[] = [];
    for (const m of this.replies) {
      const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
      forEachMessage(dv, 0, m.length, (type, _f, _s, off, end) => {
        const v = decode(dv, off, end, type);
        if (v !== undefined) out.push(v);
      });
    }
    return out;
  }

  request(type: number, flags: number, op: string, body: BodyWriter): void {
    this.record("request", type, flags, op, body);
  }

  get<T>(type: number, flags: number, op: string, body: BodyWriter, decode: MessageDecoder<T>): T | undefined {
    this.record("get", type, flags, op, body);
    return this.decodeAll(decode)[0];
  }

  dump<T>(type: number, flags: number, op: string, body: BodyWriter, decode: MessageDecoder<T>): T[] {
    this.record("dump", type, flags, op, body);
    return this.decodeAll(decode);
  }

  last(): Recorded {
    const c = this.calls[this.calls.length - 1];
    if (!c) throw new Error("no calls recorded");
    return c;
  }
}
