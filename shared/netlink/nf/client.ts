// An nfnetlink (NETLINK_NETFILTER) socket under the shared NetlinkSession protocol logic. The socket is
// opened in the CALLING THREAD's network namespace and bound to it for life, so the firewall layer
// opens one per operation (inside withNetns when it acts on another namespace) and closes it after.
import { closeFd, netlinkSocket, NETLINK_CAP_ACK, NETLINK_EXT_ACK } from "../../sys/libc.ts";
import { enableSocketOptions, SocketTransport } from "../client.ts";
import { releaseNfSocket } from "../../sys/nftables.ts";
import { NetlinkSession } from "../session.ts";
import { NETLINK_NETFILTER } from "./codec/nfgen.ts";

export class NfHandle extends NetlinkSession {
  private constructor(readonly fd: number) {
    super(new SocketTransport(fd, (f) => releaseNfSocket(f, closeFd)));
  }

  /** Opens an nfnetlink socket in the calling thread's netns, with extended and capped acks. */
  static open(): NfHandle {
    const fd = netlinkSocket(NETLINK_NETFILTER);
    enableSocketOptions(fd, [NETLINK_EXT_ACK, NETLINK_CAP_ACK]);
    return new NfHandle(fd);
  }
}

/** Runs fn on a fresh nfnetlink handle of the calling thread's netns; always closes it. */
export function withNfHandle<T>(fn: (h: NfHandle) => T): T {
  const h = NfHandle.open();
  try {
    return fn(h);
  } finally {
    h.close();
  }
}
