// vlan configuration: every key of the reference (v1.9.x). Pure. The master's existence and MTU bound
// are checked at ADD/CHECK time.
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { NetConf } from "../../../shared/cni/plugin.ts";
import { ConfigReader } from "../../../shared/cni/reader.ts";
import type { DNS } from "../../../shared/cni/types.ts";

export interface VlanConfig {
  master: string;
  /** 802.1Q id 0-4094 (0 accepted, as the reference) */
  vlanId: number;
  /** 0 = inherit the master's */
  mtu: number;
  linkInContainer: boolean;
  ipamType: string;
  dns: DNS;
}

export function parseVlanConfig(conf: NetConf): Readonly<VlanConfig> {
  const r = ConfigReader.of(conf.raw);
  const master = r.str("master");
  if (!master) throw invalidConfig('"master" field is required. It specifies the host interface name to virtualize');
  const vlanId = r.int("vlanId", 0);
  if (vlanId < 0 || vlanId > 4094) throw invalidConfig(`vlanId: invalid VLAN ID ${vlanId} (must be between 0 and 4094 inclusive)`);
  if (!conf.ipam?.type) throw invalidConfig("vlan requires an IPAM configuration (ipam.type)");
  return Object.freeze({
    master,
    vlanId,
    mtu: r.int("mtu", 0, { min: 0, max: 0x7fffffff }),
    linkInContainer: r.bool("linkInContainer"),
    ipamType: conf.ipam.type,
    dns: Object.freeze({ ...conf.dns }),
  });
}
