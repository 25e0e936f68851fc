// The DHCPv4 client transactions (RFC 2131 4.4): acquire (INIT -> SELECTING -> REQUESTING -> BOUND),
// extend (RENEWING unicast, REBINDING broadcast), reboot (INIT-REBOOT, used after a daemon restart
// found an expired lease), release. Each send is retransmitted with exponential backoff until a
// deadline. Pure logic over an injected port and clock: unit-tested with a fake server.
import { ipEqual, makeIP, type IP } from "../../../../shared/ip/index.ts";
import * as build from "../wire/build.ts";
import type { ClientProfile } from "../wire/build.ts";
import { leaseInfo, type LeaseInfo } from "../wire/lease-info.ts";
import { BOOTREPLY, MessageType, messageType, type DhcpMessage } from "../wire/message.ts";
import { Opt, readIP } from "../wire/options.ts";

export interface Reply {
  message: DhcpMessage;
  /** link-layer source: the server (or relay) to unicast renewals to */
  srcMac: Uint8Array;
}

/** An open packet socket on the pod's interface. */
export interface DhcpPort {
  readonly mac: Uint8Array;
  send(m: DhcpMessage, src: IP, dst: IP, dstMac: Uint8Array): void;
  /** the first reply accepted within timeoutMs, else undefined */
  receive(timeoutMs: number, accept: (m: DhcpMessage) => boolean): Promise<Reply | undefined>;
}

export interface Clock {
  now(): number;
  random(): number;
}

export interface Backoff {
  /** the first retransmission delay, ms (doubles each time) */
  initialMs: number;
  /** longest wait between two sends, ms (-resendmax, and -timeout) */
  maxMs: number;
}

export interface Session {
  port: DhcpPort;
  profile: ClientProfile;
  clock: Clock;
  backoff: Backoff;
  /** aborts every wait (DEL, shutdown) */
  signal?: { aborted: boolean };
}

const BROADCAST_IP = makeIP(4, 0xffffffffn);
export const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
const ZERO = makeIP(4, 0n);

/** A granted lease: the ACK (persisted as is), what it means, and where its server is. */
export interface Granted {
  ack: DhcpMessage;
  info: LeaseInfo;
  serverMac: Uint8Array;
}

export type Outcome = { kind: "ack"; granted: Granted } | { kind: "nak"; reason: string } | { kind: "timeout" };

