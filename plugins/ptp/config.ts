// ptp plugin configuration: the reference ptp keys, validated before any kernel change. Pure.
import { invalidConfig } from "../../shared/cni/errors.ts";
import type { NetConf } from "../../shared/cni/plugin.ts";
import { optBool, optInt } from "../../shared/config/fields.ts";
import { parseMasqBackend, type MasqBackend } from "../../shared/config/masq.ts";

export interface PtpConfig {
  ipMasq: boolean;
  ipMasqBackend: MasqBackend;
  /** 0 = kernel default */
  mtu: number;
}

export function parsePtpConfig(conf: NetConf): Readonly<PtpConfig> {
  if (!conf.ipam?.type) throw invalidConfig("ptp requires an IPAM configuration (ipam.type)");
  return Object.freeze({
    ipMasq: optBool(conf.raw, "ipMasq"),
    ipMasqBackend: parseMasqBackend(conf.raw),
    mtu: optInt(conf.raw, "mtu", 0, 0, 65535),
  });
}
