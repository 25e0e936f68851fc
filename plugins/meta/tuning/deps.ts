// What the tuning verbs need from outside their own code, passed in by the entry (index.ts builds the
// production set in system-deps.ts); unit tests pass fakes.
import type { LinkState } from "./backup.ts";

/** The pod's tuned interface, as tuning reads it. */
export interface PodLink extends LinkState {
  readonly ifindex: number;
}

/** Kernel steps inside the pod's netns: sysctls are read and written from inside it. */
export interface PodTuning {
  /** The value of /proc/sys/<path>, trailing newline removed. */
  readSysctl(path: string): string;
  writeSysctl(path: string, value: string): void;
  /** The interface named ifname in the pod, or undefined. */
  link(ifname: string): PodLink | undefined;
  setMac(link: PodLink, mac: string): void;
  setPromisc(link: PodLink, on: boolean): void;
  setMtu(link: PodLink, mtu: number): void;
  setAllmulti(link: PodLink, on: boolean): void;
  setTxqlen(link: PodLink, txqlen: number): void;
  close(): void;
}

/** The backup files under dataDir (created on first write). */
export interface BackupStore {
  /** The file's text; undefined when there is no such file. */
  read(dataDir: string, name: string): string | undefined;
  /** Writes the whole file or nothing (temporary file, then rename). */
  write(dataDir: string, name: string, text: string): void;
  /** Removes the file; a missing one is success. */
  remove(dataDir: string, name: string): void;
  /** The names of the backup files (`*.json`) in dataDir; none when it does not exist. */
  list(dataDir: string): string[];
}

export interface TuningDeps {
  /** The pod's netns (NetnsGoneError when CNI_NETNS is gone). */
  openPod(netns: string): PodTuning;
  /** DEL: the pod's netns, or undefined when it is gone. */
  openExistingPod(netns: string): PodTuning | undefined;
  /** The sysctl allowlist file's text; undefined when there is no allowlist file. */
  readAllowlist(): string | undefined;
  backups: BackupStore;
  /** Informative lines on the skel's stderr. */
  log(line: string): void;
}
