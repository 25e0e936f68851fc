// The multicall executable: every hard-linked name answers VERSION and the about line like the
// reference, dispatch is by invoked name, and the IPAM fast path runs in-process only for ourselves.
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN_DIR, createNetns, deleteAllNetns, expectOk, runPluginSync, tempDir } from "./harness.ts";

const NAMES = ["bridge", "ptp", "macvlan", "ipvlan", "vlan", "dummy", "host-device", "tap", "loopback", "host-local", "static", "dhcp", "portmap", "bandwidth", "tuning", "firewall", "sbr", "vrf"];
const ALL = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

afterAll(deleteAllNetns);

describe("multicall executable", () => {
  it("build: every plugin name is a hard link of the one tscni executable", () => {
    const ino = statSync(join(BIN_DIR, "tscni")).ino;
    for (const n of NAMES) expect(statSync(join(BIN_DIR, n)).ino, n).toBe(ino);
  });

  it.each(NAMES)("version: %s -> supportedVersions", (name) => {
    const o = runPluginSync({ plugin: name, command: "VERSION", config: { cniVersion: "1.0.0" } });
    expect(o.code).toBe(0);
    const want = name === "bandwidth" ? ALL.filter((v) => v >= "0.3.0") : name === "firewall" ? ALL.filter((v) => v >= "0.4.0") : name === "vrf" ? ALL.filter((v) => v >= "0.3.1") : ALL;
    expect(o.json).toEqual({ cniVersion: "1.0.0", supportedVersions: want });
  });

  it.each(NAMES)("about: %s run by hand -> names itself, exit 0", (name) => {
    const o = runPluginSync({ plugin: name, command: "", config: {}, env: { CNI_COMMAND: undefined } });
    expect(o.code).toBe(0);
    expect(o.stdout + o.stderr).toContain(`CNI ${name} plugin`);
    expect(o.stdout + o.stderr).toContain("CNI protocol versions supported: ");
  });

  it("dispatch: `tscni bandwidth` answers as bandwidth; `tscni` alone describes itself", () => {
    const run = (args: string[]) =>
      spawnSync(join(BIN_DIR, "tscni"), args, { input: '{"cniVersion":"0.4.0"}', env: { CNI_COMMAND: "VERSION" }, encoding: "utf8" });
    const bw = run(["bandwidth"]);
    expect(JSON.parse(bw.stdout).supportedVersions).toEqual(ALL.filter((v) => v >= "0.3.0"));
    const lo = run(["loopback"]);
    expect(JSON.parse(lo.stdout).supportedVersions).toEqual(ALL);
    const self = spawnSync(join(BIN_DIR, "tscni"), [], { encoding: "utf8", env: {} });
    expect(self.status).toBe(0);
    expect(self.stderr).toMatch(new RegExp(`^tscni v\\d+\\.\\d+\\.\\d+\\S*: CNI plugins ${NAMES.join(", ")}\\n`));
  });

  it("version: `tscni --version` -> the git-derived version scripts/build baked in, also in each plugin's about text", () => {
    // the shape only: a commit made after the build legitimately changes what scripts/version says now
    const shape = /^v\d+\.\d+\.\d+(-\d+-g[0-9a-f]{7,})?(-dirty)?$/;
    expect(spawnSync("bash", ["scripts/version"], { cwd: join(BIN_DIR, "../.."), encoding: "utf8" }).stdout.trim()).toMatch(shape);
    const r = spawnSync(join(BIN_DIR, "tscni"), ["--version"], { encoding: "utf8", env: {} });
    expect(r.status).toBe(0);
    const version = r.stdout.replace(/^tscni /, "").trim();
    expect(version).toMatch(shape);
    expect(version).not.toBe("v0.0.0-dev"); // what an unbaked build says
    const about = runPluginSync({ plugin: "bridge", command: "", config: {}, env: { CNI_COMMAND: undefined } });
    expect(about.stderr).toContain(`CNI bridge plugin ${version}\n`);
  });

  it("install: scripts/install writes every name atomically into a fresh dir", () => {
    const dir = tempDir("inst");
    try {
      const r = spawnSync("bash", ["scripts/install", dir.path], { cwd: join(BIN_DIR, "../.."), encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const files = readdirSync(dir.path).sort();
      expect(files).toEqual([...NAMES, "tscni"].sort());
      const ino = statSync(join(dir.path, "tscni")).ino;
      for (const n of NAMES) expect(statSync(join(dir.path, n)).ino).toBe(ino);
    } finally {
      dir.remove();
    }
  });
});

describe("ipam fast path", () => {
  const conf = (dataDir: string) => ({
    cniVersion: "1.0.0",
    name: "fastnet",
    type: "bridge",
    bridge: "fp0",
    isGateway: true,
    ipam: { type: "host-local", dataDir, ranges: [[{ subnet: "10.55.0.0/24" }]] },
  });

  it("add: host-local in CNI_PATH is tscni itself -> in-process, same result and store as exec", () => {
    const node = createNetns("fp");
    const a = createNetns("fpa");
    const b = createNetns("fpb");
    const dirA = tempDir("fpa");
    const dirB = tempDir("fpb");
    const copy = tempDir("fpbin");
    try {
      // a CNI_PATH whose host-local is a separate copy (different inode) forces the exec path
      mkdirSync(copy.path, { recursive: true });
      copyFileSync(join(BIN_DIR, "tscni"), join(copy.path, "host-local"));
      chmodSync(join(copy.path, "host-local"), 0o755);
      const inproc = expectOk(runPluginSync({ plugin: "bridge", command: "ADD", node, netns: a.path, containerId: "fp1", config: conf(dirA.path) }));
      const execd = expectOk(
        runPluginSync({ plugin: "bridge", command: "ADD", node, netns: b.path, containerId: "fp1", config: { ...conf(dirB.path), bridge: "fp1" }, path: copy.path }),
      );
      expect(execd.ips).toEqual(inproc.ips);
      const files = (d: string) => readdirSync(join(d, "fastnet")).sort();
      expect(files(dirB.path)).toEqual(files(dirA.path));
      for (const f of files(dirA.path)) {
        expect(readFileSync(join(dirB.path, "fastnet", f), "utf8"), f).toBe(readFileSync(join(dirA.path, "fastnet", f), "utf8"));
      }
    } finally {
      for (const n of [a, b, node]) n.delete();
      for (const d of [dirA, dirB, copy]) d.remove();
    }
  });

  it("add: a foreign host-local binary in CNI_PATH is exec'd, not bypassed", () => {
    const node = createNetns("fq");
    const pod = createNetns("fqa");
    const dir = tempDir("fq");
    try {
      const fake = join(dir.path, "host-local");
      const marker = join(dir.path, "called");
      writeFileSync(
        fake,
        `#!/bin/sh\necho "$CNI_COMMAND" >> ${marker}\ncat >/dev/null\n` +
          `[ "$CNI_COMMAND" = ADD ] && echo '{"cniVersion":"1.0.0","ips":[{"address":"10.66.0.9/24","gateway":"10.66.0.1"}]}'\nexit 0\n`,
      );
      chmodSync(fake, 0o755);
      const bin = join(dir.path, "bridge");
      linkSync(join(BIN_DIR, "tscni"), bin);
      const r = expectOk(
        runPluginSync({ plugin: "bridge", dir: dir.path, command: "ADD", node, netns: pod.path, containerId: "fq1", config: { ...conf(dir.path), bridge: "fq0" } }),
      );
      expect(r.ips[0].address).toBe("10.66.0.9/24");
      expect(readFileSync(marker, "utf8").trim()).toBe("ADD");
      expect(existsSync(join(dir.path, "fastnet"))).toBe(false);
    } finally {
      pod.delete();
      node.delete();
      dir.remove();
    }
  });
});
