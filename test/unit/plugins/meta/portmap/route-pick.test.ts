import { describe, expect, it } from "vitest";
import type { Route } from "../../../../../shared/netlink/codec/route.ts";
import { AF_INET } from "../../../../../shared/ip/index.ts";
import { routeOifFor } from "../../../../../plugins/meta/portmap/route-pick.ts";

const r = (dst: string | undefined, dstLen: number, oif: number, extra: Partial<Route> = {}): Route => ({
  family: AF_INET, dstLen, srcLen: 0, tos: 0, table: 254, protocol: 4, scope: 0, type: 1, flags: 0, oif, ...(dst ? { dst } : {}), ...extra,
});

describe("routeOifFor", () => {
  it("pick: bridge subnet beats the default route -> bridge ifindex", () => {
    expect(routeOifFor([r(undefined, 0, 2), r("10.88.0.0", 16, 7)], "10.88.3.4")).toBe(7);
  });
  it("pick: longer prefix wins; equal prefix -> lower metric", () => {
    expect(routeOifFor([r("10.0.0.0", 8, 3), r("10.88.0.0", 16, 4), r("10.88.0.0", 24, 5)], "10.88.0.9")).toBe(5);
    expect(routeOifFor([r("10.88.0.0", 16, 4, { priority: 100 }), r("10.88.0.0", 16, 5, { priority: 10 })], "10.88.0.9")).toBe(5);
  });
  it("pick: no matching unicast route -> undefined (route_localnet skipped, as the reference)", () => {
    expect(routeOifFor([r("10.1.0.0", 16, 4), r("10.88.0.0", 16, 5, { type: 7 })], "10.88.0.9")).toBeUndefined();
  });
  it("pick: non-byte prefix boundary -> matched by bits", () => {
    expect(routeOifFor([r("10.88.0.128", 25, 9)], "10.88.0.200")).toBe(9);
    expect(routeOifFor([r("10.88.0.128", 25, 9)], "10.88.0.100")).toBeUndefined();
  });
});
