// dhcp IPAM + `dhcp daemon` against a real DHCP server (dnsmasq) in private netns; pods attached with the
// bridge plugin. Asserts what the server sees (its lease file and log), the pod's kernel state and
// traffic, and the daemon's files. Every process is killed by PID and every netns deleted in teardown.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { deleteAllNetns, runPlugin } from "./harness.ts";
import { clientIdHex, DhcpLab, DNSMASQ_DEFAULTS, hasDnsmasq, podAddrs as addr, until } from "./dhcp-lab.ts";

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot || !hasDnsmasq)("dhcp ipam with a real server", () => {
  let lab: DhcpLab;
  beforeEach(() => {
    lab = new DhcpLab();
  });
  afterEach(async () => {
    await lab.teardown();
  });
  afterAll(() => deleteAllNetns());

  const stateFiles = () => (existsSync(lab.stateDir) ? readdirSync(lab.stateDir) : []);

  it("add: the pod gets the server's address, gateway, routes and DNS; traffic flows; the server holds the lease under our client ID", async () => {
    lab.startDnsmasq([...DNSMASQ_DEFAULTS, "--dhcp-option=option:classless-static-route,10.99.0.0/16,10.66.0.1,0.0.0.0/0,10.66.0.1"]);
    await lab.startDaemon();
    const pod = lab.newPod();
    const out = await lab.run("ADD", pod, "ctr-a");
    expect(out.code, out.stdout + out.stderr).toBe(0);
    const ip = out.json.ips[0];
    expect(ip.address).toMatch(/^10\.66\.0\.\d+\/24$/);
    expect(ip.gateway).toBe("10.66.0.1");
    expect(out.json.routes).toEqual([{ dst: "10.99.0.0/16", gw: "10.66.0.1" }, { dst: "0.0.0.0/0", gw: "10.66.0.1" }]);
    expect(out.json.dns).toEqual({ nameservers: ["10.66.0.53", "10.66.0.54"], domain: "pods.test", search: ["pods.test", "example.test"] });
    expect(addr(pod)).toEqual([ip.address]);
    pod.exec("ping", ["-c", "1", "-W", "2", "10.66.0.1"]);
    const lease = lab.serverLeases().find((l) => l.includes(ip.address.split("/")[0]))!;
    expect(lease).toContain(clientIdHex("ctr-a/dnet/eth0"));
    // mode 0600 socket, one persisted lease (0600)
    expect(statSync(lab.socket).mode & 0o777).toBe(0o600);
    expect(stateFiles()).toHaveLength(1);
    expect(statSync(join(lab.stateDir, stateFiles()[0]!)).mode & 0o777).toBe(0o600);
    // ADD again for the same attachment returns the lease held, no new allocation
    const again = await runPlugin({ plugin: "dhcp", command: "ADD", config: lab.conf(), containerId: "ctr-a", netns: pod.path, node: lab.node });
    expect(again.json.ips[0].address).toBe(ip.address);
    expect(lab.serverLeases()).toHaveLength(1);
  });

  it("provide/request: host-name from CNI_ARGS reaches the server; option 121 absent -> router default route", async () => {
    lab.startDnsmasq();
    await lab.startDaemon();
    const pod = lab.newPod();
    const conf = { ...lab.conf({ provide: [{ option: "host-name", fromArg: "K8S_POD_NAME" }], priority: 5 }), cniVersion: "1.1.0" };
    const out = await lab.run("ADD", pod, "ctr-h", { conf, cniArgs: "IgnoreUnknown=1;K8S_POD_NAME=web-7" });
    expect(out.code, out.stdout).toBe(0);
    expect(out.json.routes).toEqual([{ dst: "0.0.0.0/0", gw: "10.66.0.1", priority: 5 }]);
    expect(lab.serverLeases()[0]).toContain(" web-7 ");
  });

  it("check: a live lease -> ok; an attachment without a lease -> error 101 and nothing allocated", async () => {
    lab.startDnsmasq();
    await lab.startDaemon();
    const pod = lab.newPod();
    const out = await lab.run("ADD", pod, "ctr-c");
    expect(out.code).toBe(0);
    const check = await runPlugin({ plugin: "dhcp", command: "CHECK", config: { ...lab.conf(), prevResult: out.json }, containerId: "ctr-c", netns: pod.path, node: lab.node });
    expect(check.code, check.stdout).toBe(0);
    const other = await runPlugin({ plugin: "dhcp", command: "CHECK", config: { ...lab.conf(), prevResult: out.json }, containerId: "ctr-none", netns: pod.path, node: lab.node });
    expect(other.json.code).toBe(101);
    expect(lab.serverLeases()).toHaveLength(1);
    expect(lab.dnsmasq!.log.match(/DHCPDISCOVER/g)).toHaveLength(1);
  });

  it("renewal: T1 of 3 s -> the daemon renews (DHCPREQUEST/DHCPACK at the server) and keeps the address", async () => {
    lab.startDnsmasq([...DNSMASQ_DEFAULTS, "--dhcp-option=option:T1,3", "--dhcp-option=option:T2,6"]);
    await lab.startDaemon();
    const pod = lab.newPod();
    const out = await lab.run("ADD", pod, "ctr-r");
    expect(out.code).toBe(0);
    await until("two renewals", () => (lab.daemon!.log.match(/renewed for/g) ?? []).length >= 2);
    expect((lab.dnsmasq!.log.match(/DHCPACK/g) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(addr(pod)).toEqual([out.json.ips[0].address]);
  });

  it("del: DHCPRELEASE reaches the server (lease gone), state file removed; DEL again -> ok", async () => {
    lab.startDnsmasq();
    await lab.startDaemon();
    const pod = lab.newPod();
    expect((await lab.run("ADD", pod, "ctr-d")).code).toBe(0);
    expect(lab.serverLeases()).toHaveLength(1);
    const del = await lab.run("DEL", pod, "ctr-d");
    expect(del.code, del.stdout).toBe(0);
    await until("DHCPRELEASE at the server", () => lab.dnsmasq!.log.includes("DHCPRELEASE"));
    await until("lease gone from the server", () => lab.serverLeases().length === 0);
    expect(stateFiles()).toEqual([]);
    expect((await lab.run("DEL", pod, "ctr-d")).code).toBe(0);
    expect((await lab.run("DEL", undefined, "ctr-d")).code).toBe(0);
  });

  it("gc: through bridge -> another network's GC and valid leases keep them, this network's others are released (DHCPRELEASE at the server)", async () => {
    lab.startDnsmasq();
    await lab.startDaemon();
    const [p1, p2] = [lab.newPod(), lab.newPod()];
    expect((await lab.run("ADD", p1, "ctr-g1")).code).toBe(0);
    expect((await lab.run("ADD", p2, "ctr-g2")).code).toBe(0);
    expect(lab.serverLeases()).toHaveLength(2);
    const gc = async (name: string, valid: string[]) => {
      const conf = { ...lab.conf(), cniVersion: "1.1.0", name, "cni.dev/valid-attachments": valid.map((id) => ({ containerID: id, ifname: "eth0" })) };
      const o = await lab.run("GC", undefined, "unused", { conf });
      expect(o.code, o.stdout + o.stderr).toBe(0);
    };
    await gc("othernet", []);
    await gc("dnet", ["ctr-g1", "ctr-g2"]);
    expect(lab.serverLeases()).toHaveLength(2);
    expect(stateFiles()).toHaveLength(2);
    await gc("dnet", ["ctr-g1"]);
    await until("the stale lease released at the server", () => lab.serverLeases().length === 1);
    expect(stateFiles()).toHaveLength(1);
    expect(addr(p1)).toHaveLength(1);
    await gc("dnet", []);
    await until("every lease released at the server", () => lab.serverLeases().length === 0);
    expect(stateFiles()).toEqual([]);
  });

  it("crash: bridge+dhcp killed after each step of ADD (the list from the code), then DEL (pod there or gone) or GC -> the daemon holds no lease; with the pod there the server's lease is released", async () => {
    lab.startDnsmasq();
    await lab.startDaemon();
    const record = join(lab.stateDir, "..", "crash-points");
    const rec = lab.newPod();
    expect((await lab.run("ADD", rec, "ctr-rec", { env: { TSCNI_TEST_CRASH_AFTER: `record:${record}` } })).code).toBe(0);
    expect((await lab.run("DEL", rec, "ctr-rec")).code).toBe(0);
    const points = readFileSync(record, "utf8").trim().split("\n").map((l) => l.split("\t")).filter(([type]) => type === "bridge");
    expect(points.length).toBeGreaterThan(3);
    const modes = ["del", "gc", "del gone"] as const;
    for (const [i, [, n, step]] of points.entries()) {
      const mode = modes[i % modes.length]!;
      const pod = lab.newPod();
      const id = `ctr-crash-${n}`;
      const add = await lab.run("ADD", pod, id, { env: { TSCNI_TEST_CRASH_AFTER: `bridge:${n}` } });
      expect(add.code, `${step}: ADD was not killed`).not.toBe(0);
      if (mode === "gc") {
        const gc = await lab.run("GC", undefined, "unused", { conf: { ...lab.conf(), cniVersion: "1.1.0", "cni.dev/valid-attachments": [] } });
        expect(gc.code, `${step}: ${gc.stdout}`).toBe(0);
      } else {
        if (mode === "del gone") pod.delete();
        const del = await lab.run("DEL", mode === "del gone" ? undefined : pod, id);
        expect(del.code, `${step}: ${del.stdout}`).toBe(0);
      }
      expect(stateFiles(), `killed after "${step}", then ${mode}`).toEqual([]);
      const mine = clientIdHex(`${id}/dnet/eth0`); // "del gone": nothing can be sent from a gone pod, the server's lease expires
      if (mode !== "del gone") await until(`killed after "${step}", then ${mode}: no lease at the server`, () => !lab.serverLeases().some((l) => l.includes(mine)));
      pod.delete();
    }
  });

  it("nak: the server restarts with another range -> the renewal is refused, the pod link goes down, CHECK -> 102, DEL ok", async () => {
    lab.startDnsmasq([...DNSMASQ_DEFAULTS, "--dhcp-option=option:T1,2", "--dhcp-option=option:T2,4"]);
    await lab.startDaemon();
    const pod = lab.newPod();
    const out = await lab.run("ADD", pod, "ctr-n");
    expect(out.code).toBe(0);
    await lab.stopDnsmasq();
    lab.startDnsmasq(["--dhcp-range=10.66.0.251,10.66.0.254,255.255.255.0,2m"]);
    await until("lease lost", () => lab.daemon!.log.includes("lost: refused by the server"));
    expect(lab.dnsmasq!.log).toContain("DHCPNAK");
    expect(pod.ipJson<any[]>(["link", "show", "dev", "eth0"])[0].flags).not.toContain("UP");
    const check = await runPlugin({ plugin: "dhcp", command: "CHECK", config: { ...lab.conf(), prevResult: out.json }, containerId: "ctr-n", netns: pod.path, node: lab.node });
    expect(check.json.code).toBe(102);
    expect((await lab.run("DEL", pod, "ctr-n")).code).toBe(0);
    expect(stateFiles()).toEqual([]);
  });

  it("server gone: ADD -> code 11 within the daemon's -resendtimeout, no veth, no lease left", async () => {
    await lab.startDaemon(["-resendtimeout", "2s"]);
    const pod = lab.newPod();
    const out = await lab.run("ADD", pod, "ctr-g");
    expect(out.json.code, out.stdout).toBe(11);
    expect(out.json.msg).toContain("no DHCP lease");
    expect(pod.ipJson<any[]>(["link", "show"]).map((l) => l.ifname)).toEqual(["lo"]);
    expect(lab.node.ipJson<any[]>(["link", "show", "master", "cni0"])).toEqual([]);
    expect(stateFiles()).toEqual([]);
  });

  it("restart: kill -9, the stale socket is replaced, leases resume and renew, pods keep their addresses, DEL still releases", async () => {
    lab.startDnsmasq([...DNSMASQ_DEFAULTS, "--dhcp-option=option:T1,3", "--dhcp-option=option:T2,6"]);
    await lab.startDaemon();
    const pods = [lab.newPod(), lab.newPod()];
    const results = await Promise.all(pods.map((p, i) => lab.run("ADD", p, `ctr-k${i}`)));
    for (const r of results) expect(r.code, r.stdout).toBe(0);
    await lab.stopDaemon("SIGKILL");
    expect(existsSync(lab.socket)).toBe(true); // what a crash leaves behind
    const status = await runPlugin({ plugin: "dhcp", command: "STATUS", config: { ...lab.conf(), cniVersion: "1.1.0" }, node: lab.node });
    expect(status.json.code).toBe(50);
    const acksBefore = (lab.dnsmasq!.log.match(/DHCPACK/g) ?? []).length;
    const d2 = await lab.startDaemon();
    expect(d2.log).toContain("removed stale socket");
    expect(d2.log).toContain("2 leases resumed");
    await until("renewals after the restart", () => (d2.log.match(/renewed for/g) ?? []).length >= 2);
    expect((lab.dnsmasq!.log.match(/DHCPACK/g) ?? []).length).toBeGreaterThan(acksBefore);
    pods.forEach((p, i) => expect(addr(p)).toEqual([results[i]!.json.ips[0].address]));
    for (const [i, p] of pods.entries()) expect((await lab.run("DEL", p, `ctr-k${i}`)).code).toBe(0);
    await until("both leases released at the server", () => lab.serverLeases().length === 0).catch((e) => { console.log(lab.daemon!.log, lab.dnsmasq!.log.split("\n").filter((l) => /DHCP[A-Z]+\(/.test(l)).join("\n"), lab.serverLeases()); throw e; });
  });

  it("daemon: a second daemon on a live socket refuses to start; SIGTERM removes socket and pidfile; STATUS ok/50", async () => {
    const pidfile = join(lab.dir.path, "dhcp.pid");
    const d1 = await lab.startDaemon(["-pidfile", pidfile]);
    expect(existsSync(pidfile)).toBe(true);
    const st = await runPlugin({ plugin: "dhcp", command: "STATUS", config: { ...lab.conf(), cniVersion: "1.1.0" }, node: lab.node });
    expect(st.code, st.stdout).toBe(0);
    const second = new DhcpLab();
    try {
      const d2 = await second.startDaemon(["-socketpath", lab.socket]);
      expect(await d2.exited).toBe(1);
      expect(d2.log).toContain("already listening");
    } finally {
      await second.teardown();
    }
    await lab.stopDaemon("SIGTERM");
    expect(d1.child.exitCode).toBe(0);
    expect(existsSync(lab.socket)).toBe(false);
    expect(existsSync(pidfile)).toBe(false);
    const down = await runPlugin({ plugin: "dhcp", command: "STATUS", config: { ...lab.conf(), cniVersion: "1.1.0" }, node: lab.node });
    expect(down.json.code).toBe(50);
    const add = await lab.run("ADD", lab.newPod(), "ctr-x");
    expect(add.json.code).toBe(11);
  });

  it("socket activation: the daemon serves the socket systemd passes as fd 3 (LISTEN_FDS); SIGTERM leaves that socket to its owner", async () => {
    lab.startDnsmasq();
    const d = await lab.startActivatedDaemon();
    expect(d.log).toContain("listening on the socket passed by systemd");
    const pod = lab.newPod();
    const out = await lab.run("ADD", pod, "ctr-sa");
    expect(out.code, out.stdout + d.log).toBe(0);
    expect(addr(pod)).toEqual([out.json.ips[0].address]);
    expect((await lab.run("DEL", pod, "ctr-sa")).code).toBe(0);
    await lab.stopDaemon("SIGTERM");
    expect(d.child.exitCode).toBe(0);
    expect(statSync(lab.socket).isSocket()).toBe(true); // systemd's (RemoveOnStop decides), not ours to unlink
  });

  it("macvlan: a macvlan pod on a master bridged to the server's L2 gets its lease, reaches the gateway, and DEL releases it", async () => {
    lab.startDnsmasq();
    await lab.startDaemon();
    lab.addMaster("mv0");
    const pod = lab.newPod();
    const conf = { cniVersion: "1.0.0", name: "dnet", type: "macvlan", master: "mv0", ipam: { type: "dhcp", daemonSocketPath: lab.socket } };
    const out = await lab.run("ADD", pod, "ctr-mv", { conf, plugin: "macvlan" });
    expect(out.code, out.stdout + out.stderr).toBe(0);
    const ip = out.json.ips[0];
    expect(ip.address).toMatch(/^10\.66\.0\.\d+\/24$/);
    expect(addr(pod)).toEqual([ip.address]);
    const mac = pod.ipJson<any[]>(["link", "show", "dev", "eth0"])[0].address;
    expect(lab.serverLeases()[0]).toContain(` ${mac} ${ip.address.split("/")[0]} `);
    pod.exec("ping", ["-c", "1", "-W", "2", "10.66.0.1"]);
    expect((await lab.run("DEL", pod, "ctr-mv", { conf, plugin: "macvlan" })).code).toBe(0);
    await until("lease released at the server", () => lab.serverLeases().length === 0);
    expect(stateFiles()).toEqual([]);
  });

  it("config: an unknown option name -> error 7 before the daemon is asked", async () => {
    const out = await runPlugin({ plugin: "dhcp", command: "ADD", config: lab.conf({ provide: [{ option: "bogus", value: "x" }] }), containerId: "c", netns: "/proc/self/ns/net", node: lab.node, env: { CNI_NETNS_OVERRIDE: "1" } });
    expect(out.json.code).toBe(7);
  });

  it("scale: 50 pods in parallel get 50 distinct leases; 50 DELs release them all and leave nothing", async () => {
    lab.startDnsmasq();
    await lab.startDaemon();
    const pods = Array.from({ length: 50 }, () => lab.newPod());
    const adds = await Promise.all(pods.map((p, i) => lab.run("ADD", p, `ctr-s${i}`)));
    for (const a of adds) expect(a.code, a.stdout + a.stderr).toBe(0);
    const ips = new Set(adds.map((a) => a.json.ips[0].address));
    expect(ips.size).toBe(50);
    expect(lab.serverLeases()).toHaveLength(50);
    expect(stateFiles()).toHaveLength(50);
    const dels = await Promise.all(pods.map((p, i) => lab.run("DEL", p, `ctr-s${i}`)));
    for (const d of dels) expect(d.code, d.stdout).toBe(0);
    await until("all leases released", () => lab.serverLeases().length === 0, 60_000).catch((e) => { console.log(lab.daemon!.log.split("\n").filter((l) => !/acquir/.test(l)).join("\n"), lab.dnsmasq!.log.split("\n").filter((l) => /DHCP(RELEASE|NAK)/.test(l)).length, lab.serverLeases()); throw e; });
    expect(stateFiles()).toEqual([]);
    expect(lab.node.ipJson<any[]>(["link", "show", "master", "cni0"])).toEqual([]);
  }, 300_000);
});
