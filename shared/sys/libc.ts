// The only bridge between tscni and the kernel besides node:fs: libc through bun:ffi.
// Every other module goes through the typed wrappers below and never sees a pointer.
import { dlopen, FFIType, ptr, read, type Pointer } from "bun:ffi";
import { AF_INET } from "../ip/family.ts";

const { i32, u32, ptr: P, u64 } = FFIType;

function openLibc() {
  return dlopen("libc.so.6", {
    socket: { args: [i32, i32, i32], returns: i32 },
    bind: { args: [i32, P, u32], returns: i32 },
    sendto: { args: [i32, P, u64, i32, P, u32], returns: i32 },
    recv: { args: [i32, P, u64, i32], returns: i32 },
    recvfrom: { args: [i32, P, u64, i32, P, P], returns: i32 },
    poll: { args: [P, u64, i32], returns: i32 },
    setsockopt: { args: [i32, i32, i32, P, u32], returns: i32 },
    close: { args: [i32], returns: i32 },
    setns: { args: [i32, i32], returns: i32 },
    unshare: { args: [i32], returns: i32 },
    open: { args: [P, i32], returns: i32 },
    // the third argument is a pointer or an int by value: one u64 slot serves both
    ioctl: { args: [i32, u64, u64], returns: i32 },
    flock: { args: [i32, i32], returns: i32 },
    __errno_location: { args: [], returns: P },
  }).symbols;
}

// dlopen compiles FFI trampolines: pay for it on the first system call, not at start-up (VERSION
// and config errors never need libc).
let symbols: ReturnType<typeof openLibc> | undefined;
const sym = new Proxy({} as ReturnType<typeof openLibc>, {
  get: (_t, name) => (symbols ??= openLibc())[name as keyof ReturnType<typeof openLibc>],
});

/** errno names for the values the kernel gives us most; the rest print as "errno N". */
const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 9: "EBADF", 11: "EAGAIN",
  12: "ENOMEM", 13: "EACCES", 16: "EBUSY", 17: "EEXIST", 19: "ENODEV", 20: "ENOTDIR", 22: "EINVAL",
  23: "ENFILE", 24: "EMFILE", 28: "ENOSPC", 34: "ERANGE", 39: "ENOTEMPTY", 61: "ENODATA",
  71: "EPROTO", 90: "EMSGSIZE", 93: "EPROTONOSUPPORT", 95: "EOPNOTSUPP", 97: "EAFNOSUPPORT",
  98: "EADDRINUSE", 99: "EADDRNOTAVAIL", 100: "ENETDOWN", 101: "ENETUNREACH", 105: "ENOBUFS",
  107: "ENOTCONN", 110: "ETIMEDOUT", 113: "EHOSTUNREACH", 115: "EINPROGRESS",
};

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}

/** A failed system call, carrying errno and what was attempted. */
export class SysError extends Error {
  constructor(
    readonly op: string,
    readonly errno: number,
  ) {
    super(`${op}: ${errnoName(errno)}`);
    this.name = "SysError";
  }
  get code(): string {
    return errnoName(this.errno);
  }
}

function lastErrno(): number {
  const p = sym.__errno_location() as Pointer;
  return read.i32(p, 0);
}

function check(rc: number, op: string): number {
  if (rc < 0) throw new SysError(op, lastErrno());
  return rc;
}

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
export const SOL_NETLINK = 270;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;
const CLONE_NEWNET = 0x40000000;
const O_CLOEXEC = 0o2000000;
export const LOCK_EX = 2;
const LOCK_NB = 4;
export const LOCK_UN = 8;

export function netlinkSocket(protocol: number): number {
  const fd = check(sym.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol), "socket(AF_NETLINK)");
  const addr = new Uint8Array(12); // sockaddr_nl: family, pad, pid 0 (kernel assigns), groups 0
  new DataView(addr.buffer).setUint16(0, AF_NETLINK, true);
  try {
    check(sym.bind(fd, ptr(addr), addr.length), "bind(AF_NETLINK)");
  } catch (e) {
    sym.close(fd);
    throw e;
  }
  return fd;
}

