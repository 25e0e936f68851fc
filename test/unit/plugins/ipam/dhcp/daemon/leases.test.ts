// The DHCP client transactions and the lease lifecycle (T1 renew, T2 rebind, expiry, NAK, release,
// resume) against a scripted in-memory server, with vitest's fake timers as the clock.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CniError } from "../../../../../../shared/cni/errors.ts";
import { formatIP, parseIP, type IP } from "../../../../../../shared/ip/index.ts";
import { acquire, type Reply } from "../../../../../../plugins/ipam/dhcp/daemon/client.ts";
import { LeaseManager, type ClosablePort, type LeaseDeps } from "../../../../../../plugins/ipam/dhcp/daemon/leases.ts";
import type { LeaseRecord } from "../../../../../../plugins/ipam/dhcp/daemon/store.ts";
import { BOOTREPLY, MessageType, messageType, ZERO_IP, type DhcpMessage } from "../../../../../../plugins/ipam/dhcp/wire/message.ts";
import { ipBytes, Opt, u32Bytes } from "../../../../../../plugins/ipam/dhcp/wire/options.ts";

const ip = (s: string): IP => parseIP(s)!;
const SERVER = ip("10.9.0.1");
const SERVER_MAC = Uint8Array.of(2, 0, 0, 0, 0, 1);
const POD_MAC = Uint8Array.of(2, 0, 0, 0, 0, 2);

type Mode = "ok" | "silent" | "nak";
interface Sent {
  type: number;
  dst: string;
  dstMac: string;
  at: number;
}

/** A DHCP server in memory: answers per mode, with a 120 s lease, T1 40 s, T2 80 s. */
class FakeServer {
  mode: Mode = "ok";
  nakFirst = 0;
  sent: Sent[] = [];
  private queued: Reply | undefined;

  reply(req: DhcpMessage, type: number): DhcpMessage {
    const options = new Map<number, Uint8Array>([
      [Opt.MESSAGE_TYPE, Uint8Array.of(type)],
      [Opt.SERVER_ID, ipBytes(SERVER)],
    ]);
    if (type !== MessageType.NAK) {
      options.set(Opt.SUBNET_MASK, ipBytes(ip("255.255.255.0")));
      options.set(Opt.ROUTERS, ipBytes(SERVER));
      options.set(Opt.LEASE_TIME, u32Bytes(120));
      options.set(Opt.RENEWAL_TIME, u32Bytes(40));
      options.set(Opt.REBINDING_TIME, u32Bytes(80));
    }
    const yiaddr = type === MessageType.NAK ? ZERO_IP : ip("10.9.0.50");
    return { ...req, op: BOOTREPLY, yiaddr, options };
  }

  port(): ClosablePort {
    return {
      mac: POD_MAC,
      send: (m, _src, dst, dstMac) => {
        const type = messageType(m)!;
        this.sent.push({ type, dst: formatIP(dst), dstMac: [...dstMac].join(","), at: Date.now() });
        if (this.mode === "silent" || type === MessageType.RELEASE) return;
        let answer: number = type === MessageType.DISCOVER ? MessageType.OFFER : MessageType.ACK;
        if (type === MessageType.REQUEST && (this.mode === "nak" || this.nakFirst-- > 0)) answer = MessageType.NAK;
        this.queued = { message: this.reply(m, answer), srcMac: SERVER_MAC };
      },
      receive: async (timeoutMs, accept) => {
        const r = this.queued;
        this.queued = undefined;
        if (r && accept(r.message)) return r;
        return new Promise<undefined>((done) => setTimeout(() => done(undefined), timeoutMs));
      },
      close: () => {},
    };
  }
}

const sessionOf = (server: FakeServer) => ({
  port: server.port(),
  profile: { clientId: "c/n/eth0", mac: POD_MAC, broadcast: false, provide: new Map(), request: [1, 3] },
  clock: { now: () => Date.now(), random: () => 0.5 },
  backoff: { initialMs: 1000, maxMs: 8000 },
});

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1_000_000);
});
afterEach(() => vi.useRealTimers());

