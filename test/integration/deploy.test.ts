// The cluster image's entrypoint (deploy/install-cni.sh install) on a real directory tree, as the
// DaemonSet's init container runs it against the node's hostPath mounts: tscni and every plugin link
// land atomically (one inode), the ConfigMap's conflist is written with the node's podCIDR, a second
// run (an upgrade) replaces everything in place, and a pod attaches through what was installed.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { BIN_DIR, ROOT, createNetns, deleteAllNetns, tempDir } from "./harness.ts";

const isRoot = process.getuid?.() === 0;

afterAll(deleteAllNetns);

function configMapTemplate(): string {
  const docs = parseAllDocuments(readFileSync(join(ROOT, "deploy/tscni.yaml"), "utf8")).map((d) => d.toJS());
  return docs.find((d) => d.kind === "ConfigMap").data["cni-conf.json"];
}

describe.skipIf(!isRoot)("deploy/install-cni.sh", () => {
  it("install: binaries + links atomically into the plugin dir, conflist with the podCIDR; again -> upgraded in place; a pod attaches", () => {
    const dir = tempDir("inst");
    const node = createNetns("inst");
    const pod = createNetns("instp");
    try {
      const template = join(dir.path, "cni-conf.json");
      writeFileSync(template, configMapTemplate().replace('"cni0"', '"tscni-inst0"'));
      const env = { ...process.env, CNI_BIN_DIR: join(dir.path, "bin"), CNI_NET_DIR: join(dir.path, "net.d"), CNI_CONF_TEMPLATE: template,
        POD_CIDR: "10.244.7.0/24", TSCNI_BIN: join(BIN_DIR, "tscni") };
      const install = () => spawnSync("bash", [join(ROOT, "deploy/install-cni.sh"), "install"], { env, encoding: "utf8" });
      const first = install();
      expect(first.status, first.stderr).toBe(0);
      const names = spawnSync(join(BIN_DIR, "tscni"), ["--plugins"], { encoding: "utf8" }).stdout.trim().split("\n");
      const bin = join(dir.path, "bin");
      expect(readdirSync(bin).sort()).toEqual([...names, "tscni"].sort());
      const ino = statSync(join(bin, "tscni")).ino;
      for (const n of names) expect(statSync(join(bin, n)).ino, n).toBe(ino);
      expect(readdirSync(join(dir.path, "net.d"))).toEqual(["10-tscni.conflist"]);
      const conf = JSON.parse(readFileSync(join(dir.path, "net.d", "10-tscni.conflist"), "utf8"));
      expect(conf.plugins[0].ipam.ranges).toEqual([[{ subnet: "10.244.7.0/24" }]]);
      expect(first.stderr).toContain("wrote");

      const again = install(); // an upgrade: every name replaced by rename, nothing else left
      expect(again.status, again.stderr).toBe(0);
      expect(readdirSync(bin).sort()).toEqual([...names, "tscni"].sort());
      expect(statSync(join(bin, "tscni")).ino).not.toBe(ino);
      expect(readdirSync(join(dir.path, "net.d"))).toEqual(["10-tscni.conflist"]);

      // the pod's IP goes to the test's dir, never the host's /var/lib/cni/networks (host-local's default)
      const confPath = join(dir.path, "net.d", "10-tscni.conflist");
      const installed = JSON.parse(readFileSync(confPath, "utf8"));
      installed.plugins[0].ipam.dataDir = join(dir.path, "ipam");
      writeFileSync(confPath, JSON.stringify(installed));
      const run = (verb: string, extra: string[]) => spawnSync("nsenter", [`--net=${node.path}`, "--", join(bin, "tscni"), "run", verb,
        join(dir.path, "net.d", "10-tscni.conflist"), pod.path, "--id", "inst1", "--plugin-dir", bin, "--cache-dir", join(dir.path, "cache"), ...extra], { encoding: "utf8" });
      const add = run("add", []);
      expect(add.status, add.stdout + add.stderr).toBe(0);
      expect(JSON.parse(add.stdout).ips[0].address).toMatch(/^10\.244\.7\.\d+\/24$/);
      expect(run("del", []).status).toBe(0);
    } finally {
      pod.delete();
      node.delete();
      dir.remove();
    }
  });

  it("install: a template that is not JSON after substitution -> exit 1, no conflist written", () => {
    const dir = tempDir("instbad");
    try {
      const template = join(dir.path, "cni-conf.json");
      writeFileSync(template, "{ not json");
      const r = spawnSync("bash", [join(ROOT, "deploy/install-cni.sh"), "install"], { encoding: "utf8",
        env: { ...process.env, CNI_BIN_DIR: join(dir.path, "bin"), CNI_NET_DIR: join(dir.path, "net.d"), CNI_CONF_TEMPLATE: template, POD_CIDR: "10.0.0.0/24", TSCNI_BIN: join(BIN_DIR, "tscni") } });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("not JSON after substitution");
      expect(readdirSync(join(dir.path, "net.d"))).toEqual([]);
    } finally {
      dir.remove();
    }
  });
});
