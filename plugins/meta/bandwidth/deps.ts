// What the bandwidth verbs need from outside their own code, passed in explicitly by the entry
// (index.ts builds the production set in system-deps.ts); unit tests pass fakes.
import type { Interface } from "../../../shared/cni/types.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import type { TbfParams } from "../../../shared/netlink/codec/tc.ts";
import type { Handles } from "./session.ts";

/** The kernel steps of one attachment's shaping, in the node netns (the container's only to find the veth). */
export interface BandwidthNet {
  /** The host end of the container's veth, as the reference's getHostInterface (error 999 when missing). */
  hostVeth(interfaces: readonly Interface[], ifname: string): Link;
  addRootTbf(link: Link, params: TbfParams): void;
  deleteRootQdisc(link: Link): void;
  /** The ifb (given MTU, txqueuelen 0, up, alias = tag), as the kernel reports it. */
  createIfb(name: string, mtu: number | undefined, tag: string): Link;
  /** Deletes a link by name; a missing one is success. */
  deleteIfb(name: string): void;
  addIngressQdisc(link: Link): void;
  deleteIngressQdisc(link: Link): void;
  /** The reference's match-all u32 filter on `from`'s ingress qdisc redirecting to `to`. */
  addRedirect(from: Link, to: Link): void;
  close(): void;
}

export interface BandwidthDeps {
  /** ADD: the node and container namespaces (NetnsGoneError if CNI_NETNS is gone). */
  openNet(netns: string): BandwidthNet;
  /** CHECK: read access to both namespaces. */
  openHandles(netns: string): Handles;
  /** DEL, GC: deletes an ifb in the node netns by name; a missing one is success. */
  deleteIfb(name: string): void;
  /** GC: the node netns's ifb links (name and alias). */
  listIfbs(): Link[];
  /** The kernel's tc tick rate (tbf buffer is in ticks). */
  tickInUsec(): number;
  /** Informative lines (rollback failures) on the skel's stderr. */
  log(line: string): void;
}
