// The disk store's atomic allocation (temp file linked into place) and its index (one entry per holder,
// trusted only while the stamp matches the network directory), on a real temp dir; the flock is a
// no-op here (single process). Files written "by another suite" are written the way the reference
// writes them: create in the network directory, then write.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseIP, type IP } from "../../../../../shared/ip/index.ts";
import { DiskStore, INDEX_ROOT } from "../../../../../plugins/ipam/host-local/store.ts";

let dir: string;
let store: DiskStore;
const ip = (s: string): IP => parseIP(s)!;
const netDir = () => path.join(dir, "net1");
const indexDir = () => path.join(dir, INDEX_ROOT, "net1");
const ipFiles = () => fs.readdirSync(netDir()).filter((f) => parseIP(f)).sort();
const content = (f: string) => fs.readFileSync(path.join(netDir(), f), "utf8");
const locked = <T>(fn: () => T): T => store.withLock(fn);
/** a file as the reference (or an older tscni) creates it: create, then write */
const foreign = (name: string, text: string) => fs.writeFileSync(path.join(netDir(), name), text);
const indexFiles = () => fs.readdirSync(indexDir()).sort();

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tscni-hls-"));
  store = DiskStore.open(dir, "net1", () => {});
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("host-local disk store: atomic allocation", () => {
  it("reserve: the file appears complete (reference format, 0644), no temp file left, the index lists it", () => {
    expect(locked(() => store.reserve("c1", "eth0", ip("10.1.0.2"), "0"))).toBe(true);
    expect(fs.readdirSync(netDir()).sort()).toEqual(["10.1.0.2", "last_reserved_ip.0", "lock"]);
    expect(content("10.1.0.2")).toBe("c1\r\neth0");
    expect(fs.statSync(path.join(netDir(), "10.1.0.2")).mode & 0o777).toBe(0o644 & ~process.umask());
    expect(fs.statSync(path.join(netDir(), "10.1.0.2")).nlink).toBe(1);
    expect(indexFiles()).toHaveLength(2); // c1's entry and the stamp
    expect(indexFiles()).toContain("stamp");
    expect(locked(() => store.reserve("c2", "eth0", ip("10.1.0.2"), "0"))).toBe(false);
    expect(content("10.1.0.2")).toBe("c1\r\neth0");
    expect(indexFiles()).not.toContain("reserve.tmp");
  });

  it("killed after writing the temp file: no IP is taken; DEL (any attachment) and GC remove the temp file", () => {
    locked(() => store.reserve("c1", "eth0", ip("10.1.0.2"), "0"));
    const tmp = path.join(indexDir(), "reserve.tmp");
    fs.writeFileSync(tmp, "dead\r\neth0"); // what a kill between write and link leaves
    expect(locked(() => store.getByID("dead", "eth0"))).toEqual([]);
    expect(locked(() => store.reserve("c3", "eth0", ip("10.1.0.3"), "0"))).toBe(true); // a leftover temp is replaced
    fs.writeFileSync(tmp, "dead\r\neth0");
    locked(() => store.releaseByID("dead", "eth0"));
    expect(fs.existsSync(tmp)).toBe(false);
    fs.writeFileSync(tmp, "dead\r\neth0");
    locked(() => store.gc([{ containerID: "c1", ifname: "eth0" }, { containerID: "c3", ifname: "eth0" }]));
    expect(fs.existsSync(tmp)).toBe(false);
    expect(ipFiles()).toEqual(["10.1.0.2", "10.1.0.3"]);
  });

  it("an empty file (a writer killed between create and write) is released by the next DEL, never a valid one", () => {
    locked(() => store.reserve("c1", "eth0", ip("10.1.0.2"), "0"));
    foreign("10.1.0.3", "c2\r\neth0");
    foreign("10.1.0.4", ""); // the reference killed after its create
    foreign("10.1.0.5", "legacy");
    foreign("10.1.0.6", " \n");
    locked(() => store.releaseByID("unrelated", "eth0"));
    expect(ipFiles()).toEqual(["10.1.0.2", "10.1.0.3", "10.1.0.5"]);
    expect(locked(() => store.reserve("c4", "eth0", ip("10.1.0.4"), "0"))).toBe(true);
  });
});

