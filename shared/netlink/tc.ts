// High-level traffic-control ops: one function per kernel request, over the NetlinkConn contract
// (shared/netlink/request.ts), so they work on a handle or a batch and test under Node with a fake.
import { readFileSync } from "node:fs";
import { NLM_F_CREATE, NLM_F_EXCL } from "./codec/nlmsg.ts";
import {
  decodeFilter,
  decodeQdisc,
  ETH_P_ALL,
  filterInfo,
  RTM_DELQDISC,
  RTM_GETQDISC,
  RTM_GETTFILTER,
  RTM_NEWQDISC,
  RTM_NEWTFILTER,
  TC_H_INGRESS,
  TC_H_INGRESS_HANDLE,
  TC_H_ROOT,
  tcHandle,
  tickInUsecFromPsched,
  U32_MATCH_ALL,
  writeIngressQdisc,
  writeQdiscRef,
  writeTbfQdisc,
  writeTcMsg,
  writeU32Filter,
  type Filter,
  type MirredAction,
  type Qdisc,
  type TbfParams,
  type U32Sel,
} from "./codec/tc.ts";
import type { NetlinkConn, NetlinkRequester } from "./request.ts";

const CREATE_EXCL = NLM_F_CREATE | NLM_F_EXCL;

/** `tc qdisc add dev <ifindex> root handle 1: tbf ...` (fails with EEXIST if a root qdisc is there). */
export function addRootTbf(conn: NetlinkRequester, ifindex: number, params: TbfParams): void {
  const op = `add root tbf to ifindex ${ifindex}`;
  conn.request(RTM_NEWQDISC, CREATE_EXCL, op, (w) =>
    writeTbfQdisc(w, { ifindex, handle: tcHandle(1, 0), parent: TC_H_ROOT }, params),
  );
}

/** `tc qdisc add dev <ifindex> handle ffff: ingress`. */
export function addIngressQdisc(conn: NetlinkRequester, ifindex: number): void {
  conn.request(RTM_NEWQDISC, CREATE_EXCL, `add ingress qdisc to ifindex ${ifindex}`, (w) =>
    writeIngressQdisc(w, ifindex),
  );
}

/** Deletes the root qdisc of ifindex (the device falls back to its default qdisc). */
export function deleteRootQdisc(conn: NetlinkRequester, ifindex: number): void {
  conn.request(RTM_DELQDISC, 0, `delete root qdisc of ifindex ${ifindex}`, (w) =>
    writeQdiscRef(w, { ifindex, parent: TC_H_ROOT }),
  );
}

/** Deletes the ingress qdisc of ifindex, and with it every filter attached to it. */
export function deleteIngressQdisc(conn: NetlinkRequester, ifindex: number): void {
  conn.request(RTM_DELQDISC, 0, `delete ingress qdisc of ifindex ${ifindex}`, (w) =>
    writeQdiscRef(w, { ifindex, handle: TC_H_INGRESS_HANDLE, parent: TC_H_INGRESS }),
  );
}

interface U32FilterSpec {
  ifindex: number;
  /** the qdisc (or class) the filter hangs off, e.g. TC_H_INGRESS_HANDLE */
  parent: number;
  prio: number;
  /** host-order ethertype; ETH_P_ALL by default */
  protocol?: number;
  /** default: match everything */
  sel?: U32Sel;
  classid?: number;
  actions: readonly MirredAction[];
}

/** `tc filter add dev <ifindex> parent <parent> protocol <p> prio <n> u32 match ... action ...`. */
export function addU32Filter(conn: NetlinkRequester, f: U32FilterSpec): void {
  const info = filterInfo(f.prio, f.protocol ?? ETH_P_ALL);
  conn.request(RTM_NEWTFILTER, CREATE_EXCL, `add u32 filter to ifindex ${f.ifindex}`, (w) =>
    writeU32Filter(w, { ifindex: f.ifindex, parent: f.parent, info }, {
      sel: f.sel ?? U32_MATCH_ALL,
      classid: f.classid,
      actions: f.actions,
    }),
  );
}

/** The qdiscs of ifindex (the kernel dumps all devices; the rest are dropped while decoding). */
function listQdiscs(conn: NetlinkConn, ifindex: number): Qdisc[] {
  return conn.dump(RTM_GETQDISC, 0, `list qdiscs of ifindex ${ifindex}`, (w) => writeTcMsg(w, { ifindex }), (dv, off, end, type) => {
    if (type !== RTM_NEWQDISC) return undefined;
    const q = decodeQdisc(dv, off, end);
    return q.ifindex === ifindex ? q : undefined;
  });
}

/** The filters of ifindex under parent (e.g. the ingress qdisc `ffff:`). */
export function listFilters(conn: NetlinkConn, ifindex: number, parent: number): Filter[] {
  const op = `list filters of ifindex ${ifindex}`;
  return conn.dump(RTM_GETTFILTER, 0, op, (w) => writeTcMsg(w, { ifindex, parent }), (dv, off, end, type) =>
    type === RTM_NEWTFILTER ? decodeFilter(dv, off, end) : undefined,
  );
}

/** The root qdisc of ifindex, if the dump shows one. */
export function rootQdisc(conn: NetlinkConn, ifindex: number): Qdisc | undefined {
  return listQdiscs(conn, ifindex).find((q) => q.parent === TC_H_ROOT);
}

let tickCache: number | undefined;

/** Ticks per microsecond of this kernel's packet scheduler clock (/proc/net/psched, read once). */
export function readTickInUsec(path = "/proc/net/psched"): number {
  if (path !== "/proc/net/psched") return tickInUsecFromPsched(readFileSync(path, "utf8"));
  tickCache ??= tickInUsecFromPsched(readFileSync(path, "utf8"));
  return tickCache;
}
