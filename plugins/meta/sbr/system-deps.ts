// The production SbrDeps: the pod's netns locked with flock on its file (the lock the reference takes:
// the two suites serialise too) and an rtnetlink handle bound to it; the skel's stderr.
import { lineLogger, type CmdContext } from "../../../shared/cni/plugin.ts";
import { afOf, familyOf, formatIP, parseCIDR } from "../../../shared/ip/index.ts";
import { NetlinkHandle } from "../../../shared/netlink/client.ts";
import { FR_ACT_TO_TBL, type Rule } from "../../../shared/netlink/codec/rule.ts";
import { RT_TABLE_MAIN, type Route } from "../../../shared/netlink/codec/route.ts";
import { isNotFound } from "../../../shared/netlink/errors.ts";
import { listAddresses } from "../../../shared/netlink/addresses.ts";
import { getLinkByName } from "../../../shared/netlink/links.ts";
import { addRoute, deleteDumpedRoute, deleteRoute, listRoutes, replaceRouteCopy } from "../../../shared/netlink/routes.ts";
import { addRule, deleteRule, listRules } from "../../../shared/netlink/rules.ts";
import { Netns, NetnsGoneError } from "../../../shared/ns/netns.ts";
import { flock, LOCK_EX } from "../../../shared/sys/libc.ts";
import type { PodRouting, SbrDeps } from "./deps.ts";

/** Runs a removal; "no such object" is success. */
function removing(run: () => void): void {
  try {
    run();
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

const defaultDst = (gateway: string): string => (familyOf(gateway) === 6 ? "::/0" : "0.0.0.0/0");

class SystemPodRouting implements PodRouting {
  private constructor(
    private readonly ns: Netns,
    private readonly nl: NetlinkHandle,
  ) {}

  /** Opens the netns, takes the lock on its file (closing the fd releases it), opens a handle there. */
  static open(path: string): SystemPodRouting {
    const ns = Netns.open(path);
    try {
      flock(ns.fd, LOCK_EX);
      return new SystemPodRouting(ns, NetlinkHandle.open(ns));
    } catch (e) {
      ns.close();
      throw e;
    }
  }

  linkIndex(ifname: string): number | undefined {
    return getLinkByName(this.nl, ifname)?.ifindex;
  }
  usedTables(): Set<number> {
    const used = new Set(listRules(this.nl).map((r) => r.table));
    for (const rt of listRoutes(this.nl, { table: 0 })) used.add(rt.table);
    return used;
  }
  mainRoutes(ifindex: number): Route[] {
    return listRoutes(this.nl, { table: RT_TABLE_MAIN, dev: ifindex });
  }
  addresses(ifindex: number): string[] {
    const out: string[] = [];
    for (const a of listAddresses(this.nl, { link: ifindex })) {
      const ip = a.local ?? a.address;
      if (ip !== undefined) out.push(ip);
    }
    return out;
  }
  rules(table?: number): Rule[] {
    return listRules(this.nl, table === undefined ? {} : { table });
  }
  addRule(src: string, table: number): void {
    addRule(this.nl, { src, table });
  }
  removeRule(src: string, table: number): void {
    const c = parseCIDR(src)!;
    const rule: Rule = { family: afOf(c.ip.family), dstLen: 0, srcLen: c.prefix, tos: 0, table, action: FR_ACT_TO_TBL, flags: 0, src: formatIP(c.ip) };
    removing(() => deleteRule(this.nl, rule));
  }
  deleteRule(rule: Rule): void {
    deleteRule(this.nl, rule);
  }
  addDefaultRoute(ifindex: number, gateway: string, table: number): void {
    addRoute(this.nl, { dst: defaultDst(gateway), gw: gateway, dev: ifindex, table });
  }
  removeDefaultRoute(ifindex: number, gateway: string, table: number): void {
    removing(() => deleteRoute(this.nl, { dst: defaultDst(gateway), gw: gateway, dev: ifindex, table }));
  }
  copyRoute(rt: Route, table: number): void {
    replaceRouteCopy(this.nl, rt, table);
  }
  removeRoute(rt: Route): void {
    removing(() => deleteDumpedRoute(this.nl, rt));
  }
  close(): void {
    this.nl.close();
    this.ns.close();
  }
}

export function systemDeps(ctx: CmdContext): SbrDeps {
  return {
    openPod: (netns) => SystemPodRouting.open(netns),
    openExistingPod: (netns) => {
      try {
        return SystemPodRouting.open(netns);
      } catch (e) {
        if (e instanceof NetnsGoneError) return undefined;
        throw e;
      }
    },
    log: lineLogger(ctx, "sbr"),
  };
}
