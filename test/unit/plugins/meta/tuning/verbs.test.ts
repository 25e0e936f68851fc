// tuning ADD/DEL/CHECK in-process over a fake pod: step order, the result, rollback (a failure injected
// at EVERY step of ADD leaves the pod's sysctls and link and the backup dir as they were), DEL's restore.
import { describe, expect, it } from "vitest";
import { cmdAdd } from "../../../../../plugins/meta/tuning/add.ts";
import { cmdCheck } from "../../../../../plugins/meta/tuning/check.ts";
import { cmdDel } from "../../../../../plugins/meta/tuning/del.ts";
import type { Result } from "../../../../../shared/cni/types.ts";
import { attachmentTag } from "../../../../../shared/firewall/hash.ts";
import { cmdContext } from "../../../fakes/context.ts";
import { InjectedFailure } from "../../../fakes/steps.ts";
import { ORIGINAL, tuningFakes } from "../../../fakes/tuning.ts";

const PREV: Result = {
  cniVersion: "1.1.0",
  interfaces: [{ name: "veth1", mac: "02:00:00:00:00:01" }, { name: "eth0", mac: ORIGINAL.mac, sandbox: "/run/netns/pod1" }],
  ips: [{ address: "10.88.0.5/16", interface: 1 }],
};
const ALL = {
  type: "tuning",
  sysctl: { "net.ipv4.conf.IFNAME.arp_filter": "1", "net.core.somaxconn": "100" },
  mac: "C2:00:00:00:00:77",
  promisc: true,
  mtu: 1400,
  allmulti: true,
  txQLen: 42,
  dataDir: "/d",
  prevResult: PREV,
};
const FILE = "/d/ctr1_eth0.json";

const ADD_STEPS = [
  "pod.writeSysctl net/ipv4/conf/eth0/arp_filter=1",
  "pod.writeSysctl net/core/somaxconn=100",
  "backup.write ctr1_eth0.json",
  "pod.set mac=c2:00:00:00:00:77",
  "pod.set promisc=true",
  "pod.set mtu=1400",
  "pod.set allmulti=true",
  "pod.set txqlen=42",
];

