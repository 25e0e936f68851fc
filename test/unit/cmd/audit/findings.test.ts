import { describe, expect, it } from "vitest";
import { allocationOrphans, linkOrphans, netnsGone, nftOrphans } from "../../../../cmd/audit/findings.ts";
import { formatFindings } from "../../../../cmd/audit/table.ts";
import type { NodeRecords } from "../../../../cmd/endpoints/collect.ts";
import { endpointFromCache } from "../../../../cmd/endpoints/model.ts";
import type { CachedAttachment } from "../../../../cmd/run/cache.ts";
import { ifbDeviceName } from "../../../../plugins/meta/bandwidth/config.ts";
import { parseIP } from "../../../../shared/ip/index.ts";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const cached = (id: string, netns = `/run/netns/${id}`): CachedAttachment => ({
  containerId: id, ifName: "eth0", networkName: "n", netns, cniArgs: [], capabilityArgs: {},
  config: enc({ cniVersion: "1.0.0", name: "n", plugins: [{ type: "bridge", bridge: "br0" }] }),
  result: { cniVersion: "1.0.0", interfaces: [{ name: "br0" }, { name: `veth-${id}` }, { name: "eth0", sandbox: netns }], ips: [{ address: "10.0.0.2/24" }] },
});
const records = (c: CachedAttachment[], allocs: Array<[string, string, string?]> = []): NodeRecords => ({
  cached: c,
  stores: [{ network: "n", dataDir: "/d", allocations: allocs.map(([ip, id, ifname]) => ({ ip: parseIP(ip)!, file: `/d/n/${ip}`, containerId: id, ...(ifname !== undefined && { ifname }) })) }],
  endpoints: c.map(endpointFromCache),
});

describe("audit findings", () => {
  it("netnsGone: a cached netns path that does not exist; an empty netns is not judged", () => {
    const f = netnsGone([cached("a"), cached("b"), cached("c", "")], (p) => p === "/run/netns/a");
    expect(f.map((x) => [x.kind, x.containerId, x.object])).toEqual([["netns-gone", "b", "/run/netns/b"]]);
  });

  it("allocationOrphans: held by a cached attachment (or legacy cid) -> fine; unknown holder or empty file -> orphan", () => {
    const f = allocationOrphans(records([cached("a")], [["10.0.0.2", "a", "eth0"], ["10.0.0.3", "a"], ["10.0.0.4", "x", "eth0"], ["10.0.0.5", ""], ["10.0.0.6", "a", "net1"]]));
    expect(f.map((x) => [x.object, x.detail])).toEqual([
      ["/d/n/10.0.0.4", "10.0.0.4 is held by an attachment no runtime record names"],
      ["/d/n/10.0.0.5", "empty allocation file for 10.0.0.5"],
      ["/d/n/10.0.0.6", "10.0.0.6 is held by an attachment no runtime record names"],
    ]);
  });

  it("linkOrphans: ifb and bridge veth of no cached attachment; other bridges' veths and foreign ifbs ignored", () => {
    const links = [
      { name: "br0", ifindex: 1, kind: "bridge" }, { name: "other", ifindex: 2, kind: "bridge" },
      { name: "veth-a", ifindex: 3, kind: "veth", master: 1 }, { name: "veth-z", ifindex: 4, kind: "veth", master: 1 },
      { name: "veth-y", ifindex: 5, kind: "veth", master: 2 }, { name: "veth-p", ifindex: 6, kind: "veth" },
      { name: ifbDeviceName("n", "a"), ifindex: 7, kind: "ifb" }, { name: ifbDeviceName("n", "gone"), ifindex: 8, kind: "ifb" }, { name: "ifb0", ifindex: 9, kind: "ifb" },
    ];
    const f = linkOrphans(records([cached("a")]), links);
    expect(f.map((x) => [x.kind, x.object, x.network])).toEqual([["veth-orphan", "veth-z", "n"], ["ifb-orphan", ifbDeviceName("n", "gone"), ""]]);
  });

  it("nftOrphans: one finding per recorded delete command", () => {
    expect(nftOrphans("n", ["delete element inet t m { 1 }\ndelete rule inet t c handle 5\n", "add table inet x"]).map((f) => f.object)).toEqual([
      "delete element inet t m { 1 }", "delete rule inet t c handle 5",
    ]);
  });

  it("formatFindings: 'no findings'; a RESULT column with --fix", () => {
    expect(formatFindings([], false)).toBe("no findings\n");
    const f = netnsGone([cached("b")], () => false);
    expect(formatFindings(f, true)).toBe(
      "KIND        NETWORK  CONTAINER  IFNAME  OBJECT        DETAIL                                                  RESULT\n" +
      "netns-gone  n        b          eth0    /run/netns/b  the attachment's netns no longer exists; DEL never ran  failed: not fixable\n",
    );
  });
});
