// The production VrfDeps: an rtnetlink handle bound to the pod's netns, Bun's synchronous sleep, the
// skel's stderr.
import { lineLogger, type CmdContext } from "../../../shared/cni/plugin.ts";
import { AF_INET6, formatIP, parseCIDR } from "../../../shared/ip/index.ts";
import { NetlinkHandle } from "../../../shared/netlink/client.ts";
import { IFA_F_NODAD } from "../../../shared/netlink/codec/addr.ts";
import { RT_SCOPE_UNIVERSE, RT_TABLE_MAIN, type Route } from "../../../shared/netlink/codec/route.ts";
import { addAddress, listAddresses } from "../../../shared/netlink/addresses.ts";
import { createVrf, deleteLink, getLinkByIndex, getLinkByName, listLinks, setLinkMaster, setLinkNoMaster, setLinkUp, type Link } from "../../../shared/netlink/links.ts";
import { listRoutes, replaceRouteCopy } from "../../../shared/netlink/routes.ts";
import { listRules } from "../../../shared/netlink/rules.ts";
import { Netns, NetnsGoneError } from "../../../shared/ns/netns.ts";
import type { PodLinkInfo, PodVrf, SavedAddress, VrfDeps } from "./deps.ts";

const info = (l: Link): PodLinkInfo => ({ ifindex: l.ifindex, kind: l.kind, vrfTable: l.vrfTable, master: l.master || undefined });

class SystemPodVrf implements PodVrf {
  private constructor(
    private readonly ns: Netns,
    private readonly nl: NetlinkHandle,
  ) {}

  static open(path: string): SystemPodVrf {
    const ns = Netns.open(path);
    try {
      return new SystemPodVrf(ns, NetlinkHandle.open(ns));
    } catch (e) {
      ns.close();
      throw e;
    }
  }

  link(name: string): PodLinkInfo | undefined {
    const l = getLinkByName(this.nl, name);
    return l && info(l);
  }
  linkName(ifindex: number): string | undefined {
    return getLinkByIndex(this.nl, ifindex)?.name;
  }
  usedTables(): Set<number> {
    const used = new Set<number>();
    for (const l of listLinks(this.nl, { kind: "vrf" })) if (l.vrfTable !== undefined) used.add(l.vrfTable);
    for (const r of listRules(this.nl)) used.add(r.table);
    for (const rt of listRoutes(this.nl, { table: 0 })) used.add(rt.table);
    return used;
  }
  createVrf(name: string, table: number): PodLinkInfo {
    createVrf(this.nl, { name, table });
    setLinkUp(this.nl, name);
    const l = getLinkByName(this.nl, name);
    if (!l) throw new Error(`VRF ${name} not found after creating it`);
    return info(l);
  }
  deleteLink(ifindex: number): void {
    deleteLink(this.nl, ifindex);
  }
  globalV6(ifindex: number): SavedAddress[] {
    return listAddresses(this.nl, { family: AF_INET6, link: ifindex })
      .filter((a) => a.scope === RT_SCOPE_UNIVERSE && a.address !== undefined)
      .map((a) => ({ cidr: `${a.address}/${a.prefixLen}`, nodad: (a.flags & IFA_F_NODAD) !== 0 }));
  }
  universeRoutes(ifindex: number): Route[] {
    return listRoutes(this.nl, { table: RT_TABLE_MAIN, dev: ifindex }).filter((rt) => rt.scope === RT_SCOPE_UNIVERSE);
  }
  setMaster(ifindex: number, master: number): void {
    setLinkMaster(this.nl, ifindex, master);
  }
  releaseMaster(ifindex: number): void {
    setLinkNoMaster(this.nl, ifindex);
  }
  addAddress(ifindex: number, a: SavedAddress): void {
    addAddress(this.nl, { link: ifindex, cidr: a.cidr, nodad: a.nodad });
  }
  hasRouteTo(cidr: string, table: number): boolean {
    const c = parseCIDR(cidr)!;
    const ip = formatIP(c.ip);
    return listRoutes(this.nl, { family: AF_INET6, table }).some((rt) => rt.dst === ip && rt.dstLen === c.prefix);
  }
  copyRoute(rt: Route, table: number): void {
    replaceRouteCopy(this.nl, rt, table);
  }
  slaveCount(master: number): number {
    return listLinks(this.nl, { master }).length;
  }
  close(): void {
    this.nl.close();
    this.ns.close();
  }
}

export function systemDeps(ctx: CmdContext): VrfDeps {
  return {
    openPod: (netns) => SystemPodVrf.open(netns),
    openExistingPod: (netns) => {
      try {
        return SystemPodVrf.open(netns);
      } catch (e) {
        if (e instanceof NetnsGoneError) return undefined;
        throw e;
      }
    },
    sleep: (ms) => Bun.sleepSync(ms),
    log: lineLogger(ctx, "vrf"),
  };
}
