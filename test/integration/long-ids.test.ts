// Legal but unusual identifiers through a whole chain (issue 10, defect 4): container IDs and network
// names longer than 128 characters and interface names with non-ASCII, `"` and `\` used to make ADD fail
// with 999 (nft comment validation) and DEL fail forever, so libcni never reached bridge's DEL and the
// veth and IP leaked. Now: ADD, CHECK and DEL succeed, the rules are really written, nothing is left.
import { afterAll, describe, expect, it } from "vitest";
import { hasBinary, isRoot, nftRules, nftRuleset } from "./bridge-world.ts";
import { createNetns, deleteAllNetns, expectOk, runPluginSync, tempDir, type TestNetns } from "./harness.ts";

afterAll(deleteAllNetns);

type Json = Record<string, any>;

const LONG_ID = `c${"0123456789abcdef".repeat(12)}-x.y_z`; // 199 characters
const LONG_NET = `n${"long-network-name.".repeat(8)}end`; // 148 characters
// 15 bytes: UTF-8 (é ü, no 0xa0 byte, which the kernel counts as a space), a double quote, a backslash
const ODD_IFNAME = 'e"t\\hé-ü9';

interface Case {
  readonly title: string;
  readonly cid: string;
  readonly net: string;
  readonly ifname: string;
}

const CASES: Case[] = [
  { title: "container ID of 199 characters", cid: LONG_ID, net: "shortnet", ifname: "eth0" },
  { title: "network name of 148 characters", cid: "ctr-long-net", net: LONG_NET, ifname: "eth0" },
  { title: 'interface name with non-ASCII, " and \\', cid: "ctr-odd-if", net: "shortnet", ifname: ODD_IFNAME },
  { title: "all three at once", cid: `${LONG_ID}2`, net: `${LONG_NET}2`, ifname: ODD_IFNAME },
];

function mainConf(type: string, c: Case, dataDir: string): Json {
  const ipam = { type: "host-local", dataDir, ranges: [[{ subnet: "10.77.0.0/24" }]] };
  const keys = type === "bridge" ? { bridge: "lidbr0", isGateway: true } : {};
  return { cniVersion: "1.0.0", name: c.net, type, ipMasq: true, ...keys, ipam };
}

function portmapConf(c: Case, prevResult?: Json): Json {
  const runtimeConfig = { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }] };
  return { cniVersion: "1.0.0", name: c.net, type: "portmap", runtimeConfig, ...(prevResult ? { prevResult } : {}) };
}

/** The nft element lines of tscni's portmap maps (the DNAT entries) as `nft list` prints them. */
function portmapElements(node: TestNetns): string {
  return node.exec("nft", ["list", "table", "ip", "cni_hostport"], { allowFail: true });
}

const masqRules = (node: TestNetns): Json[] => nftRules(node).filter((r) => r.table === "cni_plugins_masquerade" && r.chain === "masq_checks");

describe.skipIf(!isRoot || !hasBinary)("unusual but legal identifiers through bridge/ptp (ipMasq) + portmap", () => {
  for (const type of ["bridge", "ptp"]) {
    for (const c of CASES) {
      it(`${type} + portmap: ${c.title} -> ADD, CHECK, DEL succeed, rules written then gone, no residue`, () => {
        const node = createNetns("lid");
        const pod = createNetns("lidp");
        const data = tempDir("lid");
        try {
          const call = (plugin: string, command: string, config: Json) =>
            runPluginSync({ plugin, command, config, containerId: c.cid, netns: pod.path, ifname: c.ifname, node });
          const main = mainConf(type, c, data.path);
          const r1 = expectOk(call(type, "ADD", main));
          const r2 = expectOk(call("portmap", "ADD", portmapConf(c, r1)));
          const podIp = String(r1.ips[0].address).split("/")[0];
          expect(pod.ipJson(["addr", "show", "dev", c.ifname])[0].ifname).toBe(c.ifname);
          expect(masqRules(node).length).toBe(1);
          expect(portmapElements(node)).toContain(`${podIp} . 80`);
          expectOk(call("portmap", "CHECK", portmapConf(c, r2)));
          expectOk(call(type, "CHECK", { ...main, prevResult: r2 }));
          // DEL in libcni's order; then once more (idempotent)
          for (let i = 0; i < 2; i++) {
            expectOk(call("portmap", "DEL", portmapConf(c, r2)));
            expectOk(call(type, "DEL", { ...main, prevResult: r2 }));
          }
          expect(masqRules(node)).toEqual([]);
          expect(portmapElements(node)).not.toContain(`${podIp} . 80`);
          const left = node.ipJson(["link", "show"]).map((l: Json) => l.ifname).filter((n: string) => n !== "lo" && n !== "lidbr0");
          expect(left).toEqual([]);
          const held = node.exec("sh", ["-c", `ls -A '${data.path}/${c.net}' 2>/dev/null || true`]).split("\n").filter((f) => /^\d/.test(f));
          expect(held).toEqual([]);
        } finally {
          pod.delete();
          node.delete();
          data.remove();
        }
      });
    }
  }
});

