// The DHCP client's wire on a pod interface: a packet socket opened inside the pod's netns (it stays
// bound to that netns after the thread returns), and one reactor polling every open socket while a
// reply is awaited. Bun cannot wait on a foreign fd, so the reactor polls with poll(2) (timeout 0)
// every POLL_MS while anything is pending, and not at all otherwise.
import { ipToBytes, type IP } from "../../../../shared/ip/index.ts";
import { closeFd, packetSocket, pollReadable, recvPacket, sendPacket, SysError } from "../../../../shared/sys/libc.ts";
import { decodeMessage, DhcpDecodeError, encodeMessage, type DhcpMessage } from "../wire/message.ts";
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, decodeUdp4, encodeUdp4 } from "../wire/udp4.ts";
import { BROADCAST_MAC, type DhcpPort, type Reply } from "./client.ts";

/** Sends one unicast UDP datagram through the pod's kernel stack (see PacketPort.send). */
export type UnicastSender = (src: Uint8Array, dst: Uint8Array, payload: Uint8Array) => void;

const POLL_MS = 2;

interface Waiter {
  accept: (m: DhcpMessage) => boolean;
  resolve: (r: Reply | undefined) => void;
  timer: ReturnType<typeof setTimeout>;
}

class Reactor {
  private readonly ports = new Map<number, PacketPort>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  watch(port: PacketPort): void {
    this.ports.set(port.fd, port);
    this.timer ??= setTimeout(() => this.tick(), POLL_MS);
  }

  unwatch(port: PacketPort): void {
    this.ports.delete(port.fd);
  }

  private tick(): void {
    this.timer = undefined;
    const waiting = [...this.ports.values()].filter((p) => p.waiting());
    for (const fd of pollReadable(waiting.map((p) => p.fd), 0)) this.ports.get(fd)?.drain();
    if ([...this.ports.values()].some((p) => p.waiting())) this.timer = setTimeout(() => this.tick(), POLL_MS);
  }
}

const reactor = new Reactor();
const buf = new Uint8Array(65536);

export class PacketPort implements DhcpPort {
  private waiter: Waiter | undefined;
  private ipId = 1;

  constructor(
    readonly fd: number,
    readonly ifindex: number,
    readonly mac: Uint8Array,
    private readonly unicast?: UnicastSender,
  ) {}

  /** Must be called with the thread inside the pod's netns. */
  static open(ifindex: number, mac: Uint8Array, unicast?: UnicastSender): PacketPort {
    return new PacketPort(packetSocket(ifindex), ifindex, mac, unicast);
  }

  waiting(): boolean {
    return this.waiter !== undefined;
  }

  /**
   * Broadcasts go out of the packet socket (the client may have no address yet). Unicasts (renew,
   * release, inform: the pod holds the address) go through the pod's kernel stack, which resolves
   * the server's (or the router's) MAC now: a MAC remembered from an earlier reply goes stale, e.g.
   * a Linux bridge's address follows its ports. If that fails (address not configured), the
   * datagram goes out of the packet socket in a broadcast frame.
   */
  send(m: DhcpMessage, src: IP, dst: IP, dstMac: Uint8Array): void {
    this.drainQueued(); // replies to an earlier attempt must not answer this one
    const payload = encodeMessage(m);
    const isUnicast = dstMac.some((b) => b !== 0xff);
    if (isUnicast && this.unicast) {
      try {
        return this.unicast(ipToBytes(src), ipToBytes(dst), payload);
      } catch (e) {
        if (!(e instanceof SysError)) throw e;
      }
      dstMac = BROADCAST_MAC;
    }
    const pkt = encodeUdp4({ src, dst, srcPort: DHCP_CLIENT_PORT, dstPort: DHCP_SERVER_PORT, payload }, this.ipId++);
    sendPacket(this.fd, this.ifindex, dstMac, pkt);
  }

  receive(timeoutMs: number, accept: (m: DhcpMessage) => boolean): Promise<Reply | undefined> {
    if (this.waiter) throw new Error("dhcp port: one receive at a time");
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.finish(undefined), Math.max(0, timeoutMs));
      this.waiter = { accept, resolve, timer };
      reactor.watch(this);
    });
  }

  private finish(r: Reply | undefined): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = undefined;
    clearTimeout(w.timer);
    w.resolve(r);
  }

  private drainQueued(): void {
    while (recvPacket(this.fd, buf)) {
      /* discard */
    }
  }

  /** Reads every queued datagram; hands the first acceptable DHCP reply to the waiter. */
  drain(): void {
    for (let got = recvPacket(this.fd, buf); got; got = recvPacket(this.fd, buf)) {
      const udp = decodeUdp4(buf.subarray(0, got.length));
      if (!udp || udp.dstPort !== DHCP_CLIENT_PORT || udp.srcPort !== DHCP_SERVER_PORT) continue;
      let m: DhcpMessage;
      try {
        m = decodeMessage(udp.payload);
      } catch (e) {
        if (e instanceof DhcpDecodeError) continue; // a malformed reply is dropped, never a crash
        throw e;
      }
      if (this.waiter?.accept(m)) {
        this.finish({ message: m, srcMac: got.srcMac });
        return;
      }
    }
  }

  close(): void {
    this.finish(undefined);
    reactor.unwatch(this);
    closeFd(this.fd);
  }
}
