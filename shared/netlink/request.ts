// The contract between high-level ops and the socket client. Ops depend on these types only, so
// they stay testable under Node with a fake; shared/netlink/client.ts implements them.
import type { NlWriter } from "./codec/writer.ts";

/** Writes a message payload (fixed header + attributes) after the nlmsghdr. */
export type BodyWriter = (w: NlWriter) => void;

/** Decodes one reply payload [off, end); returning undefined drops it (client-side filtering). */
export type MessageDecoder<T> = (dv: DataView, off: number, end: number, type: number) => T | undefined;

/** Something that can carry requests answered by a bare ack: a handle, or a batch of one. */
export interface NetlinkRequester {
  /**
   * One request with NLM_F_REQUEST|NLM_F_ACK added to flags. On a handle it returns after the ack
   * and throws NetlinkError on refusal; on a batch it queues until commit()/send().
   */
  request(type: number, flags: number, op: string, body: BodyWriter): void;
}

/** A request/reply connection to rtnetlink in one network namespace. */
export interface NetlinkConn extends NetlinkRequester {
  /** A non-dump request answered by one message. */
  get<T>(type: number, flags: number, op: string, body: BodyWriter, decode: MessageDecoder<T>): T | undefined;
  /** A dump (NLM_F_DUMP added), retried on NLM_F_DUMP_INTR per the client's policy. */
  dump<T>(type: number, flags: number, op: string, body: BodyWriter, decode: MessageDecoder<T>): T[];
}
