// CNI_NETNS naming something that is not a network namespace (issue 10, defect 3): a FIFO used to hang
// ADD and DEL forever (open(2) of a FIFO waits for a writer), a device would be opened. Every plugin
// that enters the pod netns must answer error 4 at once, and leave nothing behind.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRoot, hasBinary } from "./bridge-world.ts";
import { createNetns, deleteAllNetns, runPluginSync, tempDir, type TestNetns } from "./harness.ts";

afterAll(deleteAllNetns);

// A hang guard only (the plugin is SIGKILLed, the test fails): a working plugin answers in milliseconds.
const KILL_AFTER_MS = 60_000;

const prev = {
  cniVersion: "1.0.0",
  interfaces: [{ name: "eth0", sandbox: "/x" }],
  ips: [{ address: "10.99.0.2/24", interface: 0 }],
};

function confs(dataDir: string): Record<string, object> {
  const ipam = { type: "host-local", dataDir, ranges: [[{ subnet: "10.99.0.0/24" }]] };
  return {
    loopback: { cniVersion: "1.0.0", name: "nsp", type: "loopback" },
    bridge: { cniVersion: "1.0.0", name: "nsp", type: "bridge", bridge: "nspbr0", ipMasq: true, ipam },
    ptp: { cniVersion: "1.0.0", name: "nsp", type: "ptp", ipMasq: true, ipam },
    bandwidth: { cniVersion: "1.0.0", name: "nsp", type: "bandwidth", ingressRate: 1000000, ingressBurst: 100000, prevResult: prev },
  };
}

describe.skipIf(!isRoot || !hasBinary)("CNI_NETNS that is not a netns", () => {
  let node: TestNetns;
  let dir: ReturnType<typeof tempDir>;
  let fifo: string;
  beforeAll(() => {
    node = createNetns("nsp");
    dir = tempDir("nsp");
    fifo = `${dir.path}/fifo`;
    execFileSync("mkfifo", [fifo]);
  });
  afterAll(() => {
    node?.delete();
    dir?.remove();
  });

  for (const plugin of ["loopback", "bridge", "ptp", "bandwidth"]) {
    for (const command of ["ADD", "DEL"]) {
      for (const kind of ["fifo", "device", "regular file"]) {
        it(`${plugin} ${command.toLowerCase()}: CNI_NETNS is a ${kind} -> error 4, no hang, nothing created`, () => {
          const path = kind === "fifo" ? fifo : kind === "device" ? "/dev/null" : `${dir.path}/plain`;
          if (kind === "regular file") execFileSync("touch", [path]);
          const before = node.exec("ip", ["-o", "link"]);
          const conf = confs(`${dir.path}/ipam`)[plugin];
          const o = runPluginSync({ plugin, command, config: conf, netns: path, node, killAfterMs: KILL_AFTER_MS });
          expect(o.code, `${o.stdout}${o.stderr}`).not.toBe(-1); // -1: killed by the hang guard
          if (plugin === "bandwidth" && command === "DEL") {
            // bandwidth's DEL works on the host side only (the ifb named after the container), as the reference
            expect(o.code, o.stdout).toBe(0);
            return;
          }
          expect(o.code).not.toBe(0);
          expect(o.json?.code, o.stdout).toBe(4);
          expect(o.json?.msg).toContain(path);
          expect(node.exec("ip", ["-o", "link"])).toBe(before);
        });
      }
    }
  }
});
