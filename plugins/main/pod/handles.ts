// The two places a pod's network is wired from: the host ("node") netns we run in, and the container
// netns. Netlink handles are opened once per namespace (the container one enters the netns only to
// open its socket) and passed explicitly to every step.
import { NetlinkHandle } from "../../../shared/netlink/client.ts";
import { Netns, withNetns } from "../../../shared/ns/netns.ts";

export class PodHandles {
  private constructor(
    readonly hostNs: Netns,
    readonly ctrNs: Netns,
    readonly host: NetlinkHandle,
    readonly ctr: NetlinkHandle,
  ) {}

  /** Opens the container netns (NetnsGoneError if it does not exist) and both netlink handles. */
  static open(netnsPath: string): PodHandles {
    const ctrNs = Netns.open(netnsPath);
    const hostNs = Netns.current();
    try {
      const host = NetlinkHandle.open();
      const ctr = NetlinkHandle.open(ctrNs);
      return new PodHandles(hostNs, ctrNs, host, ctr);
    } catch (e) {
      ctrNs.close();
      hostNs.close();
      throw e;
    }
  }

  /** Runs fn inside the container netns (for /proc/sys writes); fn must be synchronous. */
  inContainer<T>(fn: () => T): T {
    return withNetns(this.ctrNs, fn);
  }

  close(): void {
    this.host.close();
    this.ctr.close();
    this.ctrNs.close();
    this.hostNs.close();
  }
}

/** open, run, always close. */
export async function withPodHandles<T>(netnsPath: string, fn: (h: PodHandles) => Promise<T> | T): Promise<T> {
  const h = PodHandles.open(netnsPath);
  try {
    return await fn(h);
  } finally {
    h.close();
  }
}
