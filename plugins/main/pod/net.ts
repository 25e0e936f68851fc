// The kernel side of one pod's wiring, as the steps bridge and ptp call: the node ("host") netns we run
// in and the container netns (CNI_NETNS), both opened once. The interface is what the verbs see (pure:
// types only); system-net.ts does the work through netlink and /proc/sys; unit tests pass a fake.
import type { Result } from "../../../shared/cni/types.ts";
import type { VethOptions, VethPair } from "./veth.ts";

export interface PodNet {
  /** The pod's veth pair: container end in the container netns, host end in ours. */
  createVeth(o: VethOptions): VethPair;
  /** Inverse of createVeth (deleting one end removes both); gone is fine. */
  deleteVeth(v: VethPair): void;
  /** Container-side sysctls, then the result's addresses (link up) and routes on the container interface. */
  configureContainer(v: VethPair, result: Result, enableDad: boolean): void;
  /** Waits until no IPv6 address of the container interface is tentative. */
  settleAddresses(v: VethPair): void;
  /** net.ipv4.ip_forward / net.ipv6.conf.all.forwarding in the node netns. */
  enableForwarding(family: 4 | 6): void;
  /** Releases both namespaces' handles. */
  close(): void;
}

/** open, run, always close. */
export async function withNet<N extends { close(): void }, T>(net: N, fn: (net: N) => Promise<T> | T): Promise<T> {
  try {
    return await fn(net);
  } finally {
    net.close();
  }
}
