import { describe, expect, it } from "vitest";
import { CniError } from "../../../../../shared/cni/errors.ts";
import type { NetConf } from "../../../../../shared/cni/plugin.ts";
import type { Result } from "../../../../../shared/cni/types.ts";
import { checkHostIPFamilies, containerAddresses, parseConfig } from "../../../../../plugins/meta/portmap/config.ts";
import { code7 } from "../../../cni-error.ts";

function conf(keys: Record<string, unknown>, portMappings?: unknown): NetConf {
  const raw = { cniVersion: "1.0.0", name: "net1", type: "portmap", runtimeConfig: portMappings === undefined ? {} : { portMappings }, ...keys };
  return { cniVersion: "1.0.0", name: "net1", type: "portmap", raw };
}

describe("parseConfig", () => {
  it("parse: no keys -> reference defaults (snat on, masqAll off, mark bit 13, no mappings)", () => {
    const c = parseConfig(conf({}));
    expect(c).toMatchObject({ snat: true, masqAll: false, markMasqBit: 13, mappings: [], conditionsV4: [], backend: undefined });
  });

  it("parse: protocol in any case -> lower-case; hostIP kept", () => {
    const c = parseConfig(conf({}, [{ hostPort: 80, containerPort: 8080, protocol: "UDP", hostIP: "10.0.0.1" }, { hostPort: 81, containerPort: 81, protocol: "Tcp" }]));
    expect(c.mappings).toEqual([
      { hostPort: 80, containerPort: 8080, protocol: "udp", hostIP: "10.0.0.1" },
      { hostPort: 81, containerPort: 81, protocol: "tcp" },
    ]);
  });

  it.each([
    ["unknown protocol", [{ hostPort: 80, containerPort: 80, protocol: "icmp" }], /unsupported protocol "icmp"/],
    ["missing protocol (the reference fails too)", [{ hostPort: 80, containerPort: 80 }], /runtimeConfig.portMappings\[0\].protocol: missing protocol \(tcp, udp or sctp\)$/],
    ["empty protocol", [{ hostPort: 80, containerPort: 80, protocol: "" }], /portMappings\[0\].protocol: missing protocol/],
    ["null protocol", [{ hostPort: 80, containerPort: 80, protocol: null }], /portMappings\[0\].protocol: missing protocol/],
    ["host port 0", [{ hostPort: 0, containerPort: 80, protocol: "tcp" }], /Invalid host port number: 0/],
    ["host port 70000", [{ hostPort: 70000, containerPort: 80, protocol: "tcp" }], /Invalid host port number: 70000/],
    ["negative container port", [{ hostPort: 80, containerPort: -1 }], /Invalid container port number: -1/],
    ["fractional port", [{ hostPort: 80.5, containerPort: 80 }], /runtimeConfig.portMappings\[0\].hostPort: expected an integer, got 80.5/],
    ["string port", [{ hostPort: "80", containerPort: 80 }], /runtimeConfig.portMappings\[0\].hostPort: expected an integer, got "80"/],
    ["hostIP not an IP", [{ hostPort: 80, containerPort: 80, hostIP: "example.com" }], /invalid hostIP "example.com"/],
    ["mapping not an object", [42], /portMappings\[0\]: expected an object/],
    ["portMappings not an array", { hostPort: 80 }, /expected an array/],
  ])("parse: %s -> error 7", (_name, mappings, msg) => {
    expect(code7(() => parseConfig(conf({}, mappings)))).toMatch(msg);
  });

  it.each([
    ["markMasqBit 40", { markMasqBit: 40 }, /MasqMarkBit must be between 0 and 31/],
    ["markMasqBit -1", { markMasqBit: -1 }, /MasqMarkBit must be between 0 and 31/],
    ["markMasqBit with externalSetMarkChain", { markMasqBit: 5, externalSetMarkChain: "KUBE-MARK-MASQ" }, /Cannot specify externalSetMarkChain and markMasqBit/],
    ["externalSetMarkChain with backend nftables", { externalSetMarkChain: "X", backend: "nftables" }, /iptables-specific options \[externalSetMarkChain\]/],
    ["unknown backend", { backend: "ebpf" }, /unrecognized backend "ebpf"/],
    ["iptables-syntax conditionsV4", { conditionsV4: ["-s", "10.0.0.0/8"] }, /conditionsV4 are in iptables syntax/],
    ["iptables-syntax negation", { conditionsV6: ["!", "-d", "fd00::/8"] }, /conditionsV6 are in iptables syntax/],
    ["snat not a boolean", { snat: "yes" }, /snat: expected a boolean/],
  ])("parse: %s -> error 7", (_name, keys, msg) => {
    expect(code7(() => parseConfig(conf(keys)))).toMatch(msg);
  });

  it("parse: nft conditions, backend iptables, case-insensitive keys -> accepted", () => {
    const c = parseConfig(conf({ ConditionsV4: ["ip saddr != 10.0.0.0/8"], backend: "iptables", SNAT: false }));
    expect(c).toMatchObject({ conditionsV4: ["ip saddr != 10.0.0.0/8"], backend: "iptables", snat: false });
  });

  it("parse: containerd CRI's capitalised portMappings (HostPort, ContainerPort, Protocol, HostIP) -> read", () => {
    const c = parseConfig(conf({}, [{ HostPort: 8080, ContainerPort: 80, Protocol: "tcp", HostIP: "" }, { HostPort: 53, ContainerPort: 53, Protocol: "UDP", HostIP: "127.0.0.1" }]));
    expect(c.mappings).toEqual([
      { hostPort: 8080, containerPort: 80, protocol: "tcp" },
      { hostPort: 53, containerPort: 53, protocol: "udp", hostIP: "127.0.0.1" },
    ]);
    expect(parseConfig(conf({ RuntimeConfig: { PortMappings: [{ hostPort: 81, containerPort: 80, protocol: "tcp" }] } })).mappings).toHaveLength(1);
  });

  it("parse: count-only (DEL) -> invalid mapping content ignored, count kept", () => {
    expect(parseConfig(conf({}, [{ hostPort: 0 }, { protocol: "bogus" }]), "count-only").mappings).toHaveLength(2);
  });
});

describe("containerAddresses", () => {
  const prev: Result = {
    cniVersion: "1.1.0",
    interfaces: [{ name: "cni0" }, { name: "veth1" }, { name: "eth0", sandbox: "/run/netns/p" }, { name: "net1", sandbox: "/run/netns/p" }],
    ips: [
      { address: "10.0.0.1/24", interface: 0 },
      { address: "10.1.0.5/24", interface: 3 },
      { address: "10.88.0.5/16", interface: 2 },
      { address: "10.88.0.6/16", interface: 2 },
      { address: "fd00::5/64" },
    ],
  };

  it("addresses: host-side and other-ifname IPs skipped; first per family; no index = container", () => {
    expect(containerAddresses(prev, "eth0")).toEqual([{ ip: "10.88.0.5", family: 4 }, { ip: "fd00::5", family: 6 }]);
  });

  it("hostIP family: v6 hostIP with a v4-only container -> error 7; with dual stack -> accepted", () => {
    const m = [{ hostPort: 80, containerPort: 80, protocol: "tcp" as const, hostIP: "::1" }];
    expect(code7(() => checkHostIPFamilies(m, [{ ip: "10.0.0.2", family: 4 }]))).toMatch(/hostIP ::1 is IPv6 but the container has no IPv6/);
    expect(() => checkHostIPFamilies(m, [{ ip: "10.0.0.2", family: 4 }, { ip: "fd00::2", family: 6 }])).not.toThrow();
  });
});
