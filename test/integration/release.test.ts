// scripts/release: the tarball installs like the reference's (`tar -xzf ... -C /opt/cni/bin`) into a
// working plugin dir: every name a hard link of one executable, LICENSE and SHA256SUMS beside them,
// the sums right, `tscni --version` the version in the file name, and a conflist run from the
// extracted dir attaches and detaches a pod (bridge + host-local in-process fast path + portmap).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN_DIR, ROOT, createNetns, deleteAllNetns, tempDir } from "./harness.ts";

const isRoot = process.getuid?.() === 0;
const names = () => spawnSync(join(BIN_DIR, "tscni"), ["--plugins"], { encoding: "utf8" }).stdout.trim().split("\n");

afterAll(deleteAllNetns);

describe.skipIf(!isRoot)("scripts/release", () => {
  let out: { path: string; remove(): void };
  let dest: { path: string; remove(): void };
  let tarball = "";

  beforeAll(() => {
    out = tempDir("rel");
    dest = tempDir("reldest");
    const r = spawnSync("bash", ["scripts/release", "--no-build", "--out", out.path], { cwd: ROOT, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    tarball = r.stdout.trim();
    const x = spawnSync("tar", ["-xzf", tarball, "-C", dest.path], { encoding: "utf8" });
    expect(x.status, x.stderr).toBe(0);
  }, 300_000);
  afterAll(() => {
    out?.remove();
    dest?.remove();
  });

  it("tarball: named tscni-<tscni --version>-linux-amd64.tgz, its .sha256 beside it verifies", () => {
    const version = spawnSync(join(dest.path, "tscni"), ["--version"], { encoding: "utf8" }).stdout.trim();
    expect(version).toMatch(/^tscni v\d+\.\d+\.\d+(-\d+-g[0-9a-f]{7,})?(-dirty)?$/);
    expect(tarball).toBe(join(out.path, `tscni-${version.slice("tscni ".length)}-linux-amd64.tgz`));
    const sum = spawnSync("sha256sum", ["-c", `${tarball}.sha256`], { cwd: out.path, encoding: "utf8" });
    expect(sum.status, sum.stdout + sum.stderr).toBe(0);
  });

  it("extract: tscni, a hard link per plugin, LICENSE (Apache-2.0) and SHA256SUMS that verify", () => {
    expect(readdirSync(dest.path).sort()).toEqual(["LICENSE", "SHA256SUMS", "tscni", ...names()].sort());
    const ino = statSync(join(dest.path, "tscni")).ino;
    for (const n of names()) expect(statSync(join(dest.path, n)).ino, n).toBe(ino);
    expect(statSync(join(dest.path, "tscni")).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(dest.path, "LICENSE"), "utf8")).toContain("Apache License\n                           Version 2.0, January 2004");
    const sums = readFileSync(join(dest.path, "SHA256SUMS"), "utf8");
    expect(sums.trim().split("\n").map((l) => l.split(/\s+/)[1]).sort()).toEqual(["LICENSE", "tscni", ...names()].sort());
    const check = spawnSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: dest.path, encoding: "utf8" });
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it("extract: every plugin name answers VERSION like the installed build", () => {
    for (const n of names()) {
      const r = spawnSync(join(dest.path, n), [], { input: '{"cniVersion":"1.0.0"}', env: { CNI_COMMAND: "VERSION" }, encoding: "utf8" });
      expect(r.status, `${n}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout).cniVersion, n).toBe("1.0.0");
    }
  });

  it("extract: a pod attaches and detaches through the extracted dir as CNI_PATH", () => {
    const node = createNetns("rel");
    const pod = createNetns("relp");
    const work = tempDir("relw");
    try {
      const conflist = join(work.path, "net.conflist");
      writeFileSync(conflist, JSON.stringify({
        cniVersion: "1.1.0",
        name: "relnet",
        plugins: [
          { type: "bridge", bridge: "tscni-rel0", isGateway: true,
            ipam: { type: "host-local", ranges: [[{ subnet: "10.79.0.0/24" }]], dataDir: join(work.path, "ipam") } },
          { type: "portmap", capabilities: { portMappings: true } },
        ],
      }));
      const run = (verb: string, extra: string[]) =>
        spawnSync("nsenter", [`--net=${node.path}`, "--", join(dest.path, "tscni"), "run", verb, conflist, ...extra,
          "--id", "rel1", "--plugin-dir", dest.path, "--cache-dir", join(work.path, "cache")], { encoding: "utf8" });
      const add = run("add", [pod.path, "--cap-args", '{"portMappings":[{"hostPort":18181,"containerPort":80,"protocol":"tcp"}]}']);
      expect(add.status, add.stdout + add.stderr).toBe(0);
      const ip = JSON.parse(add.stdout).ips[0].address.split("/")[0];
      expect(ip).toMatch(/^10\.79\.0\./);
      expect(spawnSync("nsenter", [`--net=${node.path}`, "--", "ping", "-c1", "-W5", ip]).status).toBe(0);
      const del = run("del", [pod.path]);
      expect(del.status, del.stdout + del.stderr).toBe(0);
      expect(readdirSync(join(work.path, "ipam", "relnet")).filter((f) => f.startsWith("10."))).toEqual([]);
    } finally {
      pod.delete();
      node.delete();
      work.remove();
    }
  });
});
