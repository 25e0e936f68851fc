// portmap ADD with a UDP mapping flushes stale conntrack entries for that host port (so a restarted
// pod behind the same hostPort gets new flows), and only for that port and protocol.
import { existsSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { createNetns, deleteAllNetns, expectOk, runPluginSync } from "./harness.ts";

afterAll(deleteAllNetns);

const hasConntrack = existsSync("/usr/sbin/conntrack");

function insert(node: ReturnType<typeof createNetns>, proto: "udp" | "tcp", dport: number): void {
  const state = proto === "tcp" ? ["--state", "ESTABLISHED"] : [];
  const flow = ["-s", "10.9.9.1", "-d", "10.9.9.2", "--sport", "40000", "--dport", String(dport)];
  node.exec("conntrack", ["-I", "-p", proto, ...flow, ...state, "--timeout", "120", "-u", "SEEN_REPLY"]);
}

function entries(node: ReturnType<typeof createNetns>): string {
  return node.exec("conntrack", ["-L"], { allowFail: true });
}

describe.skipIf(!hasConntrack)("portmap conntrack", () => {
  it("add: udp mapping for 5353 -> stale udp/5353 entry deleted; udp/5354 and tcp/5353 kept", () => {
    const node = createNetns("pmct");
    const pod = createNetns("pmctp");
    try {
      insert(node, "udp", 5353);
      insert(node, "udp", 5354);
      insert(node, "tcp", 5353);
      expect(entries(node)).toMatch(/udp .*dport=5353/);
      const config = {
        cniVersion: "1.0.0",
        name: "ctnet",
        type: "portmap",
        snat: false,
        runtimeConfig: { portMappings: [{ hostPort: 5353, containerPort: 53, protocol: "udp" }] },
        prevResult: { cniVersion: "1.0.0", ips: [{ address: "10.9.0.5/24" }] },
      };
      expectOk(runPluginSync({ plugin: "portmap", command: "ADD", node, netns: pod.path, containerId: "ct1", config }));
      const after = entries(node);
      expect(after).not.toMatch(/udp .*dport=5353 /);
      expect(after).toMatch(/udp .*dport=5354/);
      expect(after).toMatch(/tcp .*dport=5353/);
      expectOk(runPluginSync({ plugin: "portmap", command: "DEL", node, netns: pod.path, containerId: "ct1", config }));
    } finally {
      pod.delete();
      node.delete();
    }
  });
});
