// ADD: find or create the VRF in the pod's netns, enslave CNI_IFNAME to it, and keep what the kernel
// drops on a master change: global IPv6 addresses (put back, then waited for in the VRF's table) and
// the link's routes from the previous plugin (copied into the VRF's table), as the reference v1.9.
// Every finished step is undone if a later one fails (a VRF this ADD created is deleted).
import { internalError, invalidConfig } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import { formatIP, parseCIDR } from "../../../shared/ip/index.ts";
import { NetlinkError } from "../../../shared/netlink/errors.ts";
import { UndoStack } from "../../../shared/undo.ts";
import { freeTable, parseVrfConfig, type VrfConfig } from "./config.ts";
import type { PodLinkInfo, PodVrf, SavedAddress, VrfDeps } from "./deps.ts";

/** EOPNOTSUPP: the kernel has no VRF support. */
const EOPNOTSUPP = 95;

/** Backoff while the kernel installs a re-added address's local route: 10 ms doubling, 9 tries (~5 s). */
const WAIT_TRIES = 9;
const WAIT_FIRST_MS = 10;

function createVrf(pod: PodVrf, cfg: VrfConfig): PodLinkInfo {
  const table = cfg.table || freeTable(pod.usedTables());
  try {
    return pod.createVrf(cfg.vrfName, table);
  } catch (e) {
    if (e instanceof NetlinkError && e.errno === EOPNOTSUPP) {
      throw internalError(`could not add VRF ${cfg.vrfName}: this kernel has no VRF support (CONFIG_NET_VRF): ${e.message}`);
    }
    throw e;
  }
}

/** The VRF to join: the existing one (same table unless table is 0), or a new one. */
function ensureVrf(pod: PodVrf, cfg: VrfConfig, undo: UndoStack): PodLinkInfo {
  const found = pod.link(cfg.vrfName);
  if (found) {
    if (found.kind !== "vrf") throw internalError(`Netlink ${cfg.vrfName} is not a VRF`);
    if (cfg.table !== 0 && found.vrfTable !== cfg.table) {
      throw internalError(`VRF ${cfg.vrfName} already exist with different routing table ${found.vrfTable}`);
    }
    return found;
  }
  const vrf = createVrf(pod, cfg);
  undo.push(`delete VRF ${cfg.vrfName}`, () => pod.deleteLink(vrf.ifindex));
  return vrf;
}

function link(pod: PodVrf, ifname: string): PodLinkInfo {
  const l = pod.link(ifname);
  if (!l) throw internalError(`could not get link by name ${ifname}`);
  if (l.master) throw internalError(`interface ${ifname} has already a master set: ${pod.linkName(l.master) ?? `#${l.master}`}`);
  return l;
}

function waitForRoute(pod: PodVrf, deps: VrfDeps, a: SavedAddress, table: number): void {
  const host = `${formatIP(parseCIDR(a.cidr)!.ip)}/128`;
  for (let i = 0, ms = WAIT_FIRST_MS; i < WAIT_TRIES; i++, ms *= 2) {
    if (pod.hasRouteTo(host, table)) return;
    deps.sleep(ms);
  }
  throw internalError(`failed getting local/host addresses for ${a.cidr} in table ${table}`);
}

/** Enslaves the link and puts back what the kernel dropped. */
function enslave(pod: PodVrf, deps: VrfDeps, l: PodLinkInfo, vrf: PodLinkInfo, undo: UndoStack): void {
  const table = vrf.vrfTable!;
  const addrs = pod.globalV6(l.ifindex);
  const routes = pod.universeRoutes(l.ifindex);
  pod.setMaster(l.ifindex, vrf.ifindex);
  undo.push("release the interface from the VRF", () => {
    pod.releaseMaster(l.ifindex);
    const now = new Set(pod.globalV6(l.ifindex).map((a) => a.cidr));
    for (const a of addrs) if (!now.has(a.cidr)) pod.addAddress(l.ifindex, a);
    for (const rt of routes) pod.copyRoute(rt, rt.table);
  });
  const now = new Set(pod.globalV6(l.ifindex).map((a) => a.cidr));
  for (const a of addrs) {
    if (now.has(a.cidr)) continue;
    pod.addAddress(l.ifindex, a);
    waitForRoute(pod, deps, a, table);
  }
  for (const rt of routes) pod.copyRoute(rt, table);
}

export async function cmdAdd(ctx: CmdContext, deps: VrfDeps): Promise<Result> {
  const cfg = parseVrfConfig(ctx.conf);
  const prev = ctx.conf.prevResult;
  if (!prev) throw invalidConfig("missing prevResult from earlier plugin");
  const pod = deps.openPod(ctx.netns);
  try {
    await new UndoStack().run((undo) => {
      const l = link(pod, ctx.ifname);
      const vrf = ensureVrf(pod, cfg, undo);
      enslave(pod, deps, l, vrf, undo);
    }, deps.log);
  } finally {
    pod.close();
  }
  return prev;
}
