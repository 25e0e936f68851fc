// macvlan configuration: every key of the reference (v1.9.x), validated before any kernel change. Pure.
// The master's existence and MTU bound are checked at ADD/CHECK time (they need the kernel).
import type { ArgPair } from "../../../shared/cni/args.ts";
import type { NetConf } from "../../../shared/cni/plugin.ts";
import { ConfigReader } from "../../../shared/cni/reader.ts";
import type { DNS } from "../../../shared/cni/types.ts";
import {
  MACVLAN_MODE_BRIDGE,
  MACVLAN_MODE_PASSTHRU,
  MACVLAN_MODE_PRIVATE,
  MACVLAN_MODE_VEPA,
} from "../../../shared/netlink/codec/link.ts";
import { readPodMac } from "../pod/mac.ts";

export const MACVLAN_MODES: Readonly<Record<string, number>> = Object.freeze({
  bridge: MACVLAN_MODE_BRIDGE,
  private: MACVLAN_MODE_PRIVATE,
  vepa: MACVLAN_MODE_VEPA,
  passthru: MACVLAN_MODE_PASSTHRU,
});

export interface MacvlanConfig {
  /** "" = the interface of the first default route */
  master: string;
  /** the mode's name ("bridge" when unset) and its MACVLAN_MODE_* value */
  modeName: string;
  mode: number;
  /** 0 = inherit the master's */
  mtu: number;
  /** runtimeConfig.mac > CNI_ARGS MAC > mac; undefined = kernel-chosen */
  mac: string | undefined;
  linkInContainer: boolean;
  /** broadcast queue length, 0 = kernel default */
  bcQueueLen: number;
  /** "" = L2 only */
  ipamType: string;
  /** the network's dns, which replaces whatever IPAM returned (as the reference) */
  dns: DNS;
}

interface MacvlanInput {
  conf: NetConf;
  cniArgs: readonly ArgPair[];
  ignoreUnknownArgs: boolean;
}

function parseMode(r: ConfigReader): { modeName: string; mode: number } {
  const modeName = r.str("mode") || "bridge";
  const mode = MACVLAN_MODES[modeName];
  if (mode === undefined) r.fail("mode", `unknown macvlan mode: ${JSON.stringify(modeName)}`);
  return { modeName, mode: mode! };
}

export function parseMacvlanConfig(input: MacvlanInput): Readonly<MacvlanConfig> {
  const r = ConfigReader.of(input.conf.raw);
  return Object.freeze({
    master: r.str("master"),
    ...parseMode(r),
    mtu: r.int("mtu", 0, { min: 0, max: 0x7fffffff }),
    mac: readPodMac(r, input),
    linkInContainer: r.bool("linkInContainer"),
    bcQueueLen: r.int("bcqueuelen", 0, { min: 0, max: 0xffffffff }),
    ipamType: input.conf.ipam?.type ?? "",
    dns: Object.freeze({ ...input.conf.dns }),
  });
}

/** The config of a CmdContext. */
export const macvlanConfigOf = (ctx: { conf: NetConf; cniArgs: readonly ArgPair[]; ignoreUnknownArgs: boolean }) =>
  parseMacvlanConfig({ conf: ctx.conf, cniArgs: ctx.cniArgs, ignoreUnknownArgs: ctx.ignoreUnknownArgs });
