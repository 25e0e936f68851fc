// Deterministic pseudo-random numbers for fuzz and oracle tests: a failure reproduces with its seed.

/** xorshift32 -> [0, 1). */
export function rng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}
