// vrf configuration: `vrfname` (required, the VRF device in the pod netns) and `table` (0 = the lowest
// id no other VRF of the netns uses), as the reference. Pure.
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { NetConf } from "../../../shared/cni/plugin.ts";
import { ConfigReader, validIfName } from "../../../shared/cni/reader.ts";

export interface VrfConfig {
  readonly vrfName: string;
  /** 0 = pick a free one */
  readonly table: number;
}

export function parseVrfConfig(conf: NetConf): VrfConfig {
  const r = ConfigReader.of(conf.raw);
  const vrfName = r.str("vrfname");
  if (vrfName === "") throw invalidConfig("configuration is expected to have a valid vrf name");
  if (!validIfName(vrfName)) r.fail("vrfname", `invalid interface name ${JSON.stringify(vrfName)}`);
  return Object.freeze({ vrfName, table: r.int("table", 0, { min: 0, max: 0xffffffff }) });
}

/** The lowest table id >= 1 not in used. */
export function freeTable(used: ReadonlySet<number>): number {
  let t = 1;
  while (used.has(t)) t++;
  return t;
}
