// What the sbr verbs need from outside their own code, passed in by the entry (index.ts builds the
// production set in system-deps.ts); unit tests pass fakes. Every step runs in the pod's netns, under
// the lock the reference takes (flock on the netns file), so two sbr runs in one pod never pick the
// same table.
import type { Route } from "../../../shared/netlink/codec/route.ts";
import type { Rule } from "../../../shared/netlink/codec/rule.ts";

export interface PodRouting {
  /** The ifindex of ifname in the pod, or undefined. */
  linkIndex(ifname: string): number | undefined;
  /** Every table a rule or a route of the pod refers to. */
  usedTables(): Set<number>;
  /** The main-table routes whose output device is ifindex (every family). */
  mainRoutes(ifindex: number): Route[];
  /** The addresses (text, no prefix) on ifindex. */
  addresses(ifindex: number): string[];
  /** Rules, all or those looking up one table. */
  rules(table?: number): Rule[];
  addRule(src: string, table: number): void;
  /** Removes "from src lookup table"; a missing rule is success. */
  removeRule(src: string, table: number): void;
  deleteRule(rule: Rule): void;
  addDefaultRoute(ifindex: number, gateway: string, table: number): void;
  /** A missing route is success. */
  removeDefaultRoute(ifindex: number, gateway: string, table: number): void;
  /** Adds (or replaces) a copy of rt in table. */
  copyRoute(rt: Route, table: number): void;
  /** Deletes exactly rt (in its table); a missing route is success. */
  removeRoute(rt: Route): void;
  /** Releases the lock and the handles. */
  close(): void;
}

export interface SbrDeps {
  /** Locks and opens the pod's netns (NetnsGoneError when it is gone). */
  openPod(netns: string): PodRouting;
  /** DEL: the same, or undefined when the netns is gone. */
  openExistingPod(netns: string): PodRouting | undefined;
  log(line: string): void;
}
