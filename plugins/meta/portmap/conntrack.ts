// Deletes stale conntrack entries for host ports (the reference's deletePortmapStaleConnections): a UDP
// flow that hit a host port before the mapping existed keeps its old conntrack entry and bypasses the new
// DNAT until it expires. One ctnetlink dump per family, filtered here, then one batch of deletes.
// Runs in the calling thread's network namespace (the node's).
import { closeFd, errnoName, netlinkSocket, recvInto, sendToKernel } from "../../../shared/sys/libc.ts";
import { ENOENT } from "../../../shared/netlink/errors.ts";
import { NetlinkSession, type NetlinkTransport } from "../../../shared/netlink/session.ts";
import {
  ctMsgType, decodeConntrack, IPCTNL_MSG_CT_DELETE, IPCTNL_MSG_CT_GET, IPCTNL_MSG_CT_NEW, NETLINK_NETFILTER,
  writeDeleteBody, writeNfgenmsg, type ConntrackEntry,
} from "../../../shared/netlink/nf/codec/conntrack.ts";

/** Deletes per sendmsg: keeps a datagram and its acks well inside the socket buffers. */
const BATCH = 128;

function openCtnetlink(): NetlinkSession {
  const fd = netlinkSocket(NETLINK_NETFILTER);
  const transport: NetlinkTransport = {
    send: (b) => sendToKernel(fd, b),
    recv: (buf) => recvInto(fd, buf),
    close: () => closeFd(fd),
    errnoName,
  };
  return new NetlinkSession(transport);
}

function matching(s: NetlinkSession, family: number, protocol: number, ports: ReadonlySet<number>): ConntrackEntry[] {
  return s.dump(ctMsgType(IPCTNL_MSG_CT_GET), 0, "dump conntrack", (w) => writeNfgenmsg(w, family), (dv, off, end, type) => {
    if (type !== ctMsgType(IPCTNL_MSG_CT_NEW)) return undefined;
    const e = decodeConntrack(dv, off, end);
    return e.protocol === protocol && e.dstPort !== undefined && ports.has(e.dstPort) ? e : undefined;
  });
}

/**
 * Deletes the conntrack entries of `protocol` whose original destination port is one of `ports`, for
 * each of `families` (AF_INET, AF_INET6). Returns how many were deleted; entries that vanished
 * meanwhile (ENOENT) count as done.
 */
export function deleteConntrackForDstPorts(families: readonly number[], protocol: number, ports: ReadonlySet<number>): number {
  if (ports.size === 0 || families.length === 0) return 0;
  const s = openCtnetlink();
  try {
    let deleted = 0;
    for (const family of families) {
      const entries = matching(s, family, protocol, ports);
      if (!entries.length) continue;
      for (let i = 0; i < entries.length; i += BATCH) {
        const batch = s.batch();
        for (const e of entries.slice(i, i + BATCH)) {
          batch.request(ctMsgType(IPCTNL_MSG_CT_DELETE), 0, "delete conntrack entry", (w) => writeDeleteBody(w, e));
        }
        const errors = batch.send().filter((err) => err.errno !== ENOENT);
        if (errors.length) throw errors[0];
      }
      deleted += entries.length;
    }
    return deleted;
  } finally {
    s.close();
  }
}
