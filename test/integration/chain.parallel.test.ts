// Many pods at once on a fresh node, through the whole chain (bridge+host-local with ipMasq ->
// portmap -> bandwidth), as a busy node's runtime does: racing creators of the bridge, the nft tables
// and the IPAM store must all succeed, and parallel DELs must leave nothing behind. Driven by
// `tscni run` (libcni's behaviour, result cache in a temp dir).
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createNetns, deleteAllNetns, expectOk, runConflist, tempDir, type TestNetns } from "./harness.ts";

afterAll(deleteAllNetns);

const PODS = 20;

function conflist(dataDir: string): string {
  const path = join(dataDir, "par.conflist");
  writeFileSync(path, JSON.stringify({
    cniVersion: "1.0.0",
    name: "parnet",
    plugins: [
      { type: "bridge", bridge: "tscni-par0", isGateway: true, ipMasq: true, hairpinMode: true,
        ipam: { type: "host-local", ranges: [[{ subnet: "10.66.0.0/16" }], [{ subnet: "fd66::/64" }]], routes: [{ dst: "0.0.0.0/0" }], dataDir } },
      { type: "portmap", capabilities: { portMappings: true }, snat: true },
      { type: "bandwidth", capabilities: { bandwidth: true } },
    ],
  }));
  return path;
}

function capArgs(i: number) {
  return {
    portMappings: [
      { hostPort: 30000 + i, containerPort: 80, protocol: "tcp" },
      { hostPort: 31000 + i, containerPort: 53, protocol: "udp" },
    ],
    bandwidth: { ingressRate: 1_000_000, ingressBurst: 100_000, egressRate: 1_000_000, egressBurst: 100_000 },
  };
}

/** `tscni run`: ADD in order feeding prevResult, DEL in reverse with the cached result, as libcni does. */
async function chain(verb: "add" | "del", node: TestNetns, pod: TestNetns, i: number, dataDir: string) {
  const flags = ["--id", `par${i}`, "--cache-dir", join(dataDir, "cache"), "--cap-args", JSON.stringify(capArgs(i))];
  const o = await runConflist({ verb, conflist: join(dataDir, "par.conflist"), netns: pod.path, node, flags });
  return expectOk(o);
}

describe("chain in parallel", () => {
  it(`add x${PODS} in parallel on a fresh node -> all succeed; del x${PODS} in parallel -> nothing left`, async () => {
    const node = createNetns("par");
    const pods = Array.from({ length: PODS }, () => createNetns("parp"));
    const dir = tempDir("par");
    try {
      conflist(dir.path);
      const results = await Promise.all(pods.map((pod, i) => chain("add", node, pod, i, dir.path)));
      const ips = results.flatMap((r: any) => r.ips.map((ip: any) => ip.address));
      expect(new Set(ips).size).toBe(PODS * 2);
      expect(node.ipJson(["link", "show", "type", "bridge"]).map((l: any) => l.ifname)).toEqual(["tscni-par0"]);
      expect(node.ipJson(["link", "show", "type", "veth"])).toHaveLength(PODS);
      expect(node.ipJson(["link", "show", "type", "ifb"])).toHaveLength(PODS);
      const ruleset = node.exec("nft", ["list", "ruleset"]);
      // the bridge's ipMasq rules, one per pod IP, tagged "<hash>-<hash>, net: parnet, if: eth0, id: parN"
      expect(ruleset.match(/net: parnet, if: eth0, id: par\d+/g)).toHaveLength(PODS * 2);
      expect(ruleset.match(/"par\d+ net:/g)?.length ?? 0).toBeGreaterThanOrEqual(PODS * 2);

      await Promise.all(pods.map((pod, i) => chain("del", node, pod, i, dir.path)));
      expect(readdirSync(join(dir.path, "cache", "results"))).toEqual([]);
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
