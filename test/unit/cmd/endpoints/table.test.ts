import { describe, expect, it } from "vitest";
import { endpointFromCache, withAllocations } from "../../../../cmd/endpoints/model.ts";
import { formatRate, formatTable } from "../../../../cmd/endpoints/table.ts";
import { parseIP } from "../../../../shared/ip/index.ts";

describe("formatRate", () => {
  it.each([[8_000_000, "8Mbit"], [1_500_000_000, "1.5Gbit"], [64_000, "64Kbit"], [999, "999bit"], [12_345_678, "12.35Mbit"]])("%d -> %s", (bits, text) => {
    expect(formatRate(bits)).toBe(text);
  });
});

describe("formatTable", () => {
  it("rows aligned under the header, long IDs cut to 12, empty cells '-', IPv6 host IP bracketed", () => {
    const e = endpointFromCache({
      containerId: "0123456789abcdef0123", ifName: "eth0", networkName: "n", netns: "/p", cniArgs: [],
      capabilityArgs: { portMappings: [{ hostPort: 80, containerPort: 8080, protocol: "udp", hostIP: "fd00::1" }] },
      config: new TextEncoder().encode(JSON.stringify({ name: "n", cniVersion: "1.0.0", plugins: [{ type: "macvlan", capabilities: { portMappings: true } }] })),
      result: { cniVersion: "1.0.0", interfaces: [{ name: "eth0", sandbox: "/p" }], ips: [{ address: "fd00::5/64" }] },
    });
    const lone = withAllocations([], [{ network: "m", dataDir: "/d", allocations: [{ ip: parseIP("10.0.0.2")!, file: "/d/m/10.0.0.2", containerId: "x", ifname: "eth1" }] }]);
    expect(formatTable([e, ...lone])).toBe(
      "NETWORK  CONTAINER     IFNAME  IPS         HOST-IF  PORTS                   SHAPING  PLUGINS       SOURCE\n" +
      "n        0123456789ab  eth0    fd00::5/64  -        [fd00::1]:80->8080/udp  -        macvlan       cache\n" +
      "m        x             eth1    10.0.0.2    -        -                       -        (host-local)  ipam\n",
    );
  });
});