/** The bridge nat table's macspoofchk jumps (comment) and per-attachment chains (name). */
function spoofState(node: TestNetns): { jumps: string[]; chains: string[] } {
  const jumps = nftRules(node).filter((r) => r.family === "bridge" && r.chain === "PREROUTING").map((r) => String(r.comment));
  const chains = nftRuleset(node).filter((i) => i.chain?.family === "bridge" && i.chain.name !== "PREROUTING").map((i) => String(i.chain.name));
  return { jumps, chains };
}

describe.skipIf(!isRoot || !hasBinary)("unusual but legal identifiers through bridge macspoofchk (issue 10, defect 4/5)", () => {
  for (const c of CASES) {
    it(`bridge macspoofchk: ${c.title} -> ADD, CHECK, GC (kept while valid, removed when not), DEL succeed`, () => {
      const node = createNetns("lsp");
      const pod = createNetns("lspp");
      const data = tempDir("lsp");
      try {
        const call = (command: string, config: Json, cid = c.cid) => runPluginSync({ plugin: "bridge", command, config, containerId: cid, netns: pod.path, ifname: c.ifname, node });
        const conf = { ...mainConf("bridge", c, data.path), ipMasq: false, macspoofchk: true, cniVersion: "1.1.0" };
        const gc = (valid: Json[]) => expectOk(runPluginSync({ plugin: "bridge", command: "GC", config: { ...conf, "cni.dev/valid-attachments": valid }, node, env: { CNI_CONTAINERID: undefined, CNI_IFNAME: undefined } }));
        const r = expectOk(call("ADD", conf));
        const s = spoofState(node);
        expect(s.jumps).toHaveLength(1);
        expect(s.jumps[0]).toMatch(/^macspoofchk-[0-9a-f]{16}-[0-9a-f]{16}, net: /);
        expect(new TextEncoder().encode(s.jumps[0]!).length).toBeLessThanOrEqual(128);
        expect(s.chains).toEqual([expect.stringMatching(/^cni-br-iface-[0-9a-f]{16}-[0-9a-f]{16}$/)]);
        expectOk(call("CHECK", { ...conf, prevResult: r }));
        gc([{ containerID: c.cid, ifname: c.ifname }]);
        expect(spoofState(node)).toEqual(s);
        gc([]);
        expect(spoofState(node)).toEqual({ jumps: [], chains: [] });
        expect(call("CHECK", { ...conf, prevResult: r }).code).not.toBe(0);
        for (let i = 0; i < 2; i++) expectOk(call("DEL", { ...conf, prevResult: r }));
        const r2 = expectOk(call("ADD", conf, `${c.cid}b`));
        expect(spoofState(node).jumps).toHaveLength(1);
        expectOk(call("DEL", { ...conf, prevResult: r2 }, `${c.cid}b`));
        expect(spoofState(node)).toEqual({ jumps: [], chains: [] });
        const left = node.ipJson(["link", "show"]).map((l: Json) => l.ifname).filter((n: string) => n !== "lo" && n !== "lidbr0");
        expect(left).toEqual([]);
      } finally {
        pod.delete();
        node.delete();
        data.remove();
      }
    });
  }
});
