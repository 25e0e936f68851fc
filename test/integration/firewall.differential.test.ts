// firewall meta plugin against the reference 1.1.1 (/usr/lib/cni/firewall): the same conflists and the
// same traffic through a node whose iptables FORWARD policy drops, once with each suite's firewall (bridge,
// host-local and portmap are tscni's in both runs). Compared: which packets cross the node (rule
// semantics), not rule text. The one intended difference (README "Where tscni differs"): a connection
// DNAT'ed to a published port, from a host beyond the node, is accepted by tscni and dropped by the
// reference. Needs root and the reference plugins.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BIN_DIR, deleteAllNetns, hasReference, REF_DIR } from "./harness.ts";
import { FirewallLab, NODE_EXT, OUTSIDE } from "./firewall-lab.ts";

const canRun = process.getuid?.() === 0 && hasReference && existsSync(join(REF_DIR, "firewall")) && existsSync(join(BIN_DIR, "firewall"));
const T = 240_000;

let lab: FirewallLab | undefined;
afterEach(() => {
  lab?.remove();
  lab = undefined;
  deleteAllNetns();
});

type Suite = "tscni" | "reference";

/** Every outcome of one suite's run: true = the packets crossed. */
async function outcomes(suite: Suite): Promise<Record<string, boolean>> {
  const l = (lab = new FirewallLab(suite === "tscni" ? "fdt" : "fdr"));
  const pluginDir = suite === "tscni" ? l.tscniDir : l.referenceFirewallDir;
  l.node.exec("iptables", ["-P", "FORWARD", "DROP"]);
  l.outside.exec("ip", ["route", "add", "10.76.0.0/16", "via", NODE_EXT]);
  const capArgs = { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }] };
  const web = l.addPod(l.conflist({ name: "neta", bridge: "cnifda", subnet: "10.76.1.0/24", portmap: true, cniVersion: "1.0.0", firewall: { ingressPolicy: "same-bridge" } }), { pluginDir, capArgs });
  const peer = l.addPod(l.conflist({ name: "neta", bridge: "cnifda", subnet: "10.76.1.0/24", cniVersion: "1.0.0", firewall: { ingressPolicy: "same-bridge" } }), { pluginDir });
  const other = l.addPod(l.conflist({ name: "netb", bridge: "cnifdb", subnet: "10.76.2.0/24", cniVersion: "1.0.0", firewall: { ingressPolicy: "same-bridge" } }), { pluginDir });
  await l.serve(web);
  const out: Record<string, boolean> = {
    "pod -> host beyond the node": l.ping(web.ns, OUTSIDE),
    "pod -> node": l.ping(web.ns, "10.76.1.1"),
    "host beyond the node -> pod IP (new connection)": l.connect(l.outside, web.ip, 80) === "hello",
    "host beyond the node -> published port (DNAT)": l.connect(l.outside, NODE_EXT, 8080) === "hello",
    "node -> published port": l.connect(l.node, NODE_EXT, 8080) === "hello",
    "pod -> pod, same bridge": l.ping(peer.ns, web.ip),
    "pod -> pod of another same-bridge network": l.ping(other.ns, web.ip),
  };
  l.node.exec("iptables", ["-A", "CNI-ADMIN", "-s", peer.ip, "-j", "DROP"]);
  out["admin chain DROP -> pod -> host beyond the node"] = l.ping(peer.ns, OUTSIDE);
  out["other pods unaffected by that admin rule"] = l.ping(web.ns, OUTSIDE);
  l.delPod(web);
  // the deleted pod's address no longer has rules: a new pod given that address without a firewall is not forwarded
  const ghost = l.addPod(l.conflist({ name: "neta", bridge: "cnifda", subnet: "10.76.1.0/24", cniVersion: "1.0.0", firewall: false }), { pluginDir, args: `IgnoreUnknown=1;IP=${web.ip}` });
  expect(ghost.ip).toBe(web.ip);
  out["after DEL: pod's address -> host beyond the node"] = l.ping(ghost.ns, OUTSIDE);
  return out;
}

describe.skipIf(!canRun)("firewall: tscni vs reference 1.1.1, traffic through a node with FORWARD policy DROP", () => {
  it("same packets cross the node, except DNAT'ed connections from beyond the node (tscni accepts them)", async () => {
    const ref = await outcomes("reference");
    lab!.remove();
    lab = undefined;
    const ours = await outcomes("tscni");
    expect(ref).toEqual({
      "pod -> host beyond the node": true,
      "pod -> node": true,
      "host beyond the node -> pod IP (new connection)": false,
      "host beyond the node -> published port (DNAT)": false,
      "node -> published port": true,
      "pod -> pod, same bridge": true,
      "pod -> pod of another same-bridge network": false,
      "admin chain DROP -> pod -> host beyond the node": false,
      "other pods unaffected by that admin rule": true,
      "after DEL: pod's address -> host beyond the node": false,
    });
    expect(ours).toEqual({ ...ref, "host beyond the node -> published port (DNAT)": true });
  }, T);
});
