// ptp plugin configuration: the reference ptp keys, validated before any kernel change. Pure.
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { NetConf } from "../../../shared/cni/plugin.ts";
import type { DNS } from "../../../shared/cni/types.ts";
import { ConfigReader } from "../../../shared/cni/reader.ts";
import { readMasqBackend, type MasqBackend } from "../pod/masq-backend.ts";

export interface PtpConfig {
  ipMasq: boolean;
  ipMasqBackend: MasqBackend;
  /** 0 = kernel default */
  mtu: number;
  /** the network's dns, replacing the IPAM's in the result; undefined keeps the IPAM's */
  dns: Readonly<DNS> | undefined;
}

export function parsePtpConfig(conf: NetConf): Readonly<PtpConfig> {
  if (!conf.ipam?.type) throw invalidConfig("ptp requires an IPAM configuration (ipam.type)");
  const r = ConfigReader.of(conf.raw);
  return Object.freeze({
    ipMasq: r.bool("ipMasq"),
    ipMasqBackend: readMasqBackend(r),
    mtu: r.int("mtu", 0, { min: 0, max: 65535 }),
    dns: dnsConfSet(r) ? Object.freeze({ ...conf.dns }) : undefined,
  });
}

/**
 * The reference's dnsConfSet: the network's dns replaces the IPAM's when it sets a list, even an empty
 * one (Go decodes [] to a non-nil slice), or a non-empty domain; `"dns": {}` keeps what IPAM returned
 * (e.g. host-local's resolvConf). Read from the raw config: the parsed DNS drops empty lists.
 */
function dnsConfSet(r: ConfigReader): boolean {
  const dns = r.child("dns");
  if (!dns) return false;
  const listSet = ["nameservers", "search", "options"].some((k) => dns.arr(k) !== undefined);
  return listSet || dns.str("domain") !== "";
}
