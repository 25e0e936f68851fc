// bridge plugin configuration: every key of the reference bridge, defaulted and validated before any
// kernel change. Pure: no I/O.
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { NetConf } from "../../../shared/cni/plugin.ts";
import { ConfigReader, parseMac, validIfName, type JsonValue } from "../../../shared/cni/reader.ts";
import { readMasqBackend, type MasqBackend } from "../pod/masq-backend.ts";

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

const DEFAULT_BRIDGE = "cni0";

/**
 * `forDel`: DEL never touches the bridge, so a bridge name ADD would refuse does not fail it (the
 * reference's DEL succeeds too); everything DEL does use is still validated.
 */
export function parseBridgeConfig(conf: NetConf, cniArgs: ReadonlyArray<readonly [string, string]>, forDel = false): Readonly<BridgeConfig> {
  const r = ConfigReader.of(conf.raw);
  const isDefaultGateway = r.bool("isDefaultGateway");
  const cfg: BridgeConfig = {
    bridge: forDel ? r.optStr("bridge") ?? DEFAULT_BRIDGE : parseBridgeName(r),
    isGateway: r.bool("isGateway") || isDefaultGateway,
    isDefaultGateway,
    forceAddress: r.bool("forceAddress"),
    ipMasq: r.bool("ipMasq"),
    ipMasqBackend: readMasqBackend(r),
    mtu: r.int("mtu", 0, { min: 0, max: 65535 }),
    hairpinMode: r.bool("hairpinMode"),
    promiscMode: r.bool("promiscMode"),
    vlan: parseVlan(r),
    vlanTrunk: parseVlanTrunk(r.arr("vlanTrunk")),
    preserveDefaultVlan: r.bool("preserveDefaultVlan"),
    macspoofchk: r.bool("macspoofchk"),
    enabledad: r.bool("enabledad"),
    disableContainerInterface: r.bool("disableContainerInterface"),
    portIsolation: r.bool("portIsolation"),
    hasIpam: Boolean(conf.ipam?.type),
    mac: requestedMac(r, cniArgs),
  };
  validateCombination(cfg);
  return Object.freeze(cfg);
}

/** Absent or null: cni0. Present, even "", it must be a valid interface name (the reference fails on ""). */
function parseBridgeName(r: ConfigReader): string {
  const name = r.optStr("bridge") ?? DEFAULT_BRIDGE;
  if (!validIfName(name)) r.fail("bridge", `invalid bridge name ${JSON.stringify(name)}`);
  return name;
}

function parseVlan(r: ConfigReader): number {
  const v = r.int("vlan", 0);
  if (v < 0 || v > 4094) r.fail("vlan", `invalid VLAN ID ${v} (must be between 0 and 4094)`);
  return v;
}

function trunkId(t: ConfigReader, key: string): number | undefined {
  const v = t.optInt(key);
  if (v !== undefined && (v <= 0 || v > 4094)) t.fail(key, `incorrect trunk ${key} parameter`);
  return v;
}

function parseVlanTrunk(items: JsonValue[] | undefined): number[] {
  const ids = new Set<number>();
  for (const item of items ?? []) {
    const t = item.obj();
    const min = trunkId(t, "minID");
    const max = trunkId(t, "maxID");
    if (min === undefined && max !== undefined) {
      t.fail("", "minID and maxID should be configured simultaneously, minID is missing");
    }
    if (min !== undefined && max === undefined) {
      t.fail("", "minID and maxID should be configured simultaneously, maxID is missing");
    }
    if (min !== undefined && max !== undefined) {
      if (max < min) t.fail("", "minID is greater than maxID in trunk parameter");
      for (let v = min; v <= max; v++) ids.add(v);
    }
    const id = trunkId(t, "id");
    if (id !== undefined) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** CNI_ARGS MAC, then args.cni.mac, then runtimeConfig.mac (later sources win when non-empty). */
function requestedMac(r: ConfigReader, cniArgs: ReadonlyArray<readonly [string, string]>): string {
  let mac = "";
  for (const [k, v] of cniArgs) if (k === "MAC" && v) mac = v;
  mac = r.child("args")?.child("cni")?.str("mac") || mac;
  mac = r.child("runtimeConfig")?.str("mac") || mac;
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
