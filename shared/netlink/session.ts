// The rtnetlink protocol over any datagram transport: sequence numbers, acks, dumps (with the one
// NLM_F_DUMP_INTR policy), batches, extended acks and errno mapping. Pure: client.ts supplies the
// socket (shared/sys), tests a scripted fake kernel.
import {
  decodeDone,
  decodeError,
  forEachMessage,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  type NetlinkAck,
} from "./codec/nlmsg.ts";
import { NlWriter } from "./codec/writer.ts";
import { ErrorCode, type ErrorCodeValue } from "../cni/errors.ts";
import { EINTR, NetlinkError } from "./errors.ts";
import type { BodyWriter, MessageDecoder, NetlinkConn, NetlinkRequester } from "./request.ts";

/** Dump attempts before an NLM_F_DUMP_INTR dump is reported as a failure (as netlinksafe). */
export const DUMP_ATTEMPTS = 5;

/** Largest datagram the kernel sends us (dumps are capped at 32 KiB per skb). */
const RECV_BUFFER = 64 * 1024;

type NetlinkTrace = (dir: "send" | "recv", bytes: Uint8Array) => void;

/** One connected netlink datagram socket (or a fake of one). */
export interface NetlinkTransport {
  /** Sends one datagram to the kernel. */
  send(bytes: Uint8Array): void;
  /** Receives one datagram into buf (blocking); returns its length. */
  recv(buf: Uint8Array): number;
  close(): void;
  /** "EEXIST" for 17, ... */
  errnoName(errno: number): string;
}

export class NetlinkSession implements NetlinkConn {
  /** Debug/capture tap: sees every datagram sent and received (views: copy to keep). */
  trace: NetlinkTrace | undefined;
  private seq: number;
  private readonly w = new NlWriter(1024);
  private readonly rbuf = new Uint8Array(RECV_BUFFER);
  private readonly rdv = new DataView(this.rbuf.buffer);
  private closed = false;

  constructor(private readonly transport: NetlinkTransport, firstSeq = Date.now()) {
    this.seq = (firstSeq & 0x3fff_ffff) >>> 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.close();
  }

  private kernelError(op: string, ack: NetlinkAck, cniCode?: ErrorCodeValue): NetlinkError {
    return new NetlinkError(op, ack.error, this.transport.errnoName(ack.error), ack.message, cniCode);
  }

