// tuning GC over fake backups: a backup of this network whose attachment is not valid goes; a valid
// one's, another network's, an untagged (reference-written) one and a file that is not a backup stay.
import { describe, expect, it } from "vitest";
import { cmdAdd } from "../../../../../plugins/meta/tuning/add.ts";
import { cmdGc } from "../../../../../plugins/meta/tuning/gc.ts";
import type { Result } from "../../../../../shared/cni/types.ts";
import { cmdContext, gcContext } from "../../../fakes/context.ts";
import { ORIGINAL, tuningFakes } from "../../../fakes/tuning.ts";

const PREV: Result = { cniVersion: "1.1.0", interfaces: [{ name: "eth0", mac: ORIGINAL.mac, sandbox: "/run/netns/pod1" }] };
const CONF = { type: "tuning", mtu: 1400, dataDir: "/d" };

async function withBackup(containerId = "ctr1", ifname = "eth0") {
  const f = tuningFakes();
  await cmdAdd(cmdContext({ ...CONF, prevResult: PREV }, { containerId, ifname }), f.deps);
  const file = `/d/${containerId}_${ifname}.json`;
  expect(f.backups.files.has(file)).toBe(true);
  return { f, file };
}

describe("tuning gc", () => {
  it("gc: attachment not valid -> its backup removed; valid -> kept", async () => {
    const { f, file } = await withBackup();
    await cmdGc(gcContext(CONF, [{ containerID: "ctr1", ifname: "eth0" }]), f.deps);
    expect(f.backups.files.has(file)).toBe(true);
    await cmdGc(gcContext(CONF, [{ containerID: "other", ifname: "eth0" }]), f.deps);
    expect(f.backups.files.has(file)).toBe(false);
  });

  it("gc: another network's backup, a reference-written one, garbage, another dir -> all kept", async () => {
    const { f, file } = await withBackup();
    f.backups.files.set("/d/refctr_eth0.json", '{\n "mtu": 1500\n}');
    f.backups.files.set("/d/junk.json", "not json");
    f.backups.files.set("/d/notes.txt", "x");
    await cmdGc(gcContext({ ...CONF, name: "net2" }, []), f.deps);
    expect(f.backups.files.has(file)).toBe(true);
    await cmdGc(gcContext({ ...CONF, dataDir: "/elsewhere" }, []), f.deps);
    expect(f.backups.files.has(file)).toBe(true);
    await cmdGc(gcContext(CONF, []), f.deps);
    expect([...f.backups.files.keys()].sort()).toEqual(["/d/junk.json", "/d/notes.txt", "/d/refctr_eth0.json"]);
  });

  it("gc: container ID with _ (the file name is ambiguous) and 200+ characters -> matched by the tag, not the file name", async () => {
    const cid = `x_${"c".repeat(200)}`;
    const { f, file } = await withBackup(cid, "eth0");
    await cmdGc(gcContext(CONF, [{ containerID: cid, ifname: "eth0" }]), f.deps);
    expect(f.backups.files.has(file)).toBe(true);
    await cmdGc(gcContext(CONF, [{ containerID: "x", ifname: `${"c".repeat(200)}_eth0` }]), f.deps);
    expect(f.backups.files.has(file)).toBe(false);
  });
});
