// The pod's host veth as a bridge port: master, hairpin, isolation, VLANs; then wait until it forwards.
import { internalError, wrapError } from "../../../shared/cni/errors.ts";
import type { NetlinkHandle } from "../../../shared/netlink/client.ts";
import { IF_OPER_UP, type Link } from "../../../shared/netlink/codec/link.ts";
import { EINVAL, isNotFound, NetlinkError } from "../../../shared/netlink/errors.ts";
import { bridgeVlanAdd, bridgeVlanDel, getLinkByName, setBridgePortFlags, setLinkMaster } from "../../../shared/netlink/links.ts";
import type { BridgeConfig } from "./config.ts";

const OPER_NAMES = ["unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"];
/** The reference's back-off while the port comes up: 0, 50, 500, 1000, 1000 ms. */
const PORT_WAIT_MS = [0, 50, 500, 1000, 1000];
const DEFAULT_VLAN = 1;

export function attachToBridge(host: NetlinkHandle, port: Link, br: Link, cfg: BridgeConfig): void {
  try {
    setLinkMaster(host, port, br);
  } catch (e) {
    throw wrapError(`failed to connect "${port.name}" to bridge ${br.name}`, e);
  }
  const flags = { hairpin: cfg.hairpinMode, ...(cfg.portIsolation ? { isolated: true } : {}) };
  setBridgePortFlags(host, port, flags);
  configurePortVlans(host, port, cfg);
}

/** Consecutive ids as [first, last] ranges, one netlink request each. */
export function vlanRanges(ids: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const id of ids) {
    const last = out[out.length - 1];
    if (last && id === last[1] + 1) last[1] = id;
    else out.push([id, id]);
  }
  return out;
}

function configurePortVlans(host: NetlinkHandle, port: Link, cfg: BridgeConfig): void {
  if (cfg.vlan === 0 && cfg.vlanTrunk.length === 0) return;
  if (!cfg.preserveDefaultVlan) {
    try {
      bridgeVlanDel(host, { link: port, vid: DEFAULT_VLAN });
    } catch (e) {
      // the port may not carry VLAN 1 (bridge default_pvid changed): nothing to remove
      if (!isNotFound(e) && !(e instanceof NetlinkError && e.errno === EINVAL)) throw e;
    }
  }
  if (cfg.vlan !== 0) bridgeVlanAdd(host, { link: port, vid: cfg.vlan, pvid: true, untagged: true });
  for (const [first, last] of vlanRanges(cfg.vlanTrunk)) {
    bridgeVlanAdd(host, { link: port, vid: first, vidEnd: last });
  }
}

/** Waits (as the reference) until the port is operationally up; returns its fresh state. */
export function waitPortUp(host: NetlinkHandle, name: string): Link {
  let link: Link | undefined;
  for (const ms of PORT_WAIT_MS) {
    if (ms) Bun.sleepSync(ms);
    link = getLinkByName(host, name);
    if (!link) throw internalError(`bridge port "${name}" disappeared`);
    if (link.operstate === IF_OPER_UP) return link;
  }
  throw internalError(`bridge port in error state: ${OPER_NAMES[link?.operstate ?? 0] ?? "unknown"}`);
}