describe("host-local disk store: index", () => {
  it("another suite's allocations (created after the stamp) are found: duplicate check, CHECK, DEL, legacy", () => {
    locked(() => store.reserve("c1", "eth0", ip("10.1.0.2"), "0"));
    foreign("10.1.0.3", "ref\r\neth0");
    expect(locked(() => store.getByID("ref", "eth0"))).toEqual([ip("10.1.0.3")]);
    expect(locked(() => store.findByID("ref", "eth0"))).toBe(true);
    foreign("10.1.0.9", "old"); // legacy: matched by cid, any ifname
    expect(locked(() => store.getByID("old", "eth7"))).toEqual([ip("10.1.0.9")]);
    locked(() => store.releaseByID("ref", "eth0"));
    locked(() => store.releaseByID("old", "eth7"));
    expect(ipFiles()).toEqual(["10.1.0.2"]);
    locked(() => store.releaseByID("c1", "eth0"));
    expect(ipFiles()).toEqual([]);
    expect(indexFiles()).toEqual(["stamp"]);
  });

  it("a file another suite removed is not reported (every index hit is verified), and its IP can be taken again", () => {
    locked(() => store.reserve("c1", "eth0", ip("10.1.0.2"), "0"));
    fs.unlinkSync(path.join(netDir(), "10.1.0.2")); // the reference's DEL
    expect(locked(() => store.findByID("c1", "eth0"))).toBe(false);
    foreign("10.1.0.2", "c2\r\neth0");
    expect(locked(() => store.getByID("c1", "eth0"))).toEqual([]);
    locked(() => store.releaseByID("c1", "eth0"));
    expect(content("10.1.0.2")).toBe("c2\r\neth0");
  });

  it("with a valid stamp, lookups read only the holder's entry and files, not the whole directory", () => {
    for (let i = 2; i < 50; i++) locked(() => store.reserve(`c${i}`, "eth0", ip(`10.1.0.${i}`), "0"));
    // rewritten in place (no directory change, so no rescan): only a scan would see c99 here
    fs.writeFileSync(path.join(netDir(), "10.1.0.20"), "c99\r\neth0");
    expect(locked(() => store.findByID("c99", "eth0"))).toBe(false);
    expect(locked(() => store.findByID("c20", "eth0"))).toBe(false); // verified: no longer c20's
    expect(locked(() => store.getByID("c21", "eth0"))).toEqual([ip("10.1.0.21")]);
    // any directory change makes the next operation rescan and see it
    foreign("10.1.0.200", "x\r\neth0");
    expect(locked(() => store.findByID("c99", "eth0"))).toBe(true);
  });

  it("a lost or damaged index (stamp, entries) is rebuilt, never trusted", () => {
    locked(() => store.reserve("c1", "eth0", ip("10.1.0.2"), "0"));
    locked(() => store.reserve("c2", "eth0", ip("10.1.0.3"), "0"));
    for (const f of indexFiles()) if (f !== "stamp") fs.unlinkSync(path.join(indexDir(), f));
    fs.writeFileSync(path.join(indexDir(), "stamp"), "garbage");
    expect(locked(() => store.getByID("c2", "eth0"))).toEqual([ip("10.1.0.3")]);
    fs.rmSync(path.join(dir, INDEX_ROOT), { recursive: true });
    locked(() => store.releaseByID("c1", "eth0"));
    expect(ipFiles()).toEqual(["10.1.0.3"]);
  });

  it("killed after the link, before the index entry: the directory changed, so the next DEL rescans and releases", () => {
    locked(() => store.reserve("c1", "eth0", ip("10.1.0.2"), "0"));
    // what a kill right after link() leaves: the allocation, the temp name, no entry, an old stamp
    const tmp = path.join(indexDir(), "reserve.tmp");
    fs.writeFileSync(tmp, "k\r\neth0");
    fs.linkSync(tmp, path.join(netDir(), "10.1.0.3"));
    locked(() => store.releaseByID("k", "eth0"));
    expect(ipFiles()).toEqual(["10.1.0.2"]);
    expect(fs.existsSync(tmp)).toBe(false);
  });

  it("gc: keeps valid holders, drops the rest (and empty files), rebuilds the index from what is left", () => {
    for (const [i, id] of ["keep", "drop"].entries()) locked(() => store.reserve(id, "eth0", ip(`10.1.0.${i + 2}`), "0"));
    foreign("10.1.0.9", "");
    expect(locked(() => store.gc([{ containerID: "keep", ifname: "eth0" }]))).toEqual([]);
    expect(ipFiles()).toEqual(["10.1.0.2"]);
    expect(indexFiles()).toHaveLength(2);
    expect(locked(() => store.getByID("keep", "eth0"))).toEqual([ip("10.1.0.2")]);
  });

  it("the network directory holds nothing but the reference's files", () => {
    locked(() => store.reserve("c1", "eth0", ip("10.1.0.2"), "0"));
    locked(() => store.reserve("c1", "eth0", ip("fd00::2"), "1"));
    locked(() => store.releaseIP(ip("fd00::2"), "c1", "eth0"));
    expect(fs.readdirSync(netDir()).sort()).toEqual(["10.1.0.2", "last_reserved_ip.0", "last_reserved_ip.1", "lock"]);
  });
});
