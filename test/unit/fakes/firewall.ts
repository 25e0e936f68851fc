// A FirewallDriver fake with state, for the in-process verb tests: every successful call is recorded
// as "<method> <args>" and changes the fake's idea of what the node holds; an injected failure
// changes nothing and throws. empty() says whether everything set up was torn down again.
import { StepLog } from "./steps.ts";
import { FirewallCheckError, FirewallError, type FirewallDriver, type ForwardSetup, type ForwardTeardown, type IngressPolicySetup, type MasqAttachment, type MasqSetup, type PortConflict, type PortForwardSetup, type SpoofCheck, type SpoofCheckEntry, type ValidAttachment } from "../../../shared/firewall/types.ts";

type Method = Exclude<keyof FirewallDriver, "name">;

export class FakeFirewall implements FirewallDriver {
  readonly name = "nftables" as const;
  readonly calls: string[] = [];
  /** "<network> <ifname> <containerId>" -> masqueraded addresses */
  readonly masq = new Map<string, readonly string[]>();
  /** "<containerId> <network>" -> forwards */
  readonly forwards = new Map<string, PortForwardSetup>();
  readonly spoof = new Map<string, SpoofCheck>();
  /** "<containerId> <network>" -> forward acceptance (firewall meta plugin) */
  readonly accepts = new Map<string, ForwardSetup>();
  /** "<network> <bridge>" -> ingress policy */
  readonly ingress = new Map<string, IngressPolicySetup>();
  /** The next call of a method throws this (once), changing nothing. */
  readonly failWith = new Map<Method, Error>();

  /** `steps`: a StepLog shared with the other fakes of a verb test (each call enters "firewall.<method>"). */
  constructor(private readonly steps?: StepLog) {}

  empty(): boolean {
    return this.masq.size === 0 && this.forwards.size === 0 && this.spoof.size === 0 && this.accepts.size === 0;
  }

  private op(method: Method, ...args: unknown[]): void {
    this.steps?.enter(`firewall.${method}`);
    const e = this.failWith.get(method);
    if (e) {
      this.failWith.delete(method);
      throw e;
    }
    this.calls.push([method, ...args.map(String)].join(" "));
  }

  available(): boolean {
    this.op("available");
    return true;
  }

  setupIPMasq(s: MasqSetup): void {
    this.op("setupIPMasq", s.network, s.ifname, s.containerId, s.ips.map((i) => i.address).join(","));
    this.masq.set(`${s.network} ${s.ifname} ${s.containerId}`, s.ips.map((i) => i.address));
  }
  teardownIPMasq(a: MasqAttachment): void {
    this.op("teardownIPMasq", a.network, a.ifname, a.containerId);
    this.masq.delete(`${a.network} ${a.ifname} ${a.containerId}`);
  }
  checkIPMasq(s: MasqSetup): void {
    this.op("checkIPMasq", s.network, s.ifname, s.containerId);
    if (!this.masq.has(`${s.network} ${s.ifname} ${s.containerId}`)) throw new FirewallCheckError("masquerading rule missing");
  }
  gcIPMasq(network: string, valid: readonly ValidAttachment[]): void {
    this.op("gcIPMasq", network, valid.map((v) => `${v.containerId}/${v.ifname}`).join(","));
    for (const k of [...this.masq.keys()]) {
      const [net, ifname, cid] = k.split(" ");
      if (net === network && !valid.some((v) => v.containerId === cid && v.ifname === ifname)) this.masq.delete(k);
    }
  }

  setupPortForward(s: PortForwardSetup, network: string): void {
    this.op("setupPortForward", s.containerId, network);
    this.forwards.set(`${s.containerId} ${network}`, s);
  }
  teardownPortForward(containerId: string, network: string): void {
    this.op("teardownPortForward", containerId, network);
    this.forwards.delete(`${containerId} ${network}`);
  }
  checkPortForward(s: PortForwardSetup, network: string): void {
    this.op("checkPortForward", s.containerId, network);
    if (!this.forwards.has(`${s.containerId} ${network}`)) throw new FirewallCheckError("port forward missing");
  }
  findPortConflicts(s: PortForwardSetup, network: string): PortConflict[] {
    this.op("findPortConflicts", s.containerId, network);
    return [];
  }
  gcPortForward(network: string, valid: ReadonlySet<string>): void {
    this.op("gcPortForward", network, [...valid].join(","));
    for (const k of [...this.forwards.keys()]) {
      const [cid, net] = k.split(" ");
      if (net === network && !valid.has(cid!)) this.forwards.delete(k);
    }
  }

  /** Entries keyed containerID-ifname; `network` undefined = one of the earlier naming (no network). */
  setupSpoofCheck(s: SpoofCheck): void {
    const id = `${s.containerId}-${s.ifname}`;
    this.op("setupSpoofCheck", id, s.hostIface, s.mac);
    this.spoof.set(id, s);
  }
  teardownSpoofCheck(a: MasqAttachment): void {
    const id = `${a.containerId}-${a.ifname}`;
    this.op("teardownSpoofCheck", id);
    this.spoof.delete(id);
  }
  checkSpoofCheck(a: MasqAttachment): void {
    const id = `${a.containerId}-${a.ifname}`;
    this.op("checkSpoofCheck", id);
    if (!this.spoof.has(id)) throw new FirewallCheckError(`macspoofchk rules for ${id} not found`);
  }
  gcSpoofCheck(network: string, valid: readonly ValidAttachment[], legacyStale: (e: SpoofCheckEntry) => boolean): void {
    this.op("gcSpoofCheck");
    const keep = new Set(valid.map((v) => `${v.containerId}-${v.ifname}`));
    for (const [id, s] of [...this.spoof]) {
      const stale = s.network === undefined ? legacyStale({ uniqueId: id, hostIface: s.hostIface }) : s.network === network && !keep.has(id);
      if (stale) this.spoof.delete(id);
    }
  }

  teardownLegacyIPMasq(network: string, containerId: string): void {
    this.op("teardownLegacyIPMasq", network, containerId);
  }
  teardownLegacyPortForward(network: string, containerId: string): void {
    this.op("teardownLegacyPortForward", network, containerId);
  }

  setupForward(s: ForwardSetup): void {
    this.op("setupForward", s.containerId, s.network, s.ips.join(","), s.adminChain);
    this.accepts.set(`${s.containerId} ${s.network}`, s);
  }
  teardownForward(t: ForwardTeardown): void {
    this.op("teardownForward", t.containerId, t.network, t.ips.join(","));
    this.accepts.delete(`${t.containerId} ${t.network}`);
  }
  checkForward(s: ForwardSetup): void {
    this.op("checkForward", s.containerId, s.network);
    if (!this.accepts.has(`${s.containerId} ${s.network}`)) throw new FirewallCheckError("forward rules missing");
  }
  setupIngressPolicy(p: IngressPolicySetup): void {
    this.op("setupIngressPolicy", p.network, p.bridge, p.policy, p.families.join(","));
    this.ingress.set(`${p.network} ${p.bridge}`, p);
  }
  gcForward(network: string, valid: ReadonlySet<string>): void {
    this.op("gcForward", network, [...valid].join(","));
    for (const k of [...this.accepts.keys()]) {
      const [cid, net] = k.split(" ");
      if (net === network && !valid.has(cid!)) this.accepts.delete(k);
    }
    const left = [...this.accepts.keys()].some((k) => k.split(" ")[1] === network);
    if (!left) for (const k of [...this.ingress.keys()]) if (k.split(" ")[0] === network) this.ingress.delete(k);
  }
}

export const injected = (what: string): FirewallError => new FirewallError(what, "injected failure");