export function setsockoptInt(fd: number, level: number, name: number, value: number): void {
  const v = new Int32Array([value]);
  check(sym.setsockopt(fd, level, name, ptr(v), 4), `setsockopt(${level},${name})`);
}

const kernelAddr = (() => {
  const a = new Uint8Array(12);
  new DataView(a.buffer).setUint16(0, AF_NETLINK, true);
  return a;
})();

/** Sends one datagram to the kernel (netlink pid 0). */
export function sendToKernel(fd: number, data: Uint8Array): void {
  for (;;) {
    const rc = sym.sendto(fd, ptr(data), data.length, 0, ptr(kernelAddr), kernelAddr.length);
    if (rc >= 0) return;
    const errno = lastErrno();
    if (errno !== 4) throw new SysError("sendto(netlink)", errno); // retry EINTR only
  }
}

/** Receives one datagram into buf; returns its length. */
export function recvInto(fd: number, buf: Uint8Array): number {
  for (;;) {
    const rc = sym.recv(fd, ptr(buf), buf.length, 0);
    if (rc >= 0) return rc;
    const errno = lastErrno();
    if (errno !== 4) throw new SysError("recv(netlink)", errno);
  }
}

export function closeFd(fd: number): void {
  sym.close(fd);
}

/** setns(2) on the calling thread. nstype 0 accepts any namespace kind; CLONE_NEWNET checks it. */
export function setns(fd: number, nstype: number = CLONE_NEWNET): void {
  check(sym.setns(fd, nstype), "setns");
}

/** unshare(CLONE_NEWNET): the calling thread moves into a new, empty network namespace. */
export function unshareNetns(): void {
  check(sym.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)");
}

/** open(2) with O_CLOEXEC added; the fd is the caller's to close (closeFd). */
export function openFd(path: string, flags: number, what = `open(${path})`): number {
  const p = new TextEncoder().encode(`${path}\0`);
  for (;;) {
    const rc = sym.open(ptr(p), flags | O_CLOEXEC);
    if (rc >= 0) return rc;
    const errno = lastErrno();
    if (errno !== 4) throw new SysError(what, errno);
  }
}

/** ioctl(2) with a pointer argument (the buffer is read and/or written by the kernel). */
export function ioctlPtr(fd: number, request: number, arg: Uint8Array, what: string): void {
  check(sym.ioctl(fd, request, ptr(arg)), what);
}

/** ioctl(2) with an integer argument passed by value. */
export function ioctlInt(fd: number, request: number, arg: number, what: string): void {
  check(sym.ioctl(fd, request, arg), what);
}

/** flock(2); with LOCK_NB returns false instead of blocking when the lock is held. */
export function flock(fd: number, op: number): boolean {
  for (;;) {
    const rc = sym.flock(fd, op);
    if (rc === 0) return true;
    const errno = lastErrno();
    if (errno === 4) continue;
    if (errno === 11 && op & LOCK_NB) return false;
    throw new SysError("flock", errno);
  }
}

// ---------------------------------------------------------------- packet sockets (the DHCP client)

const AF_PACKET = 17;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const ETH_P_IP = 0x0800;
const MSG_DONTWAIT = 0x40;
const SOCKADDR_LL_LEN = 20;

/** struct sockaddr_ll: family, protocol (network order), ifindex, hatype, pkttype, halen, addr[8]. */
function sockaddrLl(ifindex: number, protocol: number, mac?: Uint8Array): Uint8Array {
  const a = new Uint8Array(SOCKADDR_LL_LEN);
  const dv = new DataView(a.buffer);
  dv.setUint16(0, AF_PACKET, true);
  dv.setUint16(2, protocol, false);
  dv.setInt32(4, ifindex, true);
  if (mac) {
    a[11] = mac.length;
    a.set(mac.subarray(0, 8), 12);
  }
  return a;
}

/**
 * A non-blocking link-layer datagram socket (AF_PACKET, SOCK_DGRAM: the kernel adds and strips the
 * Ethernet header) bound to one interface and protocol, in the netns the calling thread is in.
 * Created with protocol 0 and bound afterwards, so it never queues another interface's frames.
 */
