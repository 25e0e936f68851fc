import { describe, expect, it } from "vitest";
import { randomHex, sha512Hex } from "../../../shared/hash.ts";

describe("hash", () => {
  it("sha512Hex: known vector (sha512 of 'abc')", () => {
    expect(sha512Hex("abc")).toBe(
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    );
  });

  it("randomHex: n bytes -> 2n lowercase hex chars, not constant", () => {
    const a = randomHex(4);
    expect(a).toMatch(/^[0-9a-f]{8}$/);
    const seen = new Set(Array.from({ length: 20 }, () => randomHex(4)));
    expect(seen.size).toBeGreaterThan(15);
  });
});
