// Fakes of the pod deps of bridge and ptp (plugins/main/pod/deps.ts): the namespaces' kernel steps,
// IPAM and the firewall, all entering one StepLog so a test can fail any step and then ask whether
// the rollback left every fake empty. Pod-owned state only: the bridge device and gateway addresses
// are shared by all pods and never rolled back (as in the reference).
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { IPConfig, Result } from "../../../shared/cni/types.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import type { BridgeNet } from "../../../plugins/main/bridge/net.ts";
import type { Ipam, PodDeps } from "../../../plugins/main/pod/deps.ts";
import type { PodHandles } from "../../../plugins/main/pod/handles.ts";
import type { VethOptions, VethPair } from "../../../plugins/main/pod/veth.ts";
import type { PtpNet } from "../../../plugins/main/ptp/net.ts";
import { FakeFirewall } from "./firewall.ts";
import { StepLog } from "./steps.ts";

const link = (name: string, ifindex: number, kind: string, mac: string): Link => ({ family: 0, type: 1, ifindex, flags: 1, up: true, name, kind, mac });

export class FakeNet implements BridgeNet, PtpNet {
  /** container ifname -> the pair */
  readonly veths = new Map<string, VethPair>();
  readonly configured = new Set<string>();
  opened = 0;
  closed = 0;
  private next = 10;
  constructor(private readonly steps: StepLog) {}

  private step(name: string): void {
    this.steps.enter(`net.${name}`);
  }

  createVeth(o: VethOptions): VethPair {
    this.step("createVeth");
    const n = this.next++;
    const pair = { host: link(`veth${n}`, n, "veth", "02:00:00:00:00:01"), container: link(o.ifname, n + 100, "veth", o.mac || "02:00:00:00:00:02") };
    this.veths.set(o.ifname, pair);
    return pair;
  }
  deleteVeth(v: VethPair): void {
    this.step("deleteVeth");
    this.veths.delete(v.container.name);
    this.configured.delete(v.container.name);
  }
  configureContainer(v: VethPair): void {
    this.step("configureContainer");
    this.configured.add(v.container.name);
  }
  settleAddresses(): void {
    this.step("settleAddresses");
  }
  enableForwarding(family: 4 | 6): void {
    this.step(`enableForwarding${family}`);
  }
  ensureBridge(): Link {
    this.step("ensureBridge");
    return link("cni0", 2, "bridge", "02:00:00:00:00:aa");
  }
  attachPort(): void {
    this.step("attachPort");
  }
  addGateways(): void {
    this.step("addGateways");
  }
  portUp(name: string): Link {
    this.step("portUp");
    return link(name, 1, "veth", "02:00:00:00:00:01");
  }
  bridge(name: string): Link {
    this.step("bridge");
    return link(name, 2, "bridge", "02:00:00:00:00:aa");
  }
  routeThroughGateway(): void {
    this.step("routeThroughGateway");
  }
  configureHostSide(): void {
    this.step("configureHostSide");
  }
  close(): void {
    this.closed++;
  }
}

/** An IPAM handing out one address per family (with gateways) and remembering who holds it. */
export class FakeIpam implements Ipam {
  readonly held = new Map<string, Result>();
  constructor(private readonly steps: StepLog, private readonly ips: IPConfig[]) {}
  async add(ctx: CmdContext): Promise<Result> {
    this.steps.enter("ipam.add");
    const r: Result = { cniVersion: "1.1.0", ips: this.ips.map((i) => ({ ...i })), routes: [{ dst: "0.0.0.0/0" }] };
    this.held.set(`${ctx.containerId}/${ctx.ifname}`, r);
    return structuredClone(r);
  }
  async del(ctx: CmdContext): Promise<void> {
    this.steps.enter("ipam.del");
    this.held.delete(`${ctx.containerId}/${ctx.ifname}`);
  }
  async check(): Promise<void> {
    this.steps.enter("ipam.check");
  }
  async gc(): Promise<void> {
    this.steps.enter("ipam.gc");
  }
  async status(): Promise<void> {
    this.steps.enter("ipam.status");
  }
}

export interface PodFakes {
  steps: StepLog;
  net: FakeNet;
  ipam: FakeIpam;
  firewall: FakeFirewall;
  logs: string[];
  deps: PodDeps<FakeNet>;
  /** Nothing pod-owned is left: no veth, no IP, no firewall entry, every namespace opened was closed. */
  empty(): boolean;
}

export const V4: IPConfig = { address: "10.88.0.5/16", gateway: "10.88.0.1" };
export const V6: IPConfig = { address: "fd88::5/64", gateway: "fd88::1" };

export function podFakes(opts: { failAt?: number; ips?: IPConfig[] } = {}): PodFakes {
  const steps = new StepLog(opts.failAt);
  const net = new FakeNet(steps);
  const ipam = new FakeIpam(steps, opts.ips ?? [V4, V6]);
  const firewall = new FakeFirewall(steps);
  const logs: string[] = [];
  const deps: PodDeps<FakeNet> = {
    firewall,
    ipam,
    openNet: () => (steps.enter("net.open"), net.opened++, net),
    openHandles: (): PodHandles => {
      throw new Error("CHECK reads the kernel: not faked");
    },
    deleteContainerIface: (_netns, ifname) => {
      steps.enter("deleteContainerIface");
      net.veths.delete(ifname);
    },
    hostLinkExists: (name) => [...net.veths.values()].some((v) => v.host.name === name),
    log: (line) => void logs.push(line),
  };
  return {
    steps, net, ipam, firewall, logs, deps,
    empty: () => net.veths.size === 0 && ipam.held.size === 0 && firewall.empty() && net.closed === net.opened,
  };
}
