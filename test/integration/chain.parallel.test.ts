// Many pods at once on a fresh node, through the whole chain (bridge+host-local with ipMasq ->
// portmap -> bandwidth), as a busy node's runtime does: racing creators of the bridge, the nft tables
// and the IPAM store must all succeed, and parallel DELs must leave nothing behind.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createNetns, deleteAllNetns, expectOk, runPlugin, tempDir, type TestNetns } from "./harness.ts";

afterAll(deleteAllNetns);

const PODS = 20;

function plugins(dataDir: string) {
  return [
    { type: "bridge", bridge: "tscni-par0", isGateway: true, ipMasq: true, hairpinMode: true,
      ipam: { type: "host-local", ranges: [[{ subnet: "10.66.0.0/16" }], [{ subnet: "fd66::/64" }]], routes: [{ dst: "0.0.0.0/0" }], dataDir } },
    { type: "portmap", capabilities: { portMappings: true }, snat: true },
    { type: "bandwidth", capabilities: { bandwidth: true } },
  ];
}

function runtimeConfig(i: number) {
  return {
    portMappings: [
      { hostPort: 30000 + i, containerPort: 80, protocol: "tcp" },
      { hostPort: 31000 + i, containerPort: 53, protocol: "udp" },
    ],
    bandwidth: { ingressRate: 1_000_000, ingressBurst: 100_000, egressRate: 1_000_000, egressBurst: 100_000 },
  };
}

/** ADD in order feeding prevResult, DEL in reverse with the final result: what libcni does. */
async function chain(verb: "ADD" | "DEL", node: TestNetns, pod: TestNetns, i: number, dataDir: string, prev?: unknown) {
  const list = verb === "ADD" ? plugins(dataDir) : plugins(dataDir).reverse();
  let result = prev;
  for (const p of list) {
    const config: Record<string, unknown> = { cniVersion: "1.0.0", name: "parnet", ...p };
    if (result) config.prevResult = result;
    if (p.capabilities) config.runtimeConfig = p.type === "portmap" ? { portMappings: runtimeConfig(i).portMappings } : { bandwidth: runtimeConfig(i).bandwidth };
    const out = expectOk(await runPlugin({ plugin: p.type, command: verb, node, netns: pod.path, containerId: `par${i}`, config }));
    if (verb === "ADD") result = out;
  }
  return result;
}

describe("chain in parallel", () => {
  it(`add x${PODS} in parallel on a fresh node -> all succeed; del x${PODS} in parallel -> nothing left`, async () => {
    const node = createNetns("par");
    const pods = Array.from({ length: PODS }, () => createNetns("parp"));
    const dir = tempDir("par");
    try {
      const results = await Promise.all(pods.map((pod, i) => chain("ADD", node, pod, i, dir.path)));
      const ips = results.flatMap((r: any) => r.ips.map((ip: any) => ip.address));
      expect(new Set(ips).size).toBe(PODS * 2);
      expect(node.ipJson(["link", "show", "type", "bridge"]).map((l: any) => l.ifname)).toEqual(["tscni-par0"]);
      expect(node.ipJson(["link", "show", "type", "veth"])).toHaveLength(PODS);
      expect(node.ipJson(["link", "show", "type", "ifb"])).toHaveLength(PODS);
      const ruleset = node.exec("nft", ["list", "ruleset"]);
      // the bridge's ipMasq rules, one per pod IP, tagged "<hash>-<hash>, net: parnet, if: eth0, id: parN"
      expect(ruleset.match(/net: parnet, if: eth0, id: par\d+/g)).toHaveLength(PODS * 2);
      expect(ruleset.match(/"par\d+ net:/g)?.length ?? 0).toBeGreaterThanOrEqual(PODS * 2);

      await Promise.all(pods.map((pod, i) => chain("DEL", node, pod, i, dir.path, results[i])));
      expect(node.ipJson(["link", "show", "type", "veth"])).toHaveLength(0);
      expect(node.ipJson(["link", "show", "type", "ifb"])).toHaveLength(0);
      const after = node.exec("nft", ["list", "ruleset"]);
      expect(after).not.toMatch(/net: parnet, if: eth0/);
      expect(after).not.toMatch(/"par\d+ net:/);
      expect(readdirSync(join(dir.path, "parnet")).filter((f) => !/^(lock|last_reserved_ip\.\d+)$/.test(f))).toEqual([]);
    } finally {
      for (const p of pods) p.delete();
      node.delete();
      dir.remove();
    }
  });
});
