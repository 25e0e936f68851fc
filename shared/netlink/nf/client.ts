// An nfnetlink (NETLINK_NETFILTER) socket under the shared NetlinkSession protocol logic. The socket is
// opened in the CALLING THREAD's network namespace and bound to it for life, so the firewall layer
// opens one per operation (inside withNetns when it acts on another namespace) and closes it after.
import { closeFd, errnoName, netlinkSocket, NETLINK_EXT_ACK, recvInto, sendToKernel, setsockoptInt, SOL_NETLINK, SysError } from "../../sys/libc.ts";
import { releaseNfSocket } from "../../sys/nftables.ts";
import { NetlinkSession, type NetlinkTransport } from "../session.ts";
import { NETLINK_NETFILTER } from "./codec/nfgen.ts";

const NETLINK_CAP_ACK = 10;

class NfSocketTransport implements NetlinkTransport {
  constructor(readonly fd: number) {}
  send(bytes: Uint8Array): void {
    sendToKernel(this.fd, bytes);
  }
  recv(buf: Uint8Array): number {
    return recvInto(this.fd, buf);
  }
  close(): void {
    releaseNfSocket(this.fd, closeFd);
  }
  errnoName(errno: number): string {
    return errnoName(errno);
  }
}

export class NfHandle extends NetlinkSession {
  private constructor(readonly fd: number) {
    super(new NfSocketTransport(fd));
  }

  /** Opens an nfnetlink socket in the calling thread's netns, with extended and capped acks. */
  static open(): NfHandle {
    const fd = netlinkSocket(NETLINK_NETFILTER);
    for (const opt of [NETLINK_EXT_ACK, NETLINK_CAP_ACK]) {
      try {
        setsockoptInt(fd, SOL_NETLINK, opt, 1);
      } catch (e) {
        if (!(e instanceof SysError)) throw e;
      }
    }
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
