// dhcp IPAM under ipvlan, against a real dnsmasq. ipvlan slaves share their master's MAC, so a unicast
// DHCP reply cannot be demultiplexed to the right pod (reference #862: DHCP + ipvlan does not work
// there); tscni's daemon asks for broadcast replies on ipvlan interfaces and tells pods apart by client
// ID. Needs a kernel with ipvlan: scripts/test-vm runs it in a VM with Debian's kernel.
import { afterAll, afterEach, beforeEach, expect, it } from "vitest";
import { deleteAllNetns, describeKernel } from "./harness.ts";
import { clientIdHex, DhcpLab, hasDnsmasq, podAddrs as addr, until } from "./dhcp-lab.ts";

describeKernel(["ipvlan"], "dhcp under ipvlan", () => {
  let lab: DhcpLab;
  beforeEach(() => {
    lab = new DhcpLab();
  });
  afterEach(async () => {
    await lab.teardown();
  });
  afterAll(() => deleteAllNetns());


  it("two ipvlan pods of one master get distinct leases (broadcast replies, client IDs), reach the gateway, and DEL releases both", async () => {
    expect(hasDnsmasq).toBe(true);
    lab.startDnsmasq();
    await lab.startDaemon();
    lab.addMaster("ipv0");
    const conf = { cniVersion: "1.0.0", name: "dnet", type: "ipvlan", master: "ipv0", ipam: { type: "dhcp", daemonSocketPath: lab.socket } };
    const pods = [lab.newPod(), lab.newPod()];
    const outs = [];
    for (const [i, pod] of pods.entries()) outs.push(await lab.run("ADD", pod, `ctr-iv${i}`, { conf, plugin: "ipvlan" }));
    for (const o of outs) expect(o.code, o.stdout + o.stderr + lab.daemon!.log).toBe(0);
    const ips = outs.map((o) => o.json.ips[0].address);
    expect(new Set(ips).size).toBe(2);
    pods.forEach((p, i) => expect(addr(p)).toEqual([ips[i]]));
    expect(lab.daemon!.log).toContain("broadcast replies");
    const leases = lab.serverLeases();
    expect(leases).toHaveLength(2);
    for (let i = 0; i < 2; i++) expect(leases.some((l) => l.includes(clientIdHex(`ctr-iv${i}/dnet/eth0`)))).toBe(true);
    for (const p of pods) p.exec("ping", ["-c", "1", "-W", "5", "10.66.0.1"]);
    for (const [i, pod] of pods.entries()) expect((await lab.run("DEL", pod, `ctr-iv${i}`, { conf, plugin: "ipvlan" })).code).toBe(0);
    await until("both leases released at the server", () => lab.serverLeases().length === 0, 60_000);
  }, 240_000);
});
