// bandwidth configuration: the four rate/burst keys (top level, else runtimeConfig.bandwidth, as the
// reference's getBandwidth), their pairing rules and messages, and tscni's optional latencyMs. Pure.
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { NetConf } from "../../../shared/cni/plugin.ts";
import { ConfigReader } from "../../../shared/cni/reader.ts";
import { attachmentTag, formatHashWithPrefix } from "../../../shared/firewall/hash.ts";
import { DEFAULT_LATENCY_MS } from "./tbf.ts";

/** One direction's shaping: rate in bits/s and burst in bits, both > 0. */
export interface Shaping {
  readonly rateBits: number;
  readonly burstBits: number;
}

export interface BandwidthConfig {
  readonly name: string;
  readonly cniVersion: string;
  /** traffic toward the container: root tbf on the host veth; undefined = not shaped */
  readonly ingress?: Shaping;
  /** traffic from the container: ingress redirect to the ifb, root tbf there; undefined = not shaped */
  readonly egress?: Shaping;
  /** tbf queue latency in milliseconds (limit = rate * latency + burst); the reference fixes 25 */
  readonly latencyMs: number;
}

const BANDWIDTH_KEYS = ["ingressRate", "ingressBurst", "egressRate", "egressBurst"] as const;
type BandwidthKey = (typeof BANDWIDTH_KEYS)[number];

/** Largest latencyMs accepted: a 10 s queue is already far beyond any sane shaping setup. */
const MAX_LATENCY_MS = 10_000;
const MAX_BURST_BYTES = 0xffff_ffff;
const IFB_NAME_LENGTH = 15;
export const IFB_PREFIX = "bwp";

/** bandwidth's reader: messages start "failed to parse network configuration: " like the reference's. */
const reader = (conf: NetConf): ConfigReader =>
  ConfigReader.of(conf.raw, { error: (m) => invalidConfig(`failed to parse network configuration: ${m}`) });

/**
 * The object the values come from: the top level if any key names one of the four fields (even with
 * null: Go allocates the embedded *BandwidthEntry then), else runtimeConfig.bandwidth.
 */
function bandwidthSource(r: ConfigReader): ConfigReader | undefined {
  if (BANDWIDTH_KEYS.some((k) => r.has(k))) return r;
  return r.child("runtimeConfig")?.child("bandwidth");
}

/** validateRateAndBurst, with the reference's messages. */
function shaping(rateBits: number, burstBits: number): Shaping | undefined {
  if (burstBits === 0 && rateBits !== 0) throw invalidConfig("if rate is set, burst must also be set");
  if (rateBits === 0 && burstBits !== 0) throw invalidConfig("if burst is set, rate must also be set");
  // the reference refuses burst/8 >= 2^32-1; older CRI-O releases send exactly 8 * (2^32-1) bits
  if (Math.floor(burstBits / 8) > MAX_BURST_BYTES) throw invalidConfig("burst cannot be more than 4GB");
  if (rateBits === 0) return undefined;
  if (rateBits < 8) throw invalidConfig(`rate ${rateBits} bits/s is below 1 byte/s`);
  return Object.freeze({ rateBits, burstBits });
}

function readLatency(r: ConfigReader): number {
  const v = r.num("latencyMs", DEFAULT_LATENCY_MS);
  if (v <= 0 || v > MAX_LATENCY_MS) r.fail("latencyMs", `invalid latencyMs ${v} (must be a number > 0 and <= ${MAX_LATENCY_MS})`);
  return v;
}

/** Validates the plugin keys of conf into a frozen config; throws CniError 7 on anything invalid. */
export function parseConfig(conf: NetConf): BandwidthConfig {
  const r = reader(conf);
  const src = bandwidthSource(r);
  // a uint64 like Go decodes it (null = 0); negative, fractional or unsafe integers are error 7
  const read = (k: BandwidthKey): number => src?.int(k, 0, { min: 0 }) ?? 0;
  const ingress = shaping(read("ingressRate"), read("ingressBurst"));
  const egress = shaping(read("egressRate"), read("egressBurst"));
  const out: BandwidthConfig = { name: conf.name, cniVersion: conf.cniVersion, latencyMs: readLatency(r) };
  return Object.freeze({ ...out, ...(ingress && { ingress }), ...(egress && { egress }) });
}
/** True when nothing is shaped: ADD passes prevResult through without touching the kernel. */
export const isPassthrough = (c: BandwidthConfig): boolean => !c.ingress && !c.egress;

/** The ifb's name: "bwp" + sha512(network name + container ID) in hex, cut to 15 characters. */
export function ifbDeviceName(network: string, containerId: string): string {
  return formatHashWithPrefix(IFB_NAME_LENGTH, IFB_PREFIX, network + containerId);
}

/** The ifb's alias: its attachment's tag (network, container ID, ifname, any characters), read by GC. */
export function ifbTag(network: string, att: { containerId: string; ifname: string }): string {
  return attachmentTag(network, att.ifname, att.containerId);
}
