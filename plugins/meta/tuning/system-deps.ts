// The production TuningDeps: an rtnetlink handle bound to the pod's netns, /proc/sys read and written
// from inside that netns, backup files on disk, the allowlist file (TSCNI_TUNING_ALLOWLIST overrides
// its path, for tests), the skel's stderr.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ioFailure } from "../../../shared/cni/errors.ts";
import { lineLogger, type CmdContext, type GcContext } from "../../../shared/cni/plugin.ts";
import { NetlinkHandle } from "../../../shared/netlink/client.ts";
import { IFF_ALLMULTI, IFF_PROMISC } from "../../../shared/netlink/codec/link.ts";
import {
  getLinkByName,
  setLinkAllmulti,
  setLinkMac,
  setLinkMtu,
  setLinkPromisc,
  setLinkTxqlen,
} from "../../../shared/netlink/links.ts";
import { Netns, NetnsGoneError, withNetns } from "../../../shared/ns/netns.ts";
import { readSysctl, writeSysctl } from "../../../shared/sys/sysctl.ts";
import type { BackupStore, PodLink, PodTuning, TuningDeps } from "./deps.ts";

const ALLOWLIST_FILE = "/etc/cni/tuning/allowlist.conf";

class SystemPodTuning implements PodTuning {
  private constructor(
    private readonly ns: Netns,
    private readonly nl: NetlinkHandle,
  ) {}

  static open(path: string): SystemPodTuning {
    const ns = Netns.open(path);
    try {
      return new SystemPodTuning(ns, NetlinkHandle.open(ns));
    } catch (e) {
      ns.close();
      throw e;
    }
  }

  readSysctl(path: string): string {
    return withNetns(this.ns, () => readSysctl(path));
  }
  writeSysctl(path: string, value: string): void {
    withNetns(this.ns, () => writeSysctl(path, value));
  }
  link(ifname: string): PodLink | undefined {
    const l = getLinkByName(this.nl, ifname);
    if (!l) return undefined;
    const promisc = (l.flags & IFF_PROMISC) !== 0;
    const allmulti = (l.flags & IFF_ALLMULTI) !== 0;
    return { ifindex: l.ifindex, mac: l.mac, promisc, mtu: l.mtu, allmulti, txqlen: l.txqlen };
  }
  setMac(link: PodLink, mac: string): void {
    setLinkMac(this.nl, link.ifindex, mac);
  }
  setPromisc(link: PodLink, on: boolean): void {
    setLinkPromisc(this.nl, link.ifindex, on);
  }
  setMtu(link: PodLink, mtu: number): void {
    setLinkMtu(this.nl, link.ifindex, mtu);
  }
  setAllmulti(link: PodLink, on: boolean): void {
    setLinkAllmulti(this.nl, link.ifindex, on);
  }
  setTxqlen(link: PodLink, txqlen: number): void {
    setLinkTxqlen(this.nl, link.ifindex, txqlen);
  }
  close(): void {
    this.nl.close();
    this.ns.close();
  }
}

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A regular file's text; undefined when nothing is there; an error for anything else (never a FIFO). */
function readRegularFile(path: string): string | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return undefined;
  if (!st.isFile()) throw ioFailure(`read ${path}: not a regular file`);
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw ioFailure(`read ${path}: ${errText(e)}`);
  }
}

const diskBackups: BackupStore = {
  read: (dir, name) => readRegularFile(join(dir, name)),
  write(dir, name, text) {
    const file = join(dir, name);
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(tmp, text, { mode: 0o600 });
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw ioFailure(`failed to save file ${file}: ${errText(e)}`);
    }
  },
  remove: (dir, name) => rmSync(join(dir, name), { force: true }),
  list(dir) {
    try {
      return readdirSync(dir).filter((n) => n.endsWith(".json"));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw ioFailure(`list ${dir}: ${errText(e)}`);
    }
  },
};

export function systemDeps(ctx: CmdContext | GcContext): TuningDeps {
  return {
    openPod: (netns) => SystemPodTuning.open(netns),
    openExistingPod: (netns) => {
      try {
        return SystemPodTuning.open(netns);
      } catch (e) {
        if (e instanceof NetnsGoneError) return undefined;
        throw e;
      }
    },
    readAllowlist: () => readRegularFile(ctx.env.TSCNI_TUNING_ALLOWLIST || ALLOWLIST_FILE),
    backups: diskBackups,
    log: lineLogger(ctx, "tuning"),
  };
}