describe("tuning verbs over a fake pod", () => {
  it("add: every key -> sysctls, backup of the originals, then MAC, promisc, MTU, allmulti, txqlen; result has the new MAC", async () => {
    const f = tuningFakes();
    const r = await cmdAdd(cmdContext(ALL), f.deps);
    expect(f.steps.names).toEqual(ADD_STEPS);
    expect(f.pod.attrs).toEqual({ mac: "c2:00:00:00:00:77", promisc: true, mtu: 1400, allmulti: true, txqlen: 42 });
    const attachment = attachmentTag("net1", "eth0", "ctr1");
    expect(JSON.parse(f.backups.files.get(FILE)!)).toEqual({ mac: ORIGINAL.mac, promisc: false, mtu: 1500, allmulti: false, txQLen: 1000, attachment });
    expect(r.interfaces).toEqual([PREV.interfaces![0], { ...PREV.interfaces![1], mac: "c2:00:00:00:00:77" }]);
    expect(f.pod.closed).toBe(1);
  });

  it.each(ADD_STEPS.map((s, i) => [i, s] as const))("add: failure at step %i (%s) -> the error surfaces, pod and data dir as before", async (i) => {
    const f = tuningFakes(i);
    const sysctls = new Map(f.pod.sysctls);
    await expect(cmdAdd(cmdContext(ALL), f.deps)).rejects.toThrow(InjectedFailure);
    expect(f.pod.sysctls).toEqual(sysctls);
    expect(f.pod.attrs).toEqual(ORIGINAL);
    expect(f.backups.files.size).toBe(0);
    expect(f.logs).toEqual([]);
  });

  it("add: no keys (Podman's tuning) -> prevResult passed through, the pod not opened", async () => {
    const f = tuningFakes();
    expect(await cmdAdd(cmdContext({ type: "tuning", prevResult: PREV }), f.deps)).toEqual(PREV);
    expect(f.opened()).toBe(0);
  });

  it("add: no prevResult -> error 7 before any change", async () => {
    const f = tuningFakes();
    await expect(cmdAdd(cmdContext({ type: "tuning", mtu: 1400 }), f.deps)).rejects.toMatchObject({ code: 7, msg: "Required prevResult missing" });
    expect(f.steps.names).toEqual([]);
  });

  it("add: a sysctl the allowlist refuses -> error 7, nothing written", async () => {
    const f = tuningFakes(undefined, { allowlist: "^net\\.core\\.\n" });
    await expect(cmdAdd(cmdContext(ALL), f.deps)).rejects.toMatchObject({ code: 7 });
    expect(f.steps.names).toEqual([]);
  });

  it("add: sysctls only -> no backup file (as the reference)", async () => {
    const f = tuningFakes();
    await cmdAdd(cmdContext({ type: "tuning", sysctl: { "net.core.somaxconn": "7" }, prevResult: PREV }), f.deps);
    expect(f.steps.names).toEqual(["pod.writeSysctl net/core/somaxconn=7"]);
  });

  it("check: after add -> ok; a changed value -> the reference's message", async () => {
    const f = tuningFakes();
    await cmdAdd(cmdContext(ALL), f.deps);
    cmdCheck(cmdContext(ALL, { verb: "CHECK" }), f.deps);
    f.pod.attrs.mtu = 1300;
    expect(() => cmdCheck(cmdContext(ALL, { verb: "CHECK" }), f.deps)).toThrow("Error: Tuning configured MTU of eth0 is 1400, current value is 1300");
    f.pod.attrs.mtu = 1400;
    f.pod.sysctls.set("net/core/somaxconn", "5");
    expect(() => cmdCheck(cmdContext(ALL, { verb: "CHECK" }), f.deps)).toThrow(/somaxconn is 100, current value is 5/);
  });

  it("check: promisc configured off but on -> fails (as the reference)", () => {
    const f = tuningFakes();
    f.pod.attrs.promisc = true;
    expect(() => cmdCheck(cmdContext({ type: "tuning", prevResult: PREV }, { verb: "CHECK" }), f.deps)).toThrow(/promisc/);
  });

  it("del: after add -> originals restored (MTU, MAC, promisc, allmulti, txqlen), backup removed; again -> nothing to do", async () => {
    const f = tuningFakes();
    await cmdAdd(cmdContext(ALL), f.deps);
    const n = f.steps.names.length;
    cmdDel(cmdContext(ALL, { verb: "DEL" }), f.deps);
    expect(f.steps.names.slice(n)).toEqual([
      "pod.set mtu=1500", "pod.set mac=02:00:00:00:00:aa", "pod.set promisc=false", "pod.set allmulti=false", "pod.set txqlen=1000", "backup.remove ctr1_eth0.json",
    ]);
    expect(f.pod.attrs).toEqual(ORIGINAL);
    cmdDel(cmdContext(ALL, { verb: "DEL" }), f.deps);
    expect(f.steps.names).toHaveLength(n + 6);
  });

  it("del: a restore step fails -> logged, DEL succeeds, backup kept for a retry", async () => {
    const f = tuningFakes(ADD_STEPS.length + 1);
    await cmdAdd(cmdContext(ALL), f.deps);
    cmdDel(cmdContext(ALL, { verb: "DEL" }), f.deps);
    expect(f.logs).toEqual([expect.stringMatching(/^failed to restore MAC address: injected failure/)]);
    expect(f.backups.files.has(FILE)).toBe(true);
    expect(f.pod.attrs.mtu).toBe(1500);
  });

  it("del: netns gone, or the interface gone -> backup removed, success", async () => {
    for (const gone of ["netns", "link"]) {
      const f = tuningFakes(undefined, { netnsGone: gone === "netns" });
      f.backups.files.set(FILE, '{\n "mtu": 1500\n}');
      f.pod.hasLink = gone !== "link";
      cmdDel(cmdContext(ALL, { verb: "DEL" }), f.deps);
      expect(f.backups.files.size).toBe(0);
    }
  });
});
