// Runs test/fixtures/netlink/scenario.ts (shared/netlink building a bridge + veth across two private
// namespaces) under bun and returns what it printed; used by netlink.test.ts and netlink.kernel.test.ts.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { Address } from "../../shared/netlink/codec/addr.ts";
import type { Link } from "../../shared/netlink/codec/link.ts";
import type { Route } from "../../shared/netlink/codec/route.ts";
import { ROOT } from "./harness.ts";

const BUN = `${ROOT}/node_modules/.bin/bun`;
const SCENARIO = `${ROOT}/test/fixtures/netlink/scenario.ts`;

export function ipJson<T>(ns: string, args: string[]): T {
  return JSON.parse(execFileSync("ip", ["-n", ns, "-j", "-d", ...args], { encoding: "utf8" })) as T;
}

export interface IpLink {
  ifindex: number;
  ifname: string;
  mtu: number;
  address: string;
  master?: string;
  flags: string[];
  txqlen?: number;
  link_netnsid?: number;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown>; info_slave_kind?: string; info_slave_data?: Record<string, unknown> };
}

interface Failure { message: string; errnoName: string }
/** What test/fixtures/netlink/scenario.ts prints. */
export interface Scenario {
  vlanSupported: boolean;
  /** errno name of createDummy, or "created" */
  dummy: string;
  bridge: Link;
  peer: Link;
  ifb: Link;
  deletedGone: boolean;
  hostLinks: string[];
  bridges: string[];
  ports: Link[];
  contLinks: Link[];
  contAddrs4: Address[];
  contAddrs6: Address[];
  contRoutes4: Route[];
  contRoutes6: Route[];
  dupAddr: Failure;
  batchErrors: string[];
  badGw: Failure;
  missingDelete: Failure;
  rpFilter: string;
  hostRpFilter: string;
}

/** Two fresh namespaces (node NS, container CNS) and the scenario's output; remove() deletes both. */
export function runScenario(): { NS: string; CNS: string; out: Scenario; remove(): void } {
  const NS = `tscni-nl-${randomBytes(4).toString("hex")}`;
  const CNS = `${NS}-c`;
  const remove = () => {
    spawnSync("ip", ["netns", "del", NS]);
    spawnSync("ip", ["netns", "del", CNS]);
  };
  execFileSync("ip", ["netns", "add", NS]);
  execFileSync("ip", ["netns", "add", CNS]);
  const r = spawnSync("ip", ["netns", "exec", NS, BUN, "run", SCENARIO, `/run/netns/${CNS}`], { encoding: "utf8", cwd: ROOT });
  if (r.status !== 0) {
    remove();
    throw new Error(`scenario failed (${r.status}): ${r.stderr}`);
  }
  return { NS, CNS, out: JSON.parse(r.stdout) as Scenario, remove };
}
