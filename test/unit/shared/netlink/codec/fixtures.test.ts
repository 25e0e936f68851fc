import { describe, expect, it } from "vitest";
import { decodeFixture } from "../../../../fixtures/netlink/decode-fixture.ts";
import { fixtureNames, loadFixture } from "../fixtures.ts";

// rtnetlink link/addr/route and control-message fixtures (tc-* belong to the tc codec's tests).
const PREFIXES = ["link-", "addr-", "route-", "error-", "done-", "ack-"];
const names = fixtureNames().filter((n) => PREFIXES.some((p) => n.startsWith(p)));

describe("kernel fixtures", () => {
  it("inventory: capture-fixtures output present -> links, addresses, routes, errors and done", () => {
    for (const prefix of PREFIXES) {
      expect(names.some((n) => n.startsWith(prefix)), prefix).toBe(true);
    }
  });

  it.each(names)("decode: %s.bin -> equals %s.json", (name) => {
    const f = loadFixture(name);
    expect(decodeFixture(f.bytes)).toEqual(f.expected);
  });
});
