// The backup of a tuned interface's original attributes, in the reference's file format so either suite's
// DEL restores the other's ADD: `<dataDir>/<containerID>_<ifname>.json` holding json.MarshalIndent(v, "",
// " ") of {mac, promisc, mtu, allmulti, txQLen}, each present only when tuning changes it (mtu also
// absent when 0). tscni adds one last field the reference ignores, `attachment`: the attachment's tag
// (network, container ID, ifname; shared/firewall/hash.ts attachmentTag), which GC reads. Pure.
import { ConfigReader } from "../../../shared/cni/reader.ts";
import { parseJsonText } from "../../../shared/cni/json.ts";
import type { TuningConfig } from "./config.ts";

export interface Backup {
  readonly mac?: string;
  readonly promisc?: boolean;
  readonly mtu?: number;
  readonly allmulti?: boolean;
  readonly txQLen?: number;
  /** the attachment's tag (tscni's files only): whose backup this is, for GC */
  readonly attachment?: string;
}

/** What a link is now, as far as tuning reads it. */
export interface LinkState {
  readonly mac?: string;
  readonly promisc: boolean;
  readonly mtu?: number;
  readonly allmulti: boolean;
  readonly txqlen?: number;
}

export const backupFileName = (containerId: string, ifname: string): string => `${containerId}_${ifname}.json`;

/** The current values of the attributes cfg changes (the reference's createBackup). */
export function backupOf(cfg: TuningConfig, now: LinkState): Backup {
  const out: { -readonly [K in keyof Backup]: Backup[K] } = {};
  if (cfg.mac !== undefined && now.mac) out.mac = now.mac;
  if (cfg.promisc) out.promisc = now.promisc;
  if (cfg.mtu !== 0 && now.mtu) out.mtu = now.mtu;
  if (cfg.allmulti !== undefined) out.allmulti = now.allmulti;
  if (cfg.txQLen !== undefined && now.txqlen !== undefined) out.txQLen = now.txqlen;
  return out;
}

/** The file text: Go's MarshalIndent with a one-space indent, keys in the struct's order, no newline. */
export function formatBackup(b: Backup): string {
  const ordered = { mac: b.mac, promisc: b.promisc, mtu: b.mtu || undefined, allmulti: b.allmulti, txQLen: b.txQLen, attachment: b.attachment };
  return JSON.stringify(ordered, null, 1);
}

/** The backup a file holds; undefined when it is not a backup (the reference then restores nothing). */
export function parseBackup(text: string): Backup | undefined {
  try {
    const r = ConfigReader.of(parseJsonText(text, "tuning backup"));
    const out: { -readonly [K in keyof Backup]: Backup[K] } = {};
    const mac = r.str("mac");
    if (mac) out.mac = mac;
    const promisc = r.optBool("promisc");
    if (promisc !== undefined) out.promisc = promisc;
    const mtu = r.int("mtu", 0, { min: 0 });
    if (mtu) out.mtu = mtu;
    const allmulti = r.optBool("allmulti");
    if (allmulti !== undefined) out.allmulti = allmulti;
    const txQLen = r.optInt("txQLen", { min: 0, max: 0xffffffff });
    if (txQLen !== undefined) out.txQLen = txQLen;
    const attachment = r.str("attachment");
    if (attachment) out.attachment = attachment;
    return out;
  } catch {
    return undefined;
  }
}
