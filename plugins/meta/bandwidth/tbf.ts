// tbf parameters from a configured rate and burst, with the reference's formulas and float64 steps
// (plugins/meta/bandwidth/ifb_creator.go: createTBF, buffer, limit, latencyInUsec, time2Tick). Pure.
//
// Where the reference converts a float64 that does not fit a uint32, Go's result depends on the CPU:
// on amd64 it wraps modulo 2^32, on arm64 it saturates. tscni saturates at the u32 maximum
// everywhere (and saturates limit's u32 addition, which wraps in Go on every CPU): containerd's CRI
// sends a burst of 4294967295 bits for every pod with the Kubernetes bandwidth annotations, and the
// largest bucket the kernel can hold is the closest to what was asked, whereas a wrapped value is an
// arbitrary one that can be smaller than a packet.
import { TIME_UNITS_PER_SEC, type TbfParams } from "../../../shared/netlink/codec/tc.ts";

const U32_MAX = 0xffff_ffff;
/** PSCHED_SHIFT (include/net/pkt_sched.h): a psched tick is 2^6 ns. */
const PSCHED_SHIFT = 6;

/** The queue latency the reference hard-codes (latencyInMillis); `latencyMs` overrides it here. */
export const DEFAULT_LATENCY_MS = 25;

/** A rate the kernel cannot shape at (below 1 byte/s). */
export class TbfRangeError extends RangeError {
  constructor(what: string, value: number) {
    super(`${what} ${value} is out of range`);
    this.name = "TbfRangeError";
  }
}

/** Go's uint32(float64) as arm64 does it: truncation toward zero, saturated to [0, 2^32-1]. */
function satU32(v: number): number {
  const t = Math.trunc(v);
  if (!(t >= 0)) return 0;
  return t > U32_MAX ? U32_MAX : t;
}

/** latencyInUsec: microseconds as the reference computes them (1e6 * (ms / 1000)). */
export function latencyInUsec(latencyMs: number): number {
  return TIME_UNITS_PER_SEC * (latencyMs / 1000);
}

/** time2Tick: microseconds (already a u32) to psched ticks, saturated. */
function time2Tick(timeUs: number, tickInUsec: number): number {
  return satU32(timeUs * tickInUsec);
}

/** buffer: the time to send burst bytes at rate bytes/s, in ticks (saturated at each step). */
export function bufferTicks(rateBytes: number, burstBytes: number, tickInUsec: number): number {
  return time2Tick(satU32((burstBytes * TIME_UNITS_PER_SEC) / rateBytes), tickInUsec);
}

/** limit: bytes sent at rate during the latency, plus the burst, saturated at 2^32-1. */
export function limitBytes(rateBytes: number, latencyUs: number, burstBytes: number): number {
  return Math.min(satU32((rateBytes * latencyUs) / TIME_UNITS_PER_SEC) + satU32(burstBytes), U32_MAX);
}

/**
 * The buffer a kernel that keeps at most 2^32-1 ns of tokens reports for a tbf created with
 * `ticks`: such a tbf_change stores min(ticks << PSCHED_SHIFT, 2^32-1) ns and the dump shifts that
 * back, so a buffer of 2^26 ticks (about 4.29 s) or more reads back as 67108863. Kernels that keep
 * the full 64-bit value (6.18 here) report `ticks` unchanged.
 */
export function clampedBufferTicks(ticks: number): number {
  return Math.floor(Math.min(ticks * 2 ** PSCHED_SHIFT, U32_MAX) / 2 ** PSCHED_SHIFT);
}

/**
 * The tbf for rate (bits/s) and burst (bits): rate and burst in bytes (integer division by 8),
 * buffer in ticks, limit in bytes; values beyond the kernel's u32 fields saturate.
 */
export function tbfParams(rateBits: number, burstBits: number, latencyMs: number, tickInUsec: number): TbfParams {
  const rate = Math.floor(rateBits / 8);
  const burst = Math.floor(burstBits / 8);
  if (rate < 1) throw new TbfRangeError("tbf rate (bytes/s)", rate);
  return {
    rate,
    buffer: bufferTicks(rate, burst, tickInUsec),
    limit: limitBytes(rate, latencyInUsec(latencyMs), burst),
  };
}
