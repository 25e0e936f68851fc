import { describe, expect, it } from "vitest";
import {
  bufferTicks,
  clampedBufferTicks,
  DEFAULT_LATENCY_MS,
  latencyInUsec,
  limitBytes,
  TbfRangeError,
  tbfParams,
} from "../../../../../plugins/meta/bandwidth/tbf.ts";

// Ticks per microsecond for /proc/net/psched "000003e8 00000040 000f4240 3b9aca00": 1000/64.
const TICK = 15.625;

describe("tbfParams", () => {
  // Expectations computed by hand from ifb_creator.go's formulas:
  //   rateB = rate/8, burstB = burst/8 (integer division)
  //   buffer = uint32(uint32(burstB*1e6/rateB) * tick)   limit = uint32(rateB*latencyUs/1e6) + burstB
  it.each([
    // 8 Mbit/s, 80 kbit: 10000 B take 10000 us = 156250 ticks; 25 ms at 1 MB/s = 25000 B
    { rate: 8_000_000, burst: 80_000, want: { rate: 1_000_000, buffer: 156_250, limit: 35_000 } },
    { rate: 16_000_000, burst: 160_000, want: { rate: 2_000_000, buffer: 156_250, limit: 70_000 } },
    // bits not divisible by 8 round down: 125000 B/s, 124 B -> 992 us -> 15500 ticks; 3125 + 124
    { rate: 1_000_001, burst: 999, want: { rate: 125_000, buffer: 15_500, limit: 3_249 } },
    // 3 B/s: 10 B take 3333333.3 us -> 3333333 us -> 52083328.125 ticks -> 52083328; queue 0.075 B -> 0
    { rate: 24, burst: 80, want: { rate: 3, buffer: 52_083_328, limit: 10 } },
    // 40 Gbit/s (>= 2^32 B/s): 125e6 B take 25000 us = 390625 ticks; 125e6 + 125e6
    { rate: 40_000_000_000, burst: 1_000_000_000, want: { rate: 5_000_000_000, buffer: 390_625, limit: 250_000_000 } },
  ])("tbfParams: rate $rate burst $burst -> reference values", ({ rate, burst, want }) => {
    expect(tbfParams(rate, burst, DEFAULT_LATENCY_MS, TICK)).toEqual(want);
  });

  it("tbfParams: latencyMs 1 -> limit holds 1 ms of rate plus the burst", () => {
    expect(tbfParams(8_000_000, 80_000, 1, TICK).limit).toBe(1_000 + 10_000);
  });

  it("tbfParams: fractional latency 0.5 ms -> 500 B queue at 1 MB/s", () => {
    expect(tbfParams(8_000_000, 80_000, 0.5, TICK).limit).toBe(500 + 10_000);
  });

  it("tbfParams: rate below 1 byte/s -> TbfRangeError", () => {
    expect(() => tbfParams(7, 800, 25, TICK)).toThrow(TbfRangeError);
  });

  it("tbfParams: burst time beyond 2^32 us -> buffer saturates at 2^32-1 (Go on arm64; amd64 wraps)", () => {
    // 1 B/s, 5000 B: 5e9 us does not fit a uint32
    expect(tbfParams(8, 40_000, 25, TICK).buffer).toBe(0xffff_ffff);
  });

  it("tbfParams: buffer ticks beyond 2^32 -> saturates at 2^32-1", () => {
    // 1 B/s, 500 B: 5e8 us fits, 7.8e9 ticks do not
    expect(tbfParams(8, 4_000, 25, TICK).buffer).toBe(0xffff_ffff);
  });

  it.each([
    // containerd's CRI burst for the Kubernetes annotations: 4294967295 bits = 536870911 B
    { rate: 1_000_000, burst: 0xffff_ffff, limit: 3_125 + 536_870_911 },
    { rate: 10_000_000, burst: 0xffff_ffff, limit: 31_250 + 536_870_911 },
    // CRI-O's 8 * (2^32-1) - 1 bits = 4294967294 B: queue + burst saturates instead of wrapping
    { rate: 1_000_000, burst: 8 * 0xffff_ffff - 1, limit: 0xffff_ffff },
  ])("tbfParams: rate $rate, runtime burst $burst -> buffer and limit saturate", ({ rate, burst, limit }) => {
    const p = tbfParams(rate, burst, DEFAULT_LATENCY_MS, TICK);
    expect(p).toEqual({ rate: rate / 8, buffer: 0xffff_ffff, limit });
  });

  it("tbfParams: 4 GB/s with older CRI-O's 8 * (2^32-1) bits -> 1 s buffer, limit saturates", () => {
    expect(tbfParams(8 * 0xffff_ffff, 8 * 0xffff_ffff, DEFAULT_LATENCY_MS, TICK)).toEqual({ rate: 0xffff_ffff, buffer: 15_625_000, limit: 0xffff_ffff });
  });

  it("limitBytes: queue plus burst beyond 2^32 -> 2^32-1 (Go wraps the u32 sum)", () => {
    expect(limitBytes(0x1_0000_0000 * 40, 25_000, 0xffff_fffe)).toBe(0xffff_ffff);
  });
});

describe("clampedBufferTicks", () => {
  it.each([
    [156_250, 156_250],
    [0x3ff_ffff, 0x3ff_ffff], // 2^26 - 1 ticks: 2^32 - 64 ns, kept
    [0x400_0000, 0x3ff_ffff], // 2^26 ticks: 2^32 ns, clamped to 2^32 - 1 ns
    [0xffff_ffff, 0x3ff_ffff],
  ])("clampedBufferTicks(%d) -> %d", (ticks, want) => {
    expect(clampedBufferTicks(ticks)).toBe(want);
  });
});

describe("helpers", () => {
  it("latencyInUsec: 25 ms -> 25000 us exactly", () => {
    expect(latencyInUsec(25)).toBe(25_000);
  });

  it("bufferTicks: truncates the time before scaling (as time2Tick(uint32(...)))", () => {
    // 1 B at 3 B/s = 333333.33 us -> 333333 us -> 5208328.125 ticks -> 5208328
    expect(bufferTicks(3, 1, TICK)).toBe(5_208_328);
  });
});
