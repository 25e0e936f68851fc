// sbr configuration: the reference's one key, `table` (v1.6+: a fixed table; only the rules are added,
// routes stay where they are), and the prevResult IPs of CNI_IFNAME. Pure.
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { NetConf } from "../../../shared/cni/plugin.ts";
import { ConfigReader } from "../../../shared/cni/reader.ts";
import type { IPConfig, Result } from "../../../shared/cni/types.ts";
import { parseCIDR, parseIP, type Cidr, type IP } from "../../../shared/ip/index.ts";

interface SbrConfig {
  /** undefined: a free table per IP, from 100 up, the link's routes moved there */
  readonly table?: number;
}

/** One of the interface's addresses, as sbr routes it. */
export interface SbrIP {
  readonly address: Cidr;
  readonly gateway?: IP;
}

export function parseSbrConfig(conf: NetConf): SbrConfig {
  const r = ConfigReader.of(conf.raw);
  const table = r.optInt("table", { min: 1, max: 0xffffffff });
  return Object.freeze(table === undefined ? {} : { table });
}

function toSbrIP(ip: IPConfig): SbrIP {
  const address = parseCIDR(ip.address);
  if (!address) throw invalidConfig(`prevResult: invalid address ${JSON.stringify(ip.address)}`);
  const gateway = ip.gateway === undefined ? undefined : parseIP(ip.gateway);
  return Object.freeze({ address, ...(gateway && { gateway }) });
}

/**
 * The prevResult IPs sbr routes (the reference's getIPCfgs): those without an interface index, or whose
 * index names CNI_IFNAME (an index out of range counts as a match); at least one IP must exist.
 */
export function ipsOf(prev: Result, ifname: string): SbrIP[] {
  const ips = prev.ips ?? [];
  if (ips.length === 0) throw invalidConfig(`No IP addresses supplied on interface: ${ifname}`);
  const interfaces = prev.interfaces ?? [];
  return ips
    .filter((ip) => ip.interface === undefined || ip.interface < 0 || ip.interface >= interfaces.length || interfaces[ip.interface]!.name === ifname)
    .map(toSbrIP);
}