  /** The next sequence number (batches take theirs here too). */
  nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0 || 1;
    return this.seq;
  }

  /** A batch: queue requests, then one sendmsg, one ack each. */
  batch(): NetlinkBatch {
    return new NetlinkBatch(this);
  }

  request(type: number, flags: number, op: string, body: BodyWriter): void {
    const seq = this.nextSeq();
    this.sendOne(type, flags | NLM_F_ACK, seq, body);
    const errors = this.awaitAcks([seq], [op]);
    if (errors[0]) throw errors[0];
  }

  get<T>(type: number, flags: number, op: string, body: BodyWriter, decode: MessageDecoder<T>): T | undefined {
    const seq = this.nextSeq();
    this.sendOne(type, flags, seq, body);
    let out: T | undefined;
    let done = false;
    while (!done) {
      this.receive((mtype, mflags, mseq, off, end) => {
        if (mseq !== seq || done) return;
        done = true;
        if (mtype === NLMSG_ERROR) {
          const ack = decodeError(this.rdv, off, end, mflags);
          if (ack.error) throw this.kernelError(op, ack);
        } else if (mtype !== NLMSG_DONE) {
          out = decode(this.rdv, off, end, mtype);
        }
      });
    }
    return out;
  }

  dump<T>(type: number, flags: number, op: string, body: BodyWriter, decode: MessageDecoder<T>): T[] {
    for (let attempt = 1; ; attempt++) {
      const { items, interrupted } = this.dumpOnce(type, flags, op, body, decode);
      if (!interrupted) return items;
      if (attempt >= DUMP_ATTEMPTS) {
        const why = `dump interrupted by concurrent changes ${DUMP_ATTEMPTS} times`;
        throw new NetlinkError(op, EINTR, "EINTR", why, ErrorCode.TryAgainLater);
      }
    }
  }

  // ---------------------------------------------------------------- internals

  private sendOne(type: number, flags: number, seq: number, body: BodyWriter): void {
    const w = this.w.reset();
    w.beginMessage(type, flags | NLM_F_REQUEST, seq);
    body(w);
    w.endMessage();
    this.sendBytes(w.bytes());
  }

  /** @internal sends one datagram (possibly several messages). */
  sendBytes(bytes: Uint8Array): void {
    if (this.closed) throw new Error("NetlinkHandle: closed");
    this.trace?.("send", bytes);
    this.transport.send(bytes);
  }

  private receive(visit: Parameters<typeof forEachMessage>[3]): void {
    const n = this.transport.recv(this.rbuf);
    this.trace?.("recv", this.rbuf.subarray(0, n));
    forEachMessage(this.rdv, 0, n, visit);
  }

  /** @internal waits for the acks of seqs; returns one NetlinkError (or undefined) per request. */
  awaitAcks(seqs: readonly number[], ops: readonly string[]): (NetlinkError | undefined)[] {
    const errors: (NetlinkError | undefined)[] = new Array(seqs.length);
    let pending = seqs.length;
    const seen = new Uint8Array(seqs.length);
    while (pending > 0) {
      this.receive((mtype, mflags, mseq, off, end) => {
        if (mtype !== NLMSG_ERROR) return;
        const i = seqs.length === 1 ? (seqs[0] === mseq ? 0 : -1) : seqs.indexOf(mseq);
        if (i < 0 || seen[i]) return;
        seen[i] = 1;
        pending--;
        const ack = decodeError(this.rdv, off, end, mflags);
        if (ack.error) errors[i] = this.kernelError(ops[i]!, ack);
      });
    }
    return errors;
  }

  private dumpOnce<T>(type: number, flags: number, op: string, body: BodyWriter, decode: MessageDecoder<T>) {
    const seq = this.nextSeq();
    this.sendOne(type, flags | NLM_F_DUMP, seq, body);
    const items: T[] = [];
    let interrupted = false;
    let done = false;
    let failure: unknown;
    while (!done) {
      this.receive((mtype, mflags, mseq, off, end) => {
        if (mseq !== seq || done) return;
        if (mflags & NLM_F_DUMP_INTR) interrupted = true;
        if (mtype === NLMSG_DONE || mtype === NLMSG_ERROR) {
          done = true;
          const ack = mtype === NLMSG_DONE ? decodeDone(this.rdv, off, end, mflags) : decodeError(this.rdv, off, end, mflags);
          if (ack.error) failure ??= this.kernelError(op, ack);
          return;
        }
        if (mtype === NLMSG_NOOP || mtype === NLMSG_OVERRUN || failure) return;
        try {
          const item = decode(this.rdv, off, end, mtype);
          if (item !== undefined) items.push(item);
        } catch (e) {
          failure = e; // keep reading to NLMSG_DONE so the socket stays usable
        }
      });
    }
    if (failure) throw failure;
    return { items, interrupted };
  }
}

/** Requests queued for one sendmsg; each gets its own ack and its own error. */
class NetlinkBatch implements NetlinkRequester {
  private readonly w = new NlWriter(2048);
  private seqs: number[] = [];
  private ops: string[] = [];

  constructor(private readonly handle: NetlinkSession) {}

  get size(): number {
    return this.ops.length;
  }

  request(type: number, flags: number, op: string, body: BodyWriter): void {
    const seq = this.handle.nextSeq();
    this.w.beginMessage(type, flags | NLM_F_REQUEST | NLM_F_ACK, seq);
    body(this.w);
    this.w.endMessage();
    this.seqs.push(seq);
    this.ops.push(op);
  }

  /** Sends everything queued; returns every refusal (empty when all succeeded). Empties the batch. */
  send(): NetlinkError[] {
    if (!this.ops.length) return [];
    const { seqs, ops } = this;
    this.seqs = [];
    this.ops = [];
    try {
      this.handle.sendBytes(this.w.bytes());
    } finally {
      this.w.reset();
    }
    return this.handle.awaitAcks(seqs, ops).filter((e): e is NetlinkError => e !== undefined);
  }

  /** send(), throwing NetlinkError.combine(errors) if anything was refused. */
  commit(): void {
    const errors = this.send();
    if (errors.length) throw NetlinkError.combine(errors);
  }
}