export function packetSocket(ifindex: number, protocol = ETH_P_IP): number {
  const fd = check(sym.socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), "socket(AF_PACKET)");
  try {
    const addr = sockaddrLl(ifindex, protocol);
    check(sym.bind(fd, ptr(addr), addr.length), "bind(AF_PACKET)");
  } catch (e) {
    sym.close(fd);
    throw e;
  }
  return fd;
}

/** Sends one datagram out of ifindex to the link-layer address mac. */
export function sendPacket(fd: number, ifindex: number, mac: Uint8Array, data: Uint8Array, protocol = ETH_P_IP): void {
  const addr = sockaddrLl(ifindex, protocol, mac);
  for (;;) {
    const rc = sym.sendto(fd, ptr(data), data.length, 0, ptr(addr), addr.length);
    if (rc >= 0) return;
    const errno = lastErrno();
    if (errno !== 4) throw new SysError("sendto(AF_PACKET)", errno);
  }
}

/** One received datagram and the sender's link-layer address. */
interface ReceivedPacket {
  length: number;
  srcMac: Uint8Array;
}

/** Receives one datagram into buf without blocking; undefined when none is queued. */
export function recvPacket(fd: number, buf: Uint8Array): ReceivedPacket | undefined {
  const addr = new Uint8Array(SOCKADDR_LL_LEN);
  const len = new Uint32Array([SOCKADDR_LL_LEN]);
  for (;;) {
    const rc = sym.recvfrom(fd, ptr(buf), buf.length, MSG_DONTWAIT, ptr(addr), ptr(len));
    if (rc >= 0) return { length: rc, srcMac: addr.slice(12, 12 + Math.min(addr[11]!, 8)) };
    const errno = lastErrno();
    if (errno === 11) return undefined; // EAGAIN
    if (errno !== 4) throw new SysError("recvfrom(AF_PACKET)", errno);
  }
}

const POLLIN = 1;

/** poll(2) for readability; returns the fds that are readable (or in error) now. */
export function pollReadable(fds: readonly number[], timeoutMs: number): number[] {
  if (fds.length === 0) return [];
  const pfds = new Uint8Array(8 * fds.length);
  const dv = new DataView(pfds.buffer);
  fds.forEach((fd, i) => {
    dv.setInt32(i * 8, fd, true);
    dv.setInt16(i * 8 + 4, POLLIN, true);
  });
  for (;;) {
    const rc = sym.poll(ptr(pfds), fds.length, timeoutMs);
    if (rc >= 0) break;
    const errno = lastErrno();
    if (errno !== 4) throw new SysError("poll", errno);
  }
  return fds.filter((_, i) => dv.getInt16(i * 8 + 6, true) !== 0);
}

// ---------------------------------------------------------------- one unicast UDP datagram

const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const SO_BINDTODEVICE = 25;

function sockaddrIn(addr: Uint8Array, port: number): Uint8Array {
  const a = new Uint8Array(16);
  const dv = new DataView(a.buffer);
  dv.setUint16(0, AF_INET, true);
  dv.setUint16(2, port, false);
  a.set(addr.subarray(0, 4), 4);
  return a;
}

/**
 * Sends one UDP datagram from src:srcPort out of device ifname to dst:dstPort through the kernel
 * (routing and ARP included), in the netns the calling thread is in; the socket is closed at once.
 * Throws SysError when the source address is not configured (EADDRNOTAVAIL) or unreachable.
 */
export function sendUdp4(ifname: string, src: Uint8Array, srcPort: number, dst: Uint8Array, dstPort: number, data: Uint8Array): void {
  const fd = check(sym.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket(AF_INET)");
  try {
    setsockoptInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    const dev = new TextEncoder().encode(`${ifname}\0`);
    check(sym.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ptr(dev), dev.length), "setsockopt(SO_BINDTODEVICE)");
    const from = sockaddrIn(src, srcPort);
    check(sym.bind(fd, ptr(from), from.length), "bind(AF_INET)");
    const to = sockaddrIn(dst, dstPort);
    for (;;) {
      const rc = sym.sendto(fd, ptr(data), data.length, 0, ptr(to), to.length);
      if (rc >= 0) return;
      const errno = lastErrno();
      if (errno !== 4) throw new SysError("sendto(AF_INET)", errno);
    }
  } finally {
    sym.close(fd);
  }
}
