// tbf parameters from a configured rate and burst, with the reference's formulas and float64 steps
// (plugins/meta/bandwidth/ifb_creator.go: createTBF, buffer, limit, latencyInUsec, time2Tick). Pure.
import { TIME_UNITS_PER_SEC, type TbfParams } from "../../../shared/netlink/codec/tc.ts";

const U32_MAX = 0xffff_ffff;

/** The queue latency the reference hard-codes (latencyInMillis); `latencyMs` overrides it here. */
export const DEFAULT_LATENCY_MS = 25;

/** A value the kernel's u32 fields cannot hold: the config asks for an impossible bucket or queue. */
export class TbfRangeError extends RangeError {
  constructor(what: string, value: number) {
    super(`${what} ${value} does not fit the kernel's 32-bit field`);
    this.name = "TbfRangeError";
  }
}

/** Go's uint32(float64): truncation toward zero; out-of-range values are refused instead of wrapped. */
function truncU32(v: number, what: string): number {
  const t = Math.trunc(v);
  if (!(t >= 0 && t <= U32_MAX)) throw new TbfRangeError(what, t);
  return t;
}

/** latencyInUsec: microseconds as the reference computes them (1e6 * (ms / 1000)). */
export function latencyInUsec(latencyMs: number): number {
  return TIME_UNITS_PER_SEC * (latencyMs / 1000);
}

/** time2Tick: microseconds (already a u32) to psched ticks. */
export function time2Tick(timeUs: number, tickInUsec: number): number {
  return truncU32(timeUs * tickInUsec, "tbf buffer (ticks)");
}

/** buffer: the time to send burst bytes at rate bytes/s, in ticks. */
export function bufferTicks(rateBytes: number, burstBytes: number, tickInUsec: number): number {
  const timeUs = truncU32((burstBytes * TIME_UNITS_PER_SEC) / rateBytes, "tbf burst time (us)");
  return time2Tick(timeUs, tickInUsec);
}

/** limit: bytes sent at rate during the latency, plus the burst. */
export function limitBytes(rateBytes: number, latencyUs: number, burstBytes: number): number {
  const queued = truncU32((rateBytes * latencyUs) / TIME_UNITS_PER_SEC, "tbf queue (bytes)");
  const limit = queued + burstBytes;
  if (limit > U32_MAX) throw new TbfRangeError("tbf limit (bytes)", limit);
  return limit;
}

/**
 * The tbf for rate (bits/s) and burst (bits): rate and burst in bytes (integer division by 8),
 * buffer in ticks, limit in bytes. Throws TbfRangeError where the reference would wrap a u32.
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
