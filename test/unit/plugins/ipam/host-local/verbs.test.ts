// The verbs over the real disk store in a temp dir (flock replaced by a counter: these tests are
// single-process; cross-process locking is covered by the integration tests).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CniError } from "../../../../../shared/cni/errors.ts";
import type { CmdContext, GcContext, NetConf, StatusContext } from "../../../../../shared/cni/plugin.ts";
import { cmdAdd } from "../../../../../plugins/ipam/host-local/add.ts";
import { cmdCheck } from "../../../../../plugins/ipam/host-local/check.ts";
import { cmdDel } from "../../../../../plugins/ipam/host-local/del.ts";
import { diskDeps } from "../../../../../plugins/ipam/host-local/disk-deps.ts";
import { cmdGc } from "../../../../../plugins/ipam/host-local/gc.ts";
import { cmdStatus } from "../../../../../plugins/ipam/host-local/status.ts";
import type { Flocker } from "../../../../../plugins/ipam/host-local/store.ts";

let dir: string;
let lockOps: string[];
const flock: Flocker = (_fd, op) => void lockOps.push(op);
const deps = () => diskDeps(flock);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tscni-hl-"));
  lockOps = [];
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function conf(ipam: Record<string, unknown>, extra: Record<string, unknown> = {}): NetConf {
  const raw = { cniVersion: "1.1.0", name: "net1", type: "host-local", ipam: { type: "host-local", dataDir: dir, ...ipam }, ...extra };
  return { cniVersion: "1.1.0", name: "net1", type: "host-local", raw };
}

function cmd(verb: CmdContext["verb"], id: string, c: NetConf, ifname = "eth0", cniArgs: Array<[string, string]> = []): CmdContext {
  return { verb, containerId: id, netns: "/proc/self/ns/net", ifname, cniArgs, ignoreUnknownArgs: false, path: [], conf: c, stdin: new Uint8Array(), env: {}, stderr: () => {} };
}

const netDir = () => path.join(dir, "net1");
const listing = () => fs.readdirSync(netDir()).sort();
const read = (f: string) => fs.readFileSync(path.join(netDir(), f), "utf8");

function cniError(fn: () => unknown): CniError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CniError) return e;
    throw e;
  }
  throw new Error("expected a CniError");
}

