// ptp plugin configuration: the reference ptp keys, validated before any kernel change. Pure.
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { NetConf } from "../../../shared/cni/plugin.ts";
import type { DNS } from "../../../shared/cni/types.ts";
import { optBool, optInt } from "../../../shared/config/fields.ts";
import { parseMasqBackend, type MasqBackend } from "../../../shared/config/masq.ts";

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
  return Object.freeze({
    ipMasq: optBool(conf.raw, "ipMasq"),
    ipMasqBackend: parseMasqBackend(conf.raw),
    mtu: optInt(conf.raw, "mtu", 0, 0, 65535),
    dns: dnsConfSet(conf.raw) ? Object.freeze({ ...conf.dns }) : undefined,
  });
}

/**
 * The reference's dnsConfSet: the network's dns replaces the IPAM's when it sets a list, even an empty
 * one (Go decodes [] to a non-nil slice), or a non-empty domain; `"dns": {}` keeps what IPAM returned
 * (e.g. host-local's resolvConf). Read from the raw config: the parsed DNS drops empty lists.
 */
function dnsConfSet(raw: Record<string, unknown>): boolean {
  const dns = raw.dns;
  if (typeof dns !== "object" || dns === null || Array.isArray(dns)) return false;
  const d = dns as Record<string, unknown>;
  const listSet = ["nameservers", "search", "options"].some((k) => d[k] !== undefined && d[k] !== null);
  return listSet || (typeof d.domain === "string" && d.domain !== "");
}