describe("dhcp client transactions", () => {
  it("acquire: DISCOVER/OFFER/REQUEST/ACK -> the granted address, timers and server", async () => {
    const server = new FakeServer();
    const o = await acquire(sessionOf(server), Date.now() + 60_000);
    expect(o.kind).toBe("ack");
    if (o.kind !== "ack") return;
    expect(formatIP(o.granted.info.address)).toBe("10.9.0.50");
    expect(o.granted.info).toMatchObject({ leaseSeconds: 120, renewSeconds: 40, rebindSeconds: 80 });
    expect(server.sent.map((s) => s.type)).toEqual([MessageType.DISCOVER, MessageType.REQUEST]);
    expect(server.sent.every((s) => s.dst === "255.255.255.255")).toBe(true);
  });

  it("acquire: a NAK restarts from DISCOVER", async () => {
    const server = new FakeServer();
    server.nakFirst = 1;
    const o = await acquire(sessionOf(server), Date.now() + 60_000);
    expect(o.kind).toBe("ack");
    expect(server.sent.map((s) => s.type)).toEqual([1, 3, 1, 3]);
  });

  it("acquire: a silent server -> timeout at the deadline, resends backing off 1, 2, 4, 8, 8 s", async () => {
    const server = new FakeServer();
    server.mode = "silent";
    const start = Date.now();
    const pending = acquire(sessionOf(server), start + 20_000);
    await vi.advanceTimersByTimeAsync(25_000);
    const o = await pending;
    expect(o.kind).toBe("timeout");
    const gaps = server.sent.slice(1).map((s, i) => s.at - server.sent[i]!.at);
    expect(gaps).toEqual([1000, 2000, 4000, 8000]);
  });
});

function deps(server: FakeServer, over: Partial<LeaseDeps> = {}) {
  const saved = new Map<string, LeaseRecord>();
  const downs: string[] = [];
  const log: string[] = [];
  const d: LeaseDeps = {
    openPort: () => ({ link: { netnsId: "1:2", ifindex: 3, mac: "02:00:00:00:00:02" }, port: server.port() }),
    alive: () => true,
    setDown: (_n, ifname) => void downs.push(ifname),
    store: { save: (r) => void saved.set(r.clientId, r), remove: (id) => void saved.delete(id) },
    clock: { now: () => Date.now(), random: () => 0.5 },
    log: (m) => void log.push(m),
    hostPrefix: "",
    broadcast: false,
    backoff: { initialMs: 1000, maxMs: 8000 },
    acquireTimeoutMs: 10_000,
    ...over,
  };
  return { d, saved, downs, log };
}

const att = { containerId: "c", network: "n", ifname: "eth0", netns: "/run/netns/p" };
const params = { provide: [], request: [1, 3], priority: 0 };
const cniCode = async (p: Promise<unknown>) => p.then(() => 0, (e: CniError) => e.code);

