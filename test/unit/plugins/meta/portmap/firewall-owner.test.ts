// The network-tagged ownership added to shared/firewall/portmap.ts for this plugin (DEL and GC scoped
// to one network), over the scripted NftRunner of the firewall tests.
import { describe, expect, it } from "vitest";
import { gcPortForward, setupPortForward, teardownPortForward } from "../../../../../shared/firewall/portmap.ts";
import { commentId, commentIdPrefix, networkTag, ownerComment, ownerOf } from "../../../../../shared/firewall/portmap-rules.ts";
import type { NftElementInfo } from "../../../../../shared/firewall/types.ts";
import { fakeNft, mapElem } from "../../../shared/firewall/fake-nft.ts";

const tagA = `ctrA net:${networkTag("netA")}`;
const tagB = `ctrA net:${networkTag("netB")}`;

const T = "ip cni_hostport";
function lists(elem: NftElementInfo[]) {
  return {
    sets: {
      [`${T} tscni_hostports`]: elem,
      [`${T} tscni_hostip_hostports`]: [],
      [`${T} tscni_hairpin`]: [],
      [`${T} tscni_localhost`]: [],
      [`${T} tscni_masq_all`]: [],
    },
  };
}
const held = (port: number, comment: string) => mapElem(["tcp", port], ["10.88.0.3", 80], comment);

describe("portmap ownership by network", () => {
  it("owner comment: network given -> '<cid> net:<hash16>'; parsed back; over 128 bytes -> bare ID", () => {
    expect(ownerComment("ctrA", "netA")).toBe(tagA);
    expect(ownerOf(tagA)).toEqual({ containerId: "ctrA", networkTag: networkTag("netA") });
    expect(ownerOf("ctrA")).toEqual({ containerId: "ctrA", networkTag: undefined });
    expect(ownerComment("c".repeat(120), "netA")).toBe("c".repeat(120));
  });

  it("owner comment: container ID over 128 characters -> 111 characters + '~' + hash16, distinct per ID, fits 128", () => {
    const a = `${"a".repeat(150)}1`;
    const b = `${"a".repeat(150)}2`;
    expect(commentId(a)).toHaveLength(128);
    expect(commentId(a)).toMatch(/^a{111}~[0-9a-f]{16}$/);
    expect(commentId(a)).not.toBe(commentId(b));
    expect(commentId(a).startsWith(commentIdPrefix(a))).toBe(true);
    expect(ownerComment(a, "netA")).toBe(commentId(a));
    expect(commentId("c".repeat(128))).toBe("c".repeat(128));
  });

  it("teardown of a container ID over 128 characters -> its elements (by encoded ID) removed, a sibling's kept", () => {
    const a = `${"a".repeat(150)}1`;
    const b = `${"a".repeat(150)}2`;
    const nft = fakeNft(lists([held(8080, commentId(a)), held(8081, commentId(b))]));
    teardownPortForward(nft, a, "netA");
    expect(nft.runs.at(-1)).toBe("delete element ip cni_hostport tscni_hostports { tcp . 8080 }");
  });

  it("setup with network -> elements carry the network-tagged comment", () => {
    const nft = fakeNft();
    setupPortForward(nft, { containerId: "ctrA", containerIPs: ["10.88.0.3"], mappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }], snat: false, masqAll: false }, "netA");
    expect(nft.runs[0]).toContain(`create element ip cni_hostport tscni_hostports { tcp . 8080 comment "${tagA}" : 10.88.0.3 . 80 }`);
  });

  it("teardown netA: same container on netB and untagged -> netA's and untagged removed, netB's kept", () => {
    const nft = fakeNft(lists([held(8080, tagA), held(8081, tagB), held(8082, "ctrA"), held(8083, "ctrZ")]));
    teardownPortForward(nft, "ctrA", "netA");
    expect(nft.runs).toEqual(["delete element ip cni_hostport tscni_hostports { tcp . 8080 }\ndelete element ip cni_hostport tscni_hostports { tcp . 8082 }"]);
  });

  it("gc netA, valid {ctrB}: stale netA entries removed; netB and untagged entries untouched", () => {
    const elems = [held(8080, tagA), held(8081, tagB), held(8082, "ctrA"), held(8083, `ctrB net:${networkTag("netA")}`)];
    const nft = fakeNft(lists(elems));
    gcPortForward(nft, "netA", new Set(["ctrB"]));
    expect(nft.runs).toEqual(["delete element ip cni_hostport tscni_hostports { tcp . 8080 }"]);
  });

  it("gc: nothing stale -> no nft transaction", () => {
    const nft = fakeNft(lists([held(8083, `ctrB net:${networkTag("netA")}`)]));
    gcPortForward(nft, "netA", new Set(["ctrB"]));
    expect(nft.runs).toEqual([]);
  });
});
