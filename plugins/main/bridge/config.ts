// bridge plugin configuration: every key of the reference bridge, defaulted and validated before any
// kernel change. Pure: no I/O.
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { NetConf } from "../../../shared/cni/plugin.ts";
import { optArray, optBool, optInt, optObject, optString, parseMac, validIfName, type Raw } from "../../../shared/config/fields.ts";
import { parseMasqBackend, type MasqBackend } from "../../../shared/config/masq.ts";

export interface BridgeConfig {
  bridge: string;
  isGateway: boolean;
  isDefaultGateway: boolean;
  forceAddress: boolean;
  ipMasq: boolean;
  ipMasqBackend: MasqBackend;
  /** 0 = kernel default */
  mtu: number;
  hairpinMode: boolean;
  promiscMode: boolean;
  /** access VLAN (PVID, untagged); 0 = none */
  vlan: number;
  /** sorted, de-duplicated trunk VLAN ids */
  vlanTrunk: number[];
  preserveDefaultVlan: boolean;
  macspoofchk: boolean;
  enabledad: boolean;
  disableContainerInterface: boolean;
  portIsolation: boolean;
  /** true when ipam.type is set (L3); `ipam: {}` means L2 only */
  hasIpam: boolean;
  /** requested container MAC (CNI_ARGS MAC < args.cni.mac < runtimeConfig.mac), "" = kernel random */
  mac: string;
}

export const DEFAULT_BRIDGE = "cni0";

export function parseBridgeConfig(conf: NetConf, cniArgs: ReadonlyArray<readonly [string, string]>): Readonly<BridgeConfig> {
  const raw = conf.raw;
  const isDefaultGateway = optBool(raw, "isDefaultGateway");
  const cfg: BridgeConfig = {
    bridge: parseBridgeName(raw),
    isGateway: optBool(raw, "isGateway") || isDefaultGateway,
    isDefaultGateway,
    forceAddress: optBool(raw, "forceAddress"),
    ipMasq: optBool(raw, "ipMasq"),
    ipMasqBackend: parseMasqBackend(raw),
    mtu: optInt(raw, "mtu", 0, 0, 65535),
    hairpinMode: optBool(raw, "hairpinMode"),
    promiscMode: optBool(raw, "promiscMode"),
    vlan: parseVlan(raw),
    vlanTrunk: parseVlanTrunk(optArray(raw, "vlanTrunk")),
    preserveDefaultVlan: optBool(raw, "preserveDefaultVlan"),
    macspoofchk: optBool(raw, "macspoofchk"),
    enabledad: optBool(raw, "enabledad"),
    disableContainerInterface: optBool(raw, "disableContainerInterface"),
    portIsolation: optBool(raw, "portIsolation"),
    hasIpam: Boolean(conf.ipam?.type),
    mac: requestedMac(conf, cniArgs),
  };
  validateCombination(cfg);
  return Object.freeze(cfg);
}

function parseBridgeName(raw: Raw): string {
  const name = optString(raw, "bridge", DEFAULT_BRIDGE) || DEFAULT_BRIDGE;
  if (!validIfName(name)) throw invalidConfig(`invalid bridge name ${JSON.stringify(name)}`);
  return name;
}

function parseVlan(raw: Raw): number {
  const v = raw.vlan;
  if (v === undefined || v === null) return 0;
  if (typeof v !== "number" || !Number.isInteger(v)) throw invalidConfig(`failed to load netconf: vlan: expected an integer`);
  if (v < 0 || v > 4094) throw invalidConfig(`invalid VLAN ID ${v} (must be between 0 and 4094)`);
  return v;
}

function trunkId(item: Raw, key: string, what: string): number | undefined {
  const v = item[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0 || v > 4094) {
    throw invalidConfig(`incorrect trunk ${what} parameter`);
  }
  return v;
}

function parseVlanTrunk(items: unknown[] | undefined): number[] {
  if (!items) return [];
  const ids = new Set<number>();
  for (const item of items) {
    if (typeof item !== "object" || item === null || Array.isArray(item)) throw invalidConfig("vlanTrunk: expected objects");
    const t = item as Raw;
    const min = trunkId(t, "minID", "minID");
    const max = trunkId(t, "maxID", "maxID");
    if (min === undefined && max !== undefined) {
      throw invalidConfig("minID and maxID should be configured simultaneously, minID is missing");
    }
    if (min !== undefined && max === undefined) {
      throw invalidConfig("minID and maxID should be configured simultaneously, maxID is missing");
    }
    if (min !== undefined && max !== undefined) {
      if (max < min) throw invalidConfig("minID is greater than maxID in trunk parameter");
      for (let v = min; v <= max; v++) ids.add(v);
    }
    const id = trunkId(t, "id", "id");
    if (id !== undefined) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

function requestedMac(conf: NetConf, cniArgs: ReadonlyArray<readonly [string, string]>): string {
  let mac = "";
  for (const [k, v] of cniArgs) if (k === "MAC" && v) mac = v;
  const cni = optObject(conf.args, "cni");
  if (cni) mac = optString(cni, "mac") || mac;
  mac = optString(conf.runtimeConfig, "mac") || mac;
  return mac ? parseMac(mac, "the requested container MAC") : "";
}

function validateCombination(cfg: BridgeConfig): void {
  if (cfg.vlan > 0 && cfg.vlanTrunk.length > 0) throw invalidConfig("cannot set vlan and vlanTrunk at the same time");
  if (cfg.hairpinMode && cfg.promiscMode) {
    throw invalidConfig("cannot set hairpin mode and promiscuous mode at the same time");
  }
  if (cfg.disableContainerInterface && cfg.hasIpam) {
    throw invalidConfig("cannot use IPAM when the container interface is disabled (disableContainerInterface)");
  }
}
