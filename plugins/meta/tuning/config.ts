// tuning configuration: every key of the reference (v1.9.x): sysctl, mac, promisc, mtu, allmulti,
// txQLen, dataDir; runtimeConfig.mac; CNI_ARGS MAC; args.cni.{sysctl,mac,promisc,mtu,allmulti,txQLen}.
// Validated before any kernel change (the reference parses the MAC and checks the sysctl paths only
// while applying them). Pure.
import { loadArgs, type ArgPair } from "../../../shared/cni/args.ts";
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { NetConf } from "../../../shared/cni/plugin.ts";
import { ConfigReader, parseMac } from "../../../shared/cni/reader.ts";
import { checkAllowed, duplicateSysctlKey, sysctlPath } from "./keys.ts";

const DEFAULT_DATA_DIR = "/run/cni/tuning";

/** One sysctl: the key as configured and the /proc/sys path it names for this interface. */
export interface SysctlSetting {
  readonly key: string;
  readonly path: string;
  readonly value: string;
}

export interface TuningConfig {
  readonly dataDir: string;
  /** in document order, args.cni.sysctl merged over the top-level map */
  readonly sysctls: readonly SysctlSetting[];
  /** the MAC to set, canonical lowercase (also what the result reports) */
  readonly mac?: string;
  /** only true acts (turns promiscuous mode on); false never turns it off */
  readonly promisc: boolean;
  /** 0 = unchanged */
  readonly mtu: number;
  readonly allmulti?: boolean;
  readonly txQLen?: number;
}

export interface TuningInput {
  conf: NetConf;
  ifname: string;
  cniArgs: readonly ArgPair[];
  ignoreUnknownArgs: boolean;
  /** the raw stdin, for the duplicate sysctl key check */
  stdin: Uint8Array;
  /** allowlist patterns; undefined = no allowlist file (every net.* sysctl allowed) */
  allowlist?: readonly RegExp[];
}

const MTU_RANGE = { min: 0, max: 0x7fffffff };
const TXQLEN_RANGE = { min: 0, max: 0xffffffff };

/** A map[string]string field: each value a string; several objects naming it merge, later keys winning. */
function stringMap(r: ConfigReader | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!r) return out;
  for (const [k, v] of Object.entries(r.toObject())) {
    out.set(k, typeof v === "string" ? v : r.fail(k, `expected a string, got ${JSON.stringify(v)}`));
  }
  return out;
}

function readSysctls(r: ConfigReader, argsCni: ConfigReader | undefined, input: TuningInput): SysctlSetting[] {
  const dup = duplicateSysctlKey(new TextDecoder().decode(input.stdin));
  if (dup !== undefined) throw invalidConfig(`duplicated sysctl keys are not allowed: ${JSON.stringify(dup)}`);
  const merged = stringMap(r.child("sysctl"));
  // the reference panics on a nil map when only args.cni.sysctl is given: here they simply merge
  for (const [k, v] of stringMap(argsCni?.child("sysctl"))) merged.set(k, v);
  const out: SysctlSetting[] = [];
  for (const [key, value] of merged) {
    if (input.allowlist) checkAllowed(key, input.allowlist);
    if (/[\0\n]/.test(value)) r.fail(`sysctl.${key}`, "value contains a NUL or newline");
    out.push(Object.freeze({ key, path: sysctlPath(key, input.ifname), value }));
  }
  return out;
}

/** mac < CNI_ARGS MAC < runtimeConfig.mac < args.cni.mac, as the reference's parseConf. */
function readMac(r: ConfigReader, argsCni: ConfigReader | undefined, input: TuningInput): TuningConfig["mac"] {
  let text = r.str("mac");
  let where = "mac";
  const fromArgs = loadArgs(input.cniArgs, { MAC: (v: string) => v }, input.ignoreUnknownArgs).MAC;
  if (fromArgs) [text, where] = [fromArgs, "CNI_ARGS MAC"];
  const fromRuntime = r.childOrEmpty("runtimeConfig").str("mac");
  if (fromRuntime) [text, where] = [fromRuntime, "runtimeConfig.mac"];
  const fromCni = argsCni?.optStr("mac");
  if (fromCni !== undefined) [text, where] = [fromCni, "args.cni.mac"];
  return text ? parseMac(text, where) : undefined;
}

/** Where the backup files live (GC reads only this key). */
export const dataDirOf = (conf: NetConf): string => ConfigReader.of(conf.raw).str("dataDir") || DEFAULT_DATA_DIR;

/** Validates the plugin keys into a frozen config; throws CniError 7 on anything invalid. */
export function parseTuningConfig(input: TuningInput): TuningConfig {
  const r = ConfigReader.of(input.conf.raw);
  if (input.ifname.includes("/")) throw invalidConfig(`Interface name (${input.ifname}) contains an invalid character /`);
  const argsCni = r.child("args")?.child("cni");
  const allmulti = argsCni?.optBool("allmulti") ?? r.optBool("allmulti");
  const txQLen = argsCni?.optInt("txQLen", TXQLEN_RANGE) ?? r.optInt("txQLen", TXQLEN_RANGE);
  const mac = readMac(r, argsCni, input);
  return Object.freeze({
    dataDir: dataDirOf(input.conf),
    sysctls: Object.freeze(readSysctls(r, argsCni, input)),
    ...(mac && { mac }),
    promisc: argsCni?.optBool("promisc") ?? r.bool("promisc"),
    mtu: argsCni?.optInt("mtu", MTU_RANGE) ?? r.int("mtu", 0, MTU_RANGE),
    ...(allmulti !== undefined && { allmulti }),
    ...(txQLen !== undefined && { txQLen }),
  });
}

/** True when one of the link attributes is set (the reference then writes a backup file). */
export const changesLink = (c: TuningConfig): boolean =>
  c.mac !== undefined || c.mtu !== 0 || c.promisc || c.allmulti !== undefined || c.txQLen !== undefined;

/** True when ADD has nothing to do in the pod (Podman's `{"type": "tuning"}`). */
export const isPassthrough = (c: TuningConfig): boolean => c.sysctls.length === 0 && !changesLink(c);
