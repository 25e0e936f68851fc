// The daemon's leases: one per client ID (`<containerID>/<network>/<ifname>`). ADD acquires (or returns
// the lease already held), DEL releases, CHECK verifies without allocating. Each bound lease renews
// at T1 (unicast), rebinds at T2 (broadcast) and, refused or expired, sets the interface down and is
// kept as "lost" until DEL. Every change is persisted, and leases resume after a daemon restart.
import { dhcpFailed, dhcpLeaseLost, dhcpNoLease, tryAgainLater } from "../../../../shared/cni/errors.ts";
import type { Result } from "../../../../shared/cni/types.ts";
import { formatIP, ipEqual } from "../../../../shared/ip/index.ts";
import { formatMac } from "../../../../shared/netlink/codec/inet.ts";
import { macBytes } from "../../../../shared/netlink/links.ts";
import { clientIdOf, type Attachment, type GcRequest, type LeaseParams } from "../protocol.ts";
import type { ClientProfile } from "../wire/build.ts";
import { leaseInfo, leaseResult } from "../wire/lease-info.ts";
import { decodeMessage, encodeMessage } from "../wire/message.ts";
import { acquire, reboot, rebind, renew, releaseLease, type Backoff, type Clock, type DhcpPort, type Granted, type Outcome, type Session } from "./client.ts";
import type { PodLink } from "./link.ts";
import type { LeaseRecord } from "./store.ts";
import { RECORD_VERSION } from "./store.ts";

export interface ClosablePort extends DhcpPort {
  close(): void;
}

export interface LeaseDeps {
  openPort(netnsPath: string, ifname: string, pinned?: PodLink): { link: PodLink; port: ClosablePort };
  alive(netnsPath: string, ifname: string, pinned: PodLink): boolean;
  setDown(netnsPath: string, ifname: string, pinned: PodLink): void;
  store: { save(rec: LeaseRecord): void; remove(clientId: string): void };
  clock: Clock;
  log(msg: string): void;
  hostPrefix: string;
  broadcast: boolean;
  backoff: Backoff;
  acquireTimeoutMs: number;
}

/** How long DEL waits for the server to answer the INFORM that follows its DHCPRELEASE. */
const RELEASE_CONFIRM_MS = 1500;

/** The longest a timer may be set for (setTimeout's 32-bit limit); longer waits re-arm. */
const MAX_TIMER_MS = 0x7fff_ffff;

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");
const unb64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "base64"));

function macOr(text: string, fallback: Uint8Array): Uint8Array {
  try {
    return macBytes(text);
  } catch {
    return fallback;
  }
}

function grantedOf(rec: LeaseRecord): Granted {
  const ack = decodeMessage(unb64(rec.ack));
  return { ack, info: leaseInfo(ack), serverMac: macOr(rec.serverMac, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff)) };
}

class Lease {
  granted: Granted;
  timer: ReturnType<typeof setTimeout> | undefined;
  port: ClosablePort | undefined;
  readonly abort = { aborted: false };

  constructor(public rec: LeaseRecord) {
    this.granted = grantedOf(rec);
  }

  times(): { t1: number; t2: number; expiry: number } {
    const { renewSeconds, rebindSeconds, leaseSeconds } = this.granted.info;
    const at = (s: number) => this.rec.boundAt + s * 1000;
    return { t1: at(renewSeconds), t2: at(rebindSeconds), expiry: at(leaseSeconds) };
  }

  /** Stops maintenance: no timer, and any in-flight wait ends now. */
  stop(): void {
    this.abort.aborted = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.port?.close();
    this.port = undefined;
  }
}

