// A fake pod for tuning (plugins/meta/tuning/deps.ts) entering a StepLog: the pod's sysctls and its
// interface's attributes, plus the backup files, so a test can fail any step and ask whether the
// rollback left the pod and the data dir as they were.
import type { BackupStore, PodLink, PodTuning, TuningDeps } from "../../../plugins/meta/tuning/deps.ts";
import { StepLog } from "./steps.ts";

interface LinkAttrs {
  mac: string;
  promisc: boolean;
  mtu: number;
  allmulti: boolean;
  txqlen: number;
}

export const ORIGINAL: Readonly<LinkAttrs> = { mac: "02:00:00:00:00:aa", promisc: false, mtu: 1500, allmulti: false, txqlen: 1000 };

export class FakePod implements PodTuning {
  sysctls = new Map<string, string>([["net/ipv4/conf/eth0/arp_filter", "0"], ["net/core/somaxconn", "4096"]]);
  attrs: LinkAttrs = { ...ORIGINAL };
  hasLink = true;
  closed = 0;
  constructor(private readonly steps: StepLog) {}
  private step(n: string): void {
    this.steps.enter(`pod.${n}`);
  }
  readSysctl(path: string): string {
    const v = this.sysctls.get(path);
    if (v === undefined) throw new Error(`read sysctl ${path}: ENOENT`);
    return v;
  }
  writeSysctl(path: string, value: string): void {
    this.step(`writeSysctl ${path}=${value}`);
    if (!this.sysctls.has(path)) throw new Error(`write sysctl ${path}: ENOENT`);
    this.sysctls.set(path, value);
  }
  link(ifname: string): PodLink | undefined {
    return this.hasLink && ifname === "eth0" ? { ifindex: 2, ...this.attrs } : undefined;
  }
  private set<K extends keyof LinkAttrs>(k: K, v: LinkAttrs[K]): void {
    this.step(`set ${k}=${v}`);
    this.attrs[k] = v;
  }
  setMac(_: PodLink, mac: string): void {
    this.set("mac", mac);
  }
  setPromisc(_: PodLink, on: boolean): void {
    this.set("promisc", on);
  }
  setMtu(_: PodLink, mtu: number): void {
    this.set("mtu", mtu);
  }
  setAllmulti(_: PodLink, on: boolean): void {
    this.set("allmulti", on);
  }
  setTxqlen(_: PodLink, txqlen: number): void {
    this.set("txqlen", txqlen);
  }
  close(): void {
    this.closed++;
  }
}

export class FakeBackups implements BackupStore {
  readonly files = new Map<string, string>();
  constructor(private readonly steps: StepLog) {}
  read(dir: string, name: string): string | undefined {
    return this.files.get(`${dir}/${name}`);
  }
  write(dir: string, name: string, text: string): void {
    this.steps.enter(`backup.write ${name}`);
    this.files.set(`${dir}/${name}`, text);
  }
  remove(dir: string, name: string): void {
    this.steps.enter(`backup.remove ${name}`);
    this.files.delete(`${dir}/${name}`);
  }
  list(dir: string): string[] {
    return [...this.files.keys()].filter((k) => k.startsWith(`${dir}/`) && k.endsWith(".json")).map((k) => k.slice(dir.length + 1));
  }
}

export function tuningFakes(failAt?: number, opts: { allowlist?: string; netnsGone?: boolean } = {}) {
  const steps = new StepLog(failAt);
  const pod = new FakePod(steps);
  const backups = new FakeBackups(steps);
  const logs: string[] = [];
  let opened = 0;
  const deps: TuningDeps = {
    openPod: () => {
      opened++;
      return pod;
    },
    openExistingPod: () => {
      if (opts.netnsGone) return undefined;
      opened++;
      return pod;
    },
    readAllowlist: () => opts.allowlist,
    backups,
    log: (l) => logs.push(l),
  };
  return { deps, pod, backups, steps, logs, opened: () => opened };
}
