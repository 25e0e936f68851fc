// tap configuration: every key of the reference (v1.9.x), validated before any kernel change. Pure.
// Whether selinuxContext can be honoured on this node is decided at ADD time (selinux.ts).
import type { ArgPair } from "../../../shared/cni/args.ts";
import type { NetConf } from "../../../shared/cni/plugin.ts";
import { ConfigReader, validIfName } from "../../../shared/cni/reader.ts";
import type { DNS } from "../../../shared/cni/types.ts";
import { readPodMac } from "../pod/mac.ts";

export interface TapConfig {
  /** runtimeConfig.mac > CNI_ARGS MAC > mac; undefined = kernel-chosen */
  mac: string | undefined;
  /** 0 = the kernel's default (1500) */
  mtu: number;
  /** IFF_MULTI_QUEUE */
  multiQueue: boolean;
  /** the uid allowed to attach to the tap; undefined = any */
  owner: number | undefined;
  /** the gid allowed to attach to the tap; undefined = any */
  group: number | undefined;
  /** "" = none */
  selinuxContext: string;
  /** an existing bridge in the pod netns to enslave the tap to ("" = none) */
  bridge: string;
  /** "" = L2 only */
  ipamType: string;
  /** the network's dns, which replaces whatever IPAM returned (as the reference) */
  dns: DNS;
}

interface TapInput {
  conf: NetConf;
  cniArgs: readonly ArgPair[];
  ignoreUnknownArgs: boolean;
}

/** user:role:type[:level], the shape of an SELinux security context. */
const SELINUX_CONTEXT_RE = /^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+(:[A-Za-z0-9_.:,-]+)?$/;

/** uid_t/gid_t; 2^32-1 is the kernel's "none" (INVALID_UID), so it is not accepted as an id. */
const ID_RANGE = { min: 0, max: 0xfffffffe };

function readContext(r: ConfigReader): string {
  const ctx = r.str("selinuxContext");
  if (ctx && !SELINUX_CONTEXT_RE.test(ctx)) r.fail("selinuxContext", `invalid SELinux context ${JSON.stringify(ctx)}`);
  return ctx;
}

function readBridge(r: ConfigReader): string {
  const name = r.str("bridge");
  if (name && !validIfName(name)) r.fail("bridge", `invalid interface name ${JSON.stringify(name)}`);
  return name;
}

export function parseTapConfig(input: TapInput): Readonly<TapConfig> {
  const r = ConfigReader.of(input.conf.raw);
  return Object.freeze({
    mac: readPodMac(r, input),
    mtu: r.int("mtu", 0, { min: 0, max: 0x7fffffff }),
    multiQueue: r.bool("multiQueue"),
    owner: r.optInt("owner", ID_RANGE),
    group: r.optInt("group", ID_RANGE),
    selinuxContext: readContext(r),
    bridge: readBridge(r),
    ipamType: input.conf.ipam?.type ?? "",
    dns: Object.freeze({ ...input.conf.dns }),
  });
}

/** The config of a CmdContext. */
export const tapConfigOf = (ctx: TapInput) => parseTapConfig({ conf: ctx.conf, cniArgs: ctx.cniArgs, ignoreUnknownArgs: ctx.ignoreUnknownArgs });
