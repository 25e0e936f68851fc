import { describe, expect, it } from "vitest";
import { vlanRanges } from "../../../../../plugins/main/bridge/port.ts";

describe("vlanRanges", () => {
  it("ranges: none -> none", () => {
    expect(vlanRanges([])).toEqual([]);
  });

  it("ranges: one id -> a one-id range", () => {
    expect(vlanRanges([7])).toEqual([[7, 7]]);
  });

  it("ranges: sorted ids with gaps -> consecutive runs", () => {
    expect(vlanRanges([1, 2, 3, 5, 7, 8, 4094])).toEqual([
      [1, 3],
      [5, 5],
      [7, 8],
      [4094, 4094],
    ]);
  });

  it("ranges: the whole VLAN space -> one range", () => {
    expect(vlanRanges(Array.from({ length: 4094 }, (_, i) => i + 1))).toEqual([[1, 4094]]);
  });
});