function sameMac(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function replyFilter(s: Session, xid: number, types: number[]): (m: DhcpMessage) => boolean {
  return (m) => m.op === BOOTREPLY && m.xid === xid && sameMac(m.chaddr, s.port.mac) && types.includes(messageType(m) ?? 0);
}

interface Attempt {
  build: (secs: number) => DhcpMessage;
  src: IP;
  dst: IP;
  dstMac: Uint8Array;
  accept: (m: DhcpMessage) => boolean;
  deadline: number;
}

/** Sends and resends until an accepted reply or the deadline (or abort). */
async function exchange(s: Session, a: Attempt): Promise<Reply | undefined> {
  const start = s.clock.now();
  let delay = s.backoff.initialMs;
  while (!s.signal?.aborted) {
    const now = s.clock.now();
    if (now >= a.deadline) return undefined;
    s.port.send(a.build(Math.floor((now - start) / 1000)), a.src, a.dst, a.dstMac);
    const jitter = 1 + (s.clock.random() - 0.5) * 0.2; // +-10 %
    const wait = Math.min(delay * jitter, s.backoff.maxMs, a.deadline - now);
    const reply = await s.port.receive(wait, a.accept);
    if (reply) return reply;
    delay = Math.min(delay * 2, s.backoff.maxMs);
  }
  return undefined;
}

const newXid = (s: Session): number => Math.floor(s.clock.random() * 0x1_0000_0000) >>> 0;

function nakReason(m: DhcpMessage): string {
  const text = m.options.get(Opt.MESSAGE);
  return text ? new TextDecoder().decode(text) : "no reason given";
}

/** ACK -> granted (or a nak outcome if the ACK grants nothing usable); NAK -> nak. */
function outcomeOf(r: Reply | undefined): Outcome {
  if (!r) return { kind: "timeout" };
  if (messageType(r.message) === MessageType.NAK) return { kind: "nak", reason: nakReason(r.message) };
  try {
    return { kind: "ack", granted: { ack: r.message, info: leaseInfo(r.message), serverMac: r.srcMac } };
  } catch (e) {
    return { kind: "nak", reason: `unusable DHCPACK: ${(e as Error).message}` };
  }
}

/** One DISCOVER/OFFER/REQUEST/ACK round; undefined offer means no server answered. */
async function selectOnce(s: Session, deadline: number): Promise<Outcome> {
  const xid = newXid(s);
  const offer = await exchange(s, {
    build: (secs) => build.discover(s.profile, xid, secs),
    src: ZERO,
    dst: BROADCAST_IP,
    dstMac: BROADCAST_MAC,
    accept: (m) => replyFilter(s, xid, [MessageType.OFFER])(m) && m.yiaddr.value !== 0n && m.options.has(Opt.SERVER_ID),
    deadline,
  });
  if (!offer) return { kind: "timeout" };
  const serverId = readIP(offer.message.options.get(Opt.SERVER_ID), Opt.SERVER_ID)!;
  const offered = offer.message.yiaddr;
  const fromServer = (m: DhcpMessage) => {
    const sid = m.options.get(Opt.SERVER_ID);
    return !sid || sid.length !== 4 || ipEqual(readIP(sid, Opt.SERVER_ID)!, serverId);
  };
  const reply = await exchange(s, {
    build: (secs) => build.requestSelecting(s.profile, xid, secs, offered, serverId),
    src: ZERO,
    dst: BROADCAST_IP,
    dstMac: BROADCAST_MAC,
    accept: (m) => replyFilter(s, xid, [MessageType.ACK, MessageType.NAK])(m) && fromServer(m),
    deadline,
  });
  return outcomeOf(reply);
}

/** INIT until an ACK or the deadline; a NAK restarts from DISCOVER (RFC 2131 3.1.4). */
export async function acquire(s: Session, deadline: number): Promise<Outcome> {
  let last: Outcome = { kind: "timeout" };
  while (!s.signal?.aborted && s.clock.now() < deadline) {
    const o = await selectOnce(s, deadline);
    if (o.kind === "ack") return o;
    if (o.kind === "timeout") return last.kind === "nak" ? last : o;
    last = o;
  }
  return last;
}

/** RENEWING: unicast to the server that granted the lease, until `deadline` (T2). */
export function renew(s: Session, held: Granted, deadline: number): Promise<Outcome> {
  const xid = newXid(s);
  const server = held.info.serverId ?? BROADCAST_IP;
  const unicast = held.info.serverId !== undefined;
  return exchange(s, {
    build: (secs) => build.requestExtend(s.profile, xid, secs, held.info.address),
    src: held.info.address,
    dst: server,
    dstMac: unicast ? held.serverMac : BROADCAST_MAC,
    accept: replyFilter(s, xid, [MessageType.ACK, MessageType.NAK]),
    deadline,
  }).then(outcomeOf);
}

/** REBINDING: broadcast to any server, until `deadline` (expiry). */
export function rebind(s: Session, held: Granted, deadline: number): Promise<Outcome> {
  const xid = newXid(s);
  return exchange(s, {
    build: (secs) => build.requestExtend(s.profile, xid, secs, held.info.address),
    src: held.info.address,
    dst: BROADCAST_IP,
    dstMac: BROADCAST_MAC,
    accept: replyFilter(s, xid, [MessageType.ACK, MessageType.NAK]),
    deadline,
  }).then(outcomeOf);
}

/** INIT-REBOOT: ask to keep an address whose lease ran out while the daemon was down. */
export function reboot(s: Session, address: IP, deadline: number): Promise<Outcome> {
  const xid = newXid(s);
  return exchange(s, {
    build: (secs) => build.requestReboot(s.profile, xid, secs, address),
    src: ZERO,
    dst: BROADCAST_IP,
    dstMac: BROADCAST_MAC,
    accept: replyFilter(s, xid, [MessageType.ACK, MessageType.NAK]),
    deadline,
  }).then(outcomeOf);
}

/**
 * DHCPRELEASE (the server does not answer it), then a DHCPINFORM to the same server whose answer
 * shows the RELEASE has crossed the pod's link: the runtime deletes the interface right after DEL,
 * and deleting a veth drops frames still queued in the kernel's receive backlog (softirq work that
 * is deferred under load; without this, 40 of 50 parallel releases were lost here). Resolves true
 * when the server answered the INFORM before the deadline.
 */
export async function releaseLease(s: Session, held: Granted, deadline: number): Promise<boolean> {
  const server = held.info.serverId;
  if (!server) return false;
  // a round: RELEASE, then INFORM (resent with backoff) for up to a second; an unanswered round is
  // repeated whole until the deadline (a second RELEASE for a released lease is ignored by servers)
  while (!s.signal?.aborted && s.clock.now() < deadline) {
    s.port.send(build.release(s.profile, newXid(s), held.info.address, server), held.info.address, server, held.serverMac);
    const xid = newXid(s);
    const reply = await exchange(s, {
      build: () => build.inform(s.profile, xid, held.info.address),
      src: held.info.address,
      dst: server,
      dstMac: held.serverMac,
      accept: replyFilter(s, xid, [MessageType.ACK]),
      deadline: Math.min(deadline, s.clock.now() + 1000),
    });
    if (reply) return true;
  }
  return false;
}