export class LeaseManager {
  private readonly leases = new Map<string, Lease>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: LeaseDeps) {}

  get size(): number {
    return this.leases.size;
  }

  /** Runs fn after every earlier operation on the same client ID has finished. */
  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => this.locks.get(key) === tail && this.locks.delete(key));
    return next;
  }

  private netnsPath(a: Attachment): string {
    return this.deps.hostPrefix + a.netns;
  }

  private profile(rec: { clientId: string; broadcast: boolean; params: LeaseParams }, mac: Uint8Array): ClientProfile {
    return {
      clientId: rec.clientId,
      mac,
      broadcast: rec.broadcast,
      provide: new Map(rec.params.provide.map(([c, v]) => [c, unb64(v)])),
      request: rec.params.request,
    };
  }

  private session(port: ClosablePort, profile: ClientProfile, abort?: { aborted: boolean }): Session {
    return { port, profile, clock: this.deps.clock, backoff: this.deps.backoff, signal: abort };
  }

  add(a: Attachment, params: LeaseParams): Promise<Result> {
    const clientId = clientIdOf(a);
    return this.serial(clientId, async () => {
      const held = this.leases.get(clientId);
      if (held && held.rec.state === "bound" && this.deps.alive(this.netnsPath(a), a.ifname, held.rec.link)) {
        return leaseResult(held.granted.info, params.priority);
      }
      if (held) this.forget(held, "replaced by a new ADD");
      return this.acquireNew(a, clientId, params);
    });
  }

  private async acquireNew(a: Attachment, clientId: string, params: LeaseParams): Promise<Result> {
    const { link, port } = this.deps.openPort(this.netnsPath(a), a.ifname);
    const broadcast = this.deps.broadcast || link.kind === "ipvlan";
    const base = { clientId, broadcast, params };
    let outcome: Outcome;
    try {
      this.deps.log(`${clientId}: acquiring lease on ${a.ifname} (${link.mac}${broadcast ? ", broadcast replies" : ""})`);
      outcome = await acquire(this.session(port, this.profile(base, macBytes(link.mac))), this.deps.clock.now() + this.deps.acquireTimeoutMs);
    } finally {
      port.close();
    }
    if (outcome.kind === "timeout") {
      throw tryAgainLater(`no DHCP lease for ${clientId}`, `no server answered within ${this.deps.acquireTimeoutMs / 1000}s on ${a.ifname}`);
    }
    if (outcome.kind === "nak") throw dhcpFailed(`DHCP server refused a lease for ${clientId}`, outcome.reason);
    const g = outcome.granted;
    const rec: LeaseRecord = {
      version: RECORD_VERSION,
      ...base,
      attachment: a,
      link,
      ack: b64(encodeMessage(g.ack)),
      serverMac: formatMac(g.serverMac),
      boundAt: this.deps.clock.now(),
      state: "bound",
    };
    this.deps.store.save(rec);
    const lease = new Lease(rec);
    this.leases.set(clientId, lease);
    this.deps.log(`${clientId}: lease ${formatIP(g.info.address)}/${g.info.prefix} acquired for ${g.info.leaseSeconds}s (T1 ${g.info.renewSeconds}s, T2 ${g.info.rebindSeconds}s)`);
    this.schedule(lease);
    return leaseResult(g.info, params.priority);
  }

  del(a: Attachment): Promise<void> {
    const clientId = clientIdOf(a);
    return this.serial(clientId, async () => {
      const lease = this.leases.get(clientId);
      if (!lease) return; // nothing held: DEL succeeds (idempotent)
      lease.stop();
      if (lease.rec.state === "bound") await this.release(lease);
      this.leases.delete(clientId);
      this.deps.store.remove(clientId);
    });
  }

  /**
   * GC: DELs (releases, when the pod is still there) every lease of gc.network whose attachment is not
   * listed as valid; returns how many went. Other networks' leases are not touched.
   */
  async gc(gc: GcRequest): Promise<number> {
    const key = (a: { containerId: string; ifname: string }) => JSON.stringify([a.containerId, a.ifname]);
    const keep = new Set(gc.valid.map(key));
    const stale = [...this.leases.values()].map((l) => l.rec.attachment).filter((a) => a.network === gc.network && !keep.has(key(a)));
    for (const a of stale) await this.del(a);
    return stale.length;
  }

  /** Sends DHCPRELEASE from the pod interface (and waits for the path to drain, see releaseLease). */
  private async release(lease: Lease): Promise<void> {
    const { attachment: a, link, clientId } = lease.rec;
    let opened;
    try {
      opened = this.deps.openPort(this.netnsPath(a), a.ifname, link);
    } catch (e) {
      // the pod's netns or interface is gone: nothing can be sent from it; the server's lease expires
      return this.deps.log(`${clientId}: not releasing: ${(e as Error).message}`);
    }
    try {
      const s = this.session(opened.port, this.profile(lease.rec, opened.port.mac));
      const confirmed = await releaseLease(s, lease.granted, this.deps.clock.now() + RELEASE_CONFIRM_MS);
      this.deps.log(`${clientId}: released ${formatIP(lease.granted.info.address)}${confirmed ? "" : " (the server did not answer the INFORM that follows)"}`);
    } catch (e) {
      this.deps.log(`${clientId}: releasing failed: ${(e as Error).message}`); // DEL still succeeds
    } finally {
      opened.port.close();
    }
  }

  check(a: Attachment): Promise<void> {
    const clientId = clientIdOf(a);
    return this.serial(clientId, async () => {
      const lease = this.leases.get(clientId);
      if (!lease) throw dhcpNoLease(`no DHCP lease held for ${clientId}`);
      if (lease.rec.state === "lost") throw dhcpLeaseLost(`DHCP lease of ${clientId} was lost (refused or expired)`);
      if (this.deps.clock.now() >= lease.times().expiry) throw dhcpLeaseLost(`DHCP lease of ${clientId} expired`);
      if (!this.deps.alive(this.netnsPath(a), a.ifname, lease.rec.link)) {
        throw dhcpLeaseLost(`DHCP lease of ${clientId}: interface ${a.ifname} is gone`);
      }
    });
  }

  /** Takes back persisted leases after a restart: drops those whose pod is gone, renews the rest. */
  resume(records: LeaseRecord[]): void {
    for (const rec of records) {
      let lease: Lease;
      try {
        lease = new Lease(rec);
      } catch (e) {
        this.deps.log(`${rec.clientId}: dropping unreadable lease: ${(e as Error).message}`);
        this.deps.store.remove(rec.clientId);
        continue;
      }
      if (!this.deps.alive(this.netnsPath(rec.attachment), rec.attachment.ifname, rec.link)) {
        this.deps.log(`${rec.clientId}: pod interface gone, dropping lease ${formatIP(lease.granted.info.address)}`);
        this.deps.store.remove(rec.clientId);
        continue;
      }
      this.leases.set(rec.clientId, lease);
      this.deps.log(`${rec.clientId}: resumed lease ${formatIP(lease.granted.info.address)} (${rec.state})`);
      if (rec.state === "bound") this.schedule(lease);
    }
  }

  /** Stops every timer and in-flight exchange; leases stay on disk and at the server. */
  shutdown(): void {
    for (const lease of this.leases.values()) lease.stop();
  }

  private forget(lease: Lease, why: string): void {
    lease.stop();
    this.leases.delete(lease.rec.clientId);
    this.deps.store.remove(lease.rec.clientId);
    this.deps.log(`${lease.rec.clientId}: forgetting lease ${formatIP(lease.granted.info.address)}: ${why}`);
  }

  private schedule(lease: Lease): void {
    const delay = Math.min(Math.max(0, lease.times().t1 - this.deps.clock.now()), MAX_TIMER_MS);
    lease.timer = setTimeout(() => {
      lease.timer = undefined;
      this.maintain(lease).catch((e) => this.deps.log(`${lease.rec.clientId}: maintenance failed: ${(e as Error).message}`));
    }, delay);
  }

  /** One maintenance round at (or after) T1: renew, else rebind, else give up. */
  private async maintain(lease: Lease): Promise<void> {
    const { attachment: a, link, clientId } = lease.rec;
    const now = this.deps.clock.now();
    const { t1, t2, expiry } = lease.times();
    if (lease.abort.aborted) return;
    if (now < t1) return this.schedule(lease);
    let opened: { port: ClosablePort };
    try {
      opened = this.deps.openPort(this.netnsPath(a), a.ifname, link);
    } catch (e) {
      return this.forget(lease, (e as Error).message);
    }
    lease.port = opened.port;
    const s = this.session(opened.port, this.profile(lease.rec, opened.port.mac), lease.abort);
    let outcome: Outcome;
    try {
      if (now < t2) {
        this.deps.log(`${clientId}: renewing lease`);
        outcome = await renew(s, lease.granted, t2);
        if (outcome.kind === "timeout" && !lease.abort.aborted) {
          this.deps.log(`${clientId}: no answer until T2, rebinding`);
          outcome = await rebind(s, lease.granted, expiry);
        }
      } else if (now < expiry) {
        this.deps.log(`${clientId}: rebinding lease`);
        outcome = await rebind(s, lease.granted, expiry);
      } else {
        this.deps.log(`${clientId}: lease expired while the daemon was away, asking to keep it`);
        outcome = await reboot(s, lease.granted.info.address, now + this.deps.backoff.maxMs);
      }
    } finally {
      if (lease.port === opened.port) lease.port = undefined;
      opened.port.close();
    }
    if (lease.abort.aborted) return;
    this.settle(lease, outcome);
  }

  private settle(lease: Lease, outcome: Outcome): void {
    const clientId = lease.rec.clientId;
    if (outcome.kind === "ack" && ipEqual(outcome.granted.info.address, lease.granted.info.address)) {
      const g = outcome.granted;
      lease.rec = { ...lease.rec, ack: b64(encodeMessage(g.ack)), serverMac: formatMac(g.serverMac), boundAt: this.deps.clock.now() };
      lease.granted = g;
      this.deps.store.save(lease.rec);
      this.deps.log(`${clientId}: lease ${formatIP(g.info.address)} renewed for ${g.info.leaseSeconds}s`);
      return this.schedule(lease);
    }
    const why =
      outcome.kind === "nak" ? `refused by the server (${outcome.reason})` : outcome.kind === "ack" ? "server moved the client to another address" : "expired";
    this.deps.log(`${clientId}: lease ${formatIP(lease.granted.info.address)} lost: ${why}; setting ${lease.rec.attachment.ifname} down`);
    lease.rec = { ...lease.rec, state: "lost" };
    this.deps.store.save(lease.rec);
    try {
      this.deps.setDown(this.netnsPath(lease.rec.attachment), lease.rec.attachment.ifname, lease.rec.link);
    } catch (e) {
      this.deps.log(`${clientId}: could not set the interface down: ${(e as Error).message}`);
    }
  }
}
