// The client's messages (RFC 2131 4.3/4.4 table 5): which fields and options each state sends.
// Pure: no I/O. The daemon picks xid/secs; this module only lays the messages out.
import type { IP } from "../../../../shared/ip/index.ts";
import { BOOTREQUEST, FLAG_BROADCAST, HTYPE_ETHER, MessageType, ZERO_IP, type DhcpMessage, type MessageTypeValue } from "./message.ts";
import { ipBytes, Opt } from "./options.ts";

/** What identifies a client and what it provides/requests; fixed for a lease's life. */
export interface ClientProfile {
  /** `<containerID>/<network>/<ifname>`, sent as option 61 with type byte 0 (as the reference) */
  clientId: string;
  mac: Uint8Array;
  /** ask the server to broadcast replies (ipvlan: the shared MAC cannot demultiplex a unicast reply) */
  broadcast: boolean;
  /** options sent as given (host-name, user-class, vendor class, or an override of 61) */
  provide: ReadonlyMap<number, Uint8Array>;
  /** the parameter request list (option 55), in order */
  request: readonly number[];
}

const MAX_CLIENT_ID = 254;

function clientIdOption(clientId: string): Uint8Array {
  const id = new TextEncoder().encode(clientId).subarray(0, MAX_CLIENT_ID);
  const out = new Uint8Array(id.length + 1);
  out.set(id, 1); // type 0: not a hardware address
  return out;
}

interface Fields {
  type: MessageTypeValue;
  xid: number;
  secs?: number;
  ciaddr?: IP;
  requestedIp?: IP;
  serverId?: IP;
  /** RELEASE and DECLINE carry no parameter request and no provided options */
  bare?: boolean;
  /** the broadcast flag is meaningless when ciaddr is set (RFC 2131 4.1) */
  broadcast?: boolean;
}

function message(p: ClientProfile, f: Fields): DhcpMessage {
  const options = new Map<number, Uint8Array>();
  options.set(Opt.MESSAGE_TYPE, Uint8Array.of(f.type));
  options.set(Opt.CLIENT_ID, p.provide.get(Opt.CLIENT_ID) ?? clientIdOption(p.clientId));
  if (f.requestedIp) options.set(Opt.REQUESTED_IP, ipBytes(f.requestedIp));
  if (f.serverId) options.set(Opt.SERVER_ID, ipBytes(f.serverId));
  if (!f.bare) {
    options.set(Opt.MAX_MESSAGE_SIZE, Uint8Array.of(0x05, 0xdc)); // 1500
    if (p.request.length > 0) options.set(Opt.PARAMETER_REQUEST_LIST, Uint8Array.from(p.request));
    for (const [code, data] of p.provide) if (code !== Opt.CLIENT_ID) options.set(code, data);
  }
  return {
    op: BOOTREQUEST,
    htype: HTYPE_ETHER,
    hops: 0,
    xid: f.xid >>> 0,
    secs: Math.min(f.secs ?? 0, 0xffff),
    flags: f.broadcast ? FLAG_BROADCAST : 0,
    ciaddr: f.ciaddr ?? ZERO_IP,
    yiaddr: ZERO_IP,
    siaddr: ZERO_IP,
    giaddr: ZERO_IP,
    chaddr: p.mac,
    sname: "",
    file: "",
    options,
  };
}

/** INIT: broadcast DISCOVER, optionally hinting the address we had. */
export function discover(p: ClientProfile, xid: number, secs: number, hint?: IP): DhcpMessage {
  return message(p, { type: MessageType.DISCOVER, xid, secs, requestedIp: hint, broadcast: p.broadcast });
}

/** SELECTING: broadcast REQUEST naming the offer's address and its server. */
export function requestSelecting(p: ClientProfile, xid: number, secs: number, offered: IP, serverId: IP): DhcpMessage {
  return message(p, { type: MessageType.REQUEST, xid, secs, requestedIp: offered, serverId, broadcast: p.broadcast });
}

/** INIT-REBOOT: broadcast REQUEST for the address we held, no server id (resume after a restart). */
export function requestReboot(p: ClientProfile, xid: number, secs: number, address: IP): DhcpMessage {
  return message(p, { type: MessageType.REQUEST, xid, secs, requestedIp: address, broadcast: p.broadcast });
}

/** RENEWING (to the server) and REBINDING (broadcast): ciaddr set, no requested IP, no server id. */
export function requestExtend(p: ClientProfile, xid: number, secs: number, address: IP): DhcpMessage {
  return message(p, { type: MessageType.REQUEST, xid, secs, ciaddr: address });
}

export function release(p: ClientProfile, xid: number, address: IP, serverId: IP): DhcpMessage {
  return message(p, { type: MessageType.RELEASE, xid, ciaddr: address, serverId, bare: true });
}

export function decline(p: ClientProfile, xid: number, address: IP, serverId: IP): DhcpMessage {
  return message(p, { type: MessageType.DECLINE, xid, requestedIp: address, serverId, bare: true });
}

/** DHCPINFORM from a configured address: the daemon uses its answer as proof the path has drained. */
export function inform(p: ClientProfile, xid: number, address: IP): DhcpMessage {
  return message(p, { type: MessageType.INFORM, xid, ciaddr: address, bare: true });
}
