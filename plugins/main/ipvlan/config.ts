// ipvlan configuration: every key of the reference (v1.9.x). Pure. No MAC (an ipvlan has its
// master's), no runtimeConfig or CNI_ARGS keys.
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { NetConf } from "../../../shared/cni/plugin.ts";
import { ConfigReader } from "../../../shared/cni/reader.ts";
import type { DNS } from "../../../shared/cni/types.ts";
import { IPVLAN_MODE_L2, IPVLAN_MODE_L3, IPVLAN_MODE_L3S } from "../../../shared/netlink/codec/link.ts";

export const IPVLAN_MODES: Readonly<Record<string, number>> = Object.freeze({
  l2: IPVLAN_MODE_L2,
  l3: IPVLAN_MODE_L3,
  l3s: IPVLAN_MODE_L3S,
});

export interface IpvlanConfig {
  /** "" = chained: the prevResult's single interface; else the first default route's interface */
  master: string;
  modeName: string;
  mode: number;
  /** 0 = inherit (not bounded by the master's, as the reference) */
  mtu: number;
  linkInContainer: boolean;
  /** "" = reuse the prevResult's IPs (chained), which must then exist */
  ipamType: string;
  dns: DNS;
}

export function parseIpvlanConfig(conf: NetConf): Readonly<IpvlanConfig> {
  const r = ConfigReader.of(conf.raw);
  const modeName = r.str("mode") || "l2";
  const mode = IPVLAN_MODES[modeName];
  if (mode === undefined) r.fail("mode", `unknown ipvlan mode: ${JSON.stringify(modeName)}`);
  return Object.freeze({
    master: r.str("master"),
    modeName,
    mode: mode!,
    mtu: r.int("mtu", 0, { min: 0, max: 0x7fffffff }),
    linkInContainer: r.bool("linkInContainer"),
    ipamType: conf.ipam?.type ?? "",
    dns: Object.freeze({ ...conf.dns }),
  });
}

/**
 * The master's name for ADD/DEL: the configured one; else, chained (prevResult present), the name of
 * the prevResult's only interface; else "" (the default route's interface, resolved in the kernel).
 */
export function masterName(cfg: IpvlanConfig, conf: NetConf): string {
  if (cfg.master || !conf.prevResult) return cfg.master;
  const ifaces = conf.prevResult.interfaces ?? [];
  if (ifaces.length === 1 && ifaces[0]!.name) return ifaces[0]!.name;
  throw invalidConfig("chained master failure. PrevResult lacks a single named interface");
}
