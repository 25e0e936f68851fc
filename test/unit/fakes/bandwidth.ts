// A fake of bandwidth's namespaces (plugins/meta/bandwidth/deps.ts) entering a StepLog: what the
// node holds for one attachment (root tbfs, ingress qdiscs and redirects, ifbs), so a test can fail
// any step and ask whether the rollback left the node as it found it.
import type { Handles } from "../../../plugins/meta/bandwidth/session.ts";
import type { BandwidthDeps, BandwidthNet } from "../../../plugins/meta/bandwidth/deps.ts";
import type { Link } from "../../../shared/netlink/codec/link.ts";
import type { TbfParams } from "../../../shared/netlink/codec/tc.ts";
import { StepLog } from "./steps.ts";

const link = (name: string, ifindex: number): Link => ({ family: 0, type: 1, ifindex, flags: 1, up: true, name, kind: "veth", mtu: 1500 });

export class FakeBandwidthNet implements BandwidthNet {
  readonly tbf = new Map<string, TbfParams>();
  readonly ingress = new Set<string>();
  readonly redirects = new Map<string, string>();
  /** ifb name -> alias (undefined: untagged) */
  readonly ifbs = new Map<string, string | undefined>();
  opened = 0;
  closed = 0;
  constructor(private readonly steps: StepLog) {}
  private step(n: string): void {
    this.steps.enter(`net.${n}`);
  }
  hostVeth(): Link {
    this.step("hostVeth");
    return link("veth1", 5);
  }
  addRootTbf(l: Link, p: TbfParams): void {
    this.step(`addRootTbf ${l.name}`);
    this.tbf.set(l.name, p);
  }
  deleteRootQdisc(l: Link): void {
    this.step(`deleteRootQdisc ${l.name}`);
    this.tbf.delete(l.name);
  }
  createIfb(name: string, _mtu: number | undefined, tag: string): Link {
    this.step("createIfb");
    this.ifbs.set(name, tag);
    return { ...link(name, 9), kind: "ifb", alias: tag };
  }
  listIfbs(): Link[] {
    return [...this.ifbs].map(([name, alias], i) => ({ ...link(name, 20 + i), kind: "ifb", ...(alias !== undefined && { alias }) }));
  }
  deleteIfb(name: string): void {
    this.step("deleteIfb");
    this.ifbs.delete(name);
    this.tbf.delete(name); // the ifb's qdisc goes with it
  }
  addIngressQdisc(l: Link): void {
    this.step("addIngressQdisc");
    this.ingress.add(l.name);
  }
  deleteIngressQdisc(l: Link): void {
    this.step("deleteIngressQdisc");
    this.ingress.delete(l.name);
    this.redirects.delete(l.name); // filters live on the qdisc
  }
  addRedirect(from: Link, to: Link): void {
    this.step("addRedirect");
    this.redirects.set(from.name, to.name);
  }
  close(): void {
    this.closed++;
  }
  empty(): boolean {
    return this.tbf.size === 0 && this.ingress.size === 0 && this.redirects.size === 0 && this.ifbs.size === 0 && this.opened === this.closed;
  }
}

export function bandwidthFakes(failAt?: number) {
  const steps = new StepLog(failAt);
  const net = new FakeBandwidthNet(steps);
  const logs: string[] = [];
  const deps: BandwidthDeps = {
    openNet: () => (steps.enter("net.open"), net.opened++, net),
    openHandles: (): Handles => {
      throw new Error("CHECK reads the kernel: not faked");
    },
    deleteIfb: (name) => net.deleteIfb(name),
    listIfbs: () => net.listIfbs(),
    tickInUsec: () => 15.625,
    log: (l) => void logs.push(l),
  };
  return { steps, net, deps, logs };
}