describe("host-local verbs on disk", () => {
  const dual = { ranges: [[{ subnet: "10.1.0.0/24" }], [{ subnet: "fd00::/64" }]], routes: [{ dst: "0.0.0.0/0" }] };

  it("add: dual stack -> one IP per set, files with cid\\r\\nifname, last_reserved per set, lock", () => {
    const r = cmdAdd(cmd("ADD", "c1", conf(dual)), deps());
    expect(r).toEqual({
      cniVersion: "1.1.0",
      ips: [{ address: "10.1.0.2/24", gateway: "10.1.0.1" }, { address: "fd00::2/64", gateway: "fd00::1" }],
      routes: [{ dst: "0.0.0.0/0" }],
      dns: {},
    });
    expect(listing()).toEqual(["10.1.0.2", "fd00::2", "last_reserved_ip.0", "last_reserved_ip.1", "lock"]);
    expect(read("10.1.0.2")).toBe("c1\r\neth0");
    expect(read("last_reserved_ip.1")).toBe("fd00::2");
    expect(fs.statSync(path.join(netDir(), "10.1.0.2")).mode & 0o777).toBe(0o644 & ~process.umask());
    expect(fs.statSync(path.join(netDir(), "lock")).mode & 0o777).toBe(0o750 & ~process.umask());
    expect(lockOps.length).toBeGreaterThan(0);
    expect(lockOps.filter((o) => o === "lock").length).toBe(lockOps.filter((o) => o === "unlock").length);
  });

  it("add: second set fails (requested IP taken) -> first set's IP released again", () => {
    cmdAdd(cmd("ADD", "other", conf(dual), "eth0", [["IP", "fd00::9"]]), deps());
    const e = cniError(() => cmdAdd(cmd("ADD", "c2", conf(dual), "eth0", [["IP", "fd00::9"]]), deps()));
    expect(e.code).toBe(999);
    expect(e.msg).toBe("failed to allocate for range 1: requested IP address fd00::9 is not available in range set fd00::1-fd00::ffff:ffff:ffff:ffff");
    expect(listing().filter((f) => read(f).startsWith("c2"))).toEqual([]);
  });

  it("add: requested IP outside every set -> error, nothing left allocated", () => {
    const e = cniError(() => cmdAdd(cmd("ADD", "c3", conf({ subnet: "10.1.0.0/24" }), "eth0", [["IP", "10.9.0.5"]]), deps()));
    expect(e.msg).toBe("failed to allocate all requested IPs: 10.9.0.5");
    expect(listing().filter((f) => !f.startsWith("l"))).toEqual([]);
  });

  it("add: subnet at the unspecified address (0.0.0.0/0, ::/0, 0.0.0.0/8, ::/64) -> error 7, nothing allocated; del succeeds", () => {
    const cases = [["0.0.0.0/0", "fd00::/64"], ["::/0", "10.1.0.0/24"], ["0.0.0.0/8", "fd00::/64"], ["::/64", "10.1.0.0/24"]] as const;
    for (const [subnet, other] of cases) {
      const c = conf({ ranges: [[{ subnet: other }], [{ subnet }]] });
      const e = cniError(() => cmdAdd(cmd("ADD", "zero", c), deps()));
      expect(e.code).toBe(7);
      expect(e.msg).toBe(`invalid range set 1: subnet ${subnet} starts at the unspecified address: no pod address can be allocated from it`);
      expect(fs.existsSync(netDir()) ? listing().filter((f) => !f.startsWith("l")) : []).toEqual([]);
      cmdDel(cmd("DEL", "zero", c), deps());
    }
    expect(cmdAdd(cmd("ADD", "ok", conf({ subnet: "0.0.1.0/24" })), deps()).ips![0]!.address).toBe("0.0.1.2/24");
  });

  it("add: resolvConf -> dns in result; missing file -> error 5 naming it", () => {
    const rc = path.join(dir, "resolv.conf");
    fs.writeFileSync(rc, "nameserver 10.0.0.53\nsearch x.local\n");
    expect(cmdAdd(cmd("ADD", "c4", conf({ subnet: "10.1.0.0/24", resolvConf: rc })), deps()).dns).toEqual({
      nameservers: ["10.0.0.53"],
      search: ["x.local"],
    });
    const e = cniError(() => cmdAdd(cmd("ADD", "c5", conf({ subnet: "10.1.0.0/24", resolvConf: "/nonexistent/rc" })), deps()));
    expect([e.code, e.msg]).toEqual([5, "open /nonexistent/rc: no such file or directory"]);
  });

  it("check: allocated -> ok; other ifname or unknown cid -> error", () => {
    const c = conf({ subnet: "10.1.0.0/24" });
    cmdAdd(cmd("ADD", "c1", c), deps());
    expect(() => cmdCheck(cmd("CHECK", "c1", c), deps())).not.toThrow();
    expect(cniError(() => cmdCheck(cmd("CHECK", "zz", c), deps())).msg).toBe("host-local: Failed to find address added by container zz");
    expect(() => cmdCheck(cmd("CHECK", "c1", c, "eth1"), deps())).toThrow(CniError);
  });

  it("del: releases the attachment's IPs in every set; repeated DEL succeeds", () => {
    const c = conf(dual);
    cmdAdd(cmd("ADD", "c1", c), deps());
    cmdAdd(cmd("ADD", "c2", c), deps());
    cmdDel(cmd("DEL", "c1", c), deps());
    expect(listing()).toEqual(["10.1.0.3", "fd00::3", "last_reserved_ip.0", "last_reserved_ip.1", "lock"]);
    cmdDel(cmd("DEL", "c1", c), deps());
    expect(listing().length).toBe(5);
  });

  it("del: legacy cid-only file -> released", () => {
    const c = conf({ subnet: "10.1.0.0/24" });
    cmdAdd(cmd("ADD", "seed", c), deps());
    fs.writeFileSync(path.join(netDir(), "10.1.0.77"), "legacy");
    cmdDel(cmd("DEL", "legacy", c), deps());
    expect(fs.existsSync(path.join(netDir(), "10.1.0.77"))).toBe(false);
  });

  it("gc: keeps valid attachments (legacy by cid), removes the rest incl. empty files; bookkeeping files stay", () => {
    const c = conf({ subnet: "10.1.0.0/24" });
    for (const id of ["keep", "drop1", "drop2"]) cmdAdd(cmd("ADD", id, c), deps());
    fs.writeFileSync(path.join(netDir(), "10.1.0.50"), "legacykeep");
    fs.writeFileSync(path.join(netDir(), "10.1.0.51"), "legacydrop");
    fs.writeFileSync(path.join(netDir(), "10.1.0.52"), "");
    fs.writeFileSync(path.join(netDir(), "notes.txt"), "drop1\r\neth0");
    const gc: GcContext = { verb: "GC", path: [], conf: c, validAttachments: [{ containerID: "keep", ifname: "eth0" }, { containerID: "legacykeep", ifname: "eth9" }], stdin: new Uint8Array(), env: {}, stderr: () => {} };
    cmdGc(gc, deps());
    expect(listing()).toEqual(["10.1.0.2", "10.1.0.50", "last_reserved_ip.0", "lock", "notes.txt"]);
  });

  it("gc: empty valid list -> every allocation released", () => {
    const c = conf({ subnet: "10.1.0.0/24" });
    cmdAdd(cmd("ADD", "a", c), deps());
    cmdGc({ verb: "GC", path: [], conf: c, validAttachments: [], stdin: new Uint8Array(), env: {}, stderr: () => {} }, deps());
    expect(listing()).toEqual(["last_reserved_ip.0", "lock"]);
  });

  it("status: writable data dir (not yet created) -> ok and creates nothing; file in the way -> error 50", () => {
    const st = (c: NetConf): StatusContext => ({ verb: "STATUS", path: [], conf: c, stdin: new Uint8Array(), env: {}, stderr: () => {} });
    expect(() => cmdStatus(st(conf({ subnet: "10.1.0.0/24", dataDir: path.join(dir, "sub") })), deps())).not.toThrow();
    expect(fs.existsSync(path.join(dir, "sub"))).toBe(false);
    fs.writeFileSync(path.join(dir, "file"), "");
    const e = cniError(() => cmdStatus(st(conf({ subnet: "10.1.0.0/24", dataDir: path.join(dir, "file") })), deps()));
    expect(e.code).toBe(50);
  });

  it("open: network name with a slash -> error 5, nothing created outside dataDir", () => {
    const c = conf({ subnet: "10.1.0.0/24" });
    c.raw.name = "../escape";
    expect(cniError(() => cmdAdd(cmd("ADD", "a", c), deps())).code).toBe(5);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
