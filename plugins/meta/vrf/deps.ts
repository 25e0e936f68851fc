// What the vrf verbs need from outside their own code, passed in by the entry (index.ts builds the
// production set in system-deps.ts); unit tests pass fakes. Every step runs in the pod's netns.
import type { Route } from "../../../shared/netlink/codec/route.ts";

export interface PodLinkInfo {
  readonly ifindex: number;
  readonly kind?: string;
  /** a VRF's table */
  readonly vrfTable?: number;
  readonly master?: number;
}

/** An IPv6 address to put back after enslaving ("fd00::5/64"), with its nodad flag. */
export interface SavedAddress {
  readonly cidr: string;
  readonly nodad: boolean;
}

export interface PodVrf {
  link(name: string): PodLinkInfo | undefined;
  linkName(ifindex: number): string | undefined;
  /** Tables that VRFs, rules or routes of the netns use. */
  usedTables(): Set<number>;
  /** Creates the VRF (table given) and sets it up; returns it. */
  createVrf(name: string, table: number): PodLinkInfo;
  deleteLink(ifindex: number): void;
  /** Global-scope IPv6 addresses of the link (the kernel drops them when the link changes master). */
  globalV6(ifindex: number): SavedAddress[];
  /** The link's main-table routes of universe scope (the kernel drops them too). */
  universeRoutes(ifindex: number): Route[];
  setMaster(ifindex: number, master: number): void;
  releaseMaster(ifindex: number): void;
  addAddress(ifindex: number, a: SavedAddress): void;
  /** True when a route to the address (host prefix) exists in table. */
  hasRouteTo(cidr: string, table: number): boolean;
  /** Adds or replaces a copy of rt in table. */
  copyRoute(rt: Route, table: number): void;
  /** How many links have this master. */
  slaveCount(master: number): number;
  close(): void;
}

export interface VrfDeps {
  /** The pod's netns (NetnsGoneError when it is gone). */
  openPod(netns: string): PodVrf;
  /** DEL: the same, or undefined when the netns is gone. */
  openExistingPod(netns: string): PodVrf | undefined;
  sleep(ms: number): void;
  log(line: string): void;
}
