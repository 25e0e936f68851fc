// rtnetlink client over a real socket: NetlinkHandle is a NetlinkSession (protocol logic, pure,
// session.ts) on an AF_NETLINK socket from shared/sys, bound to one network namespace for life.
import { Netns, withNetns } from "../ns/netns.ts";
import {
  closeFd,
  errnoName,
  netlinkSocket,
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  recvInto,
  sendToKernel,
  setsockoptInt,
  SOL_NETLINK,
  SysError,
} from "../sys/libc.ts";
import { NETLINK_ROUTE } from "./codec/nlmsg.ts";
import { NetlinkSession, type NetlinkTransport } from "./session.ts";

/** A netlink socket as a session transport; `release` replaces close() (nfnetlink parks sockets). */
export class SocketTransport implements NetlinkTransport {
  constructor(
    readonly fd: number,
    private readonly release: (fd: number) => void = closeFd,
  ) {}
  send(bytes: Uint8Array): void {
    sendToKernel(this.fd, bytes);
  }
  recv(buf: Uint8Array): number {
    return recvInto(this.fd, buf);
  }
  close(): void {
    this.release(this.fd);
  }
  errnoName(errno: number): string {
    return errnoName(errno);
  }
}

export class NetlinkHandle extends NetlinkSession {
  private constructor(readonly fd: number) {
    super(new SocketTransport(fd));
  }

  /**
   * Opens an rtnetlink socket in ns (entered only for the socket() call; the socket stays bound to
   * ns afterwards, so later requests need no setns) or in the current netns. Enables extended
   * acks, capped acks and strict dump checking where the kernel has them.
   */
  static open(ns?: Netns): NetlinkHandle {
    const fd = ns ? withNetns(ns, () => netlinkSocket(NETLINK_ROUTE)) : netlinkSocket(NETLINK_ROUTE);
    enableSocketOptions(fd, [NETLINK_EXT_ACK, NETLINK_CAP_ACK, NETLINK_GET_STRICT_CHK]);
    return new NetlinkHandle(fd);
  }
}

/** Turns on boolean SOL_NETLINK options the kernel knows; older kernels simply run without them. */
export function enableSocketOptions(fd: number, opts: readonly number[]): void {
  for (const opt of opts) {
    try {
      setsockoptInt(fd, SOL_NETLINK, opt, 1);
    } catch (e) {
      if (!(e instanceof SysError)) throw e;
    }
  }
}