describe("dhcp lease lifecycle", () => {
  it("T1: renews unicast to the server's MAC and stays bound; persisted with the new ACK time", async () => {
    const server = new FakeServer();
    const { d, saved } = deps(server);
    const m = new LeaseManager(d);
    const r = await m.add(att, params);
    expect(r.ips![0]!.address).toBe("10.9.0.50/24");
    const boundAt = saved.get("c/n/eth0")!.boundAt;
    await vi.advanceTimersByTimeAsync(40_000);
    const renew = server.sent.at(-1)!;
    expect([renew.type, renew.dst, renew.dstMac]).toEqual([MessageType.REQUEST, "10.9.0.1", "2,0,0,0,0,1"]);
    expect(saved.get("c/n/eth0")!.boundAt).toBe(boundAt + 40_000);
    await m.check(att);
    m.shutdown();
  });

  it("T2 then expiry: a silent server -> rebind broadcast after T2, at expiry the link goes down, CHECK 102", async () => {
    const server = new FakeServer();
    const { d, saved, downs } = deps(server);
    const m = new LeaseManager(d);
    const start = Date.now();
    await m.add(att, params);
    server.mode = "silent";
    await vi.advanceTimersByTimeAsync(79_000);
    expect(downs).toEqual([]);
    await vi.advanceTimersByTimeAsync(42_000);
    const renews = server.sent.filter((s) => s.at >= start + 40_000 && s.at < start + 80_000);
    const rebinds = server.sent.filter((s) => s.at >= start + 80_000);
    expect(renews.length).toBeGreaterThan(3);
    expect(renews.every((s) => s.dst === "10.9.0.1")).toBe(true);
    expect(rebinds.length).toBeGreaterThan(3);
    expect(rebinds.every((s) => s.dst === "255.255.255.255" && s.type === MessageType.REQUEST)).toBe(true);
    expect(downs).toEqual(["eth0"]);
    expect(saved.get("c/n/eth0")!.state).toBe("lost");
    expect(await cniCode(m.check(att))).toBe(102);
    await m.del(att); // a lost lease is not released, just forgotten
    expect(saved.size).toBe(0);
    expect(server.sent.some((s) => s.type === MessageType.RELEASE)).toBe(false);
  });

  it("NAK on renewal -> lost at once, link down", async () => {
    const server = new FakeServer();
    const { d, downs } = deps(server);
    const m = new LeaseManager(d);
    await m.add(att, params);
    server.mode = "nak";
    await vi.advanceTimersByTimeAsync(40_000);
    expect(downs).toEqual(["eth0"]);
    expect(await cniCode(m.check(att))).toBe(102);
  });

  it("del: RELEASE then INFORM to the server, record removed; del again and check of nothing", async () => {
    const server = new FakeServer();
    const { d, saved } = deps(server);
    const m = new LeaseManager(d);
    await m.add(att, params);
    await m.del(att);
    expect(server.sent.slice(-2).map((s) => [s.type, s.dst])).toEqual([[MessageType.RELEASE, "10.9.0.1"], [MessageType.INFORM, "10.9.0.1"]]);
    expect(saved.size).toBe(0);
    await m.del(att);
    expect(await cniCode(m.check(att))).toBe(101);
  });

  it("gc: this network's leases not valid -> released and dropped; valid ones and other networks' kept", async () => {
    const server = new FakeServer();
    const { d, saved } = deps(server);
    const m = new LeaseManager(d);
    const other = { ...att, network: "n2" };
    const second = { ...att, containerId: "c2" };
    for (const a of [att, other, second]) await m.add(a, params);
    expect(await m.gc({ network: "n", valid: [{ containerId: "c", ifname: "eth0" }] })).toBe(1);
    expect(server.sent.filter((s) => s.type === MessageType.RELEASE)).toHaveLength(1);
    expect([...saved.keys()].sort()).toEqual(["c/n/eth0", "c/n2/eth0"]);
    expect(await m.gc({ network: "n", valid: [] })).toBe(1);
    expect(await m.gc({ network: "n", valid: [] })).toBe(0);
    expect([...saved.keys()]).toEqual(["c/n2/eth0"]);
    expect(m.size).toBe(1);
  });

  it("add: silent server -> code 11 after acquireTimeoutMs, nothing persisted", async () => {
    const server = new FakeServer();
    server.mode = "silent";
    const { d, saved } = deps(server);
    const pending = cniCode(new LeaseManager(d).add(att, params));
    await vi.advanceTimersByTimeAsync(11_000);
    expect(await pending).toBe(11);
    expect(saved.size).toBe(0);
  });

  it("resume: a record whose pod is gone is dropped; a live one renews at its T1", async () => {
    const server = new FakeServer();
    const first = deps(server);
    const m1 = new LeaseManager(first.d);
    await m1.add(att, params);
    m1.shutdown();
    const rec = first.saved.get("c/n/eth0")!;
    const gone = { ...rec, clientId: "x/n/eth0", attachment: { ...att, containerId: "x" }, link: { ...rec.link, ifindex: 99 } };
    const second = deps(server, { alive: (_p, _i, pinned) => pinned === rec.link });
    second.saved.set(rec.clientId, rec).set(gone.clientId, gone);
    const m2 = new LeaseManager(second.d);
    m2.resume([rec, gone]);
    expect(m2.size).toBe(1);
    expect([...second.saved.keys()]).toEqual(["c/n/eth0"]);
    const before = server.sent.length;
    await vi.advanceTimersByTimeAsync(40_000);
    expect(server.sent.length).toBe(before + 1);
    expect(second.saved.get("c/n/eth0")!.boundAt).toBeGreaterThan(rec.boundAt);
    m2.shutdown();
  });
});
