import { describe, expect, it } from "vitest";
import { jumpsTo, legacyMasqChains, legacyPortmapChains, splitRuleLine } from "../../../../shared/firewall/iptables-legacy.ts";

// `iptables -t nat -S` after the reference bridge 1.1.1 ADD (net mynet, id abc123, ipMasq) in a netns.
const NAT_S = `-P PREROUTING ACCEPT
-P INPUT ACCEPT
-P OUTPUT ACCEPT
-P POSTROUTING ACCEPT
-N CNI-70a29d9dc18bc4d652ea5d59
-A POSTROUTING -s 10.88.0.2/32 -m comment --comment "name: \\"mynet\\" id: \\"abc123\\"" -j CNI-70a29d9dc18bc4d652ea5d59
-A POSTROUTING -s 10.88.0.9/32 -j CNI-0000000000000000000000000
-A CNI-70a29d9dc18bc4d652ea5d59 -d 10.88.0.0/24 -m comment --comment "name: \\"mynet\\" id: \\"abc123\\"" -j ACCEPT
`;

describe("splitRuleLine", () => {
  it("split: quoted comment with escaped quotes -> one argument, unescaped", () => {
    const line = NAT_S.split("\n")[5] as string;
    expect(splitRuleLine(line)).toEqual([
      "-A", "POSTROUTING", "-s", "10.88.0.2/32", "-m", "comment", "--comment", 'name: "mynet" id: "abc123"',
      "-j", "CNI-70a29d9dc18bc4d652ea5d59",
    ]);
  });
  it("split: empty quoted string -> an empty argument", () => {
    expect(splitRuleLine('-A X --comment "" -j Y')).toEqual(["-A", "X", "--comment", "", "-j", "Y"]);
  });
});

describe("jumpsTo", () => {
  it("find: POSTROUTING listing -> only the rule jumping to our chain, as a -D spec", () => {
    const chain = legacyMasqChains("mynet", "abc123")[0]?.chain as string;
    const specs = jumpsTo(NAT_S, "POSTROUTING", chain);
    expect(specs).toHaveLength(1);
    expect(specs[0]?.slice(0, 2)).toEqual(["-s", "10.88.0.2/32"]);
    expect(specs[0]?.at(-1)).toBe(chain);
  });
  it("find: chain only named inside a comment -> not a jump", () => {
    expect(jumpsTo('-A POSTROUTING -m comment --comment "-j CNI-X" -j ACCEPT', "POSTROUTING", "CNI-X")).toEqual([]);
  });
});

describe("legacy chain sets", () => {
  it("portmap: -> CNI-DN- from CNI-HOSTPORT-DNAT and old CNI-SN- from CNI-HOSTPORT-SNAT", () => {
    const [dn, sn] = legacyPortmapChains("mynet", "abc123");
    expect(dn?.chain.startsWith("CNI-DN-")).toBe(true);
    expect(dn?.entryChains).toEqual(["CNI-HOSTPORT-DNAT"]);
    expect(sn?.chain.startsWith("CNI-SN-")).toBe(true);
    expect(sn?.entryChains).toEqual(["CNI-HOSTPORT-SNAT"]);
  });
});
