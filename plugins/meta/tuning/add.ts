// ADD: validate everything, then in the pod's netns write the sysctls, back up the original link
// attributes and change them (MAC, promisc on, MTU, allmulti, txqueuelen: the reference's order),
// undoing every finished step if a later one fails. Nothing to do (Podman's `{"type": "tuning"}`):
// prevResult passes through and the pod is not touched.
import { internalError, invalidConfig } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import { attachmentTag } from "../../../shared/firewall/hash.ts";
import { UndoStack } from "../../../shared/undo.ts";
import { backupFileName, backupOf, formatBackup } from "./backup.ts";
import { changesLink, isPassthrough, type SysctlSetting, type TuningConfig } from "./config.ts";
import { tuningConfigOf } from "./context.ts";
import type { PodLink, PodTuning, TuningDeps } from "./deps.ts";

/** Writes one sysctl; its inverse writes the old value back (a write-only knob has none). */
function applySysctl(pod: PodTuning, s: SysctlSetting, undo: UndoStack): void {
  let old: string | undefined;
  try {
    old = pod.readSysctl(s.path);
  } catch {
    old = undefined;
  }
  pod.writeSysctl(s.path, s.value);
  if (old !== undefined && old !== s.value) undo.push(`restore sysctl ${s.path}`, () => pod.writeSysctl(s.path, old));
}

/** One attribute change and its inverse, skipped when the link already has the value. */
function change<T>(undo: UndoStack, what: string, now: T, want: T, set: (v: T) => void): void {
  if (now === want) return;
  set(want);
  undo.push(`restore ${what}`, () => set(now));
}

function tuneLink(pod: PodTuning, link: PodLink, cfg: TuningConfig, undo: UndoStack): void {
  if (cfg.mac !== undefined) change(undo, "mac", link.mac, cfg.mac, (v) => v && pod.setMac(link, v));
  if (cfg.promisc) change(undo, "promisc", link.promisc, true, (v) => pod.setPromisc(link, v));
  if (cfg.mtu !== 0) change(undo, "mtu", link.mtu, cfg.mtu, (v) => v && pod.setMtu(link, v));
  if (cfg.allmulti !== undefined) change(undo, "allmulti", link.allmulti, cfg.allmulti, (v) => pod.setAllmulti(link, v));
  if (cfg.txQLen !== undefined) change(undo, "txqueuelen", link.txqlen, cfg.txQLen, (v) => v !== undefined && pod.setTxqlen(link, v));
}

function backUpAndTune(ctx: CmdContext, deps: TuningDeps, pod: PodTuning, cfg: TuningConfig, undo: UndoStack): void {
  const link = pod.link(ctx.ifname);
  if (!link) throw internalError(`failed to get "${ctx.ifname}": link not found`);
  const name = backupFileName(ctx.containerId, ctx.ifname);
  const attachment = attachmentTag(ctx.conf.name, ctx.ifname, ctx.containerId);
  deps.backups.write(cfg.dataDir, name, formatBackup({ ...backupOf(cfg, link), attachment }));
  undo.push(`remove backup ${name}`, () => deps.backups.remove(cfg.dataDir, name));
  tuneLink(pod, link, cfg, undo);
}

/** prevResult with the tuned interface's new MAC. */
function withMac(prev: Result, ifname: string, mac: string | undefined): Result {
  if (mac === undefined || !prev.interfaces) return prev;
  return { ...prev, interfaces: prev.interfaces.map((i) => (i.name === ifname ? { ...i, mac } : i)) };
}

export async function cmdAdd(ctx: CmdContext, deps: TuningDeps): Promise<Result> {
  const cfg = tuningConfigOf(ctx, deps, { allowlist: true, duplicates: true });
  const prev = ctx.conf.prevResult;
  if (!prev) throw invalidConfig("Required prevResult missing");
  if (isPassthrough(cfg)) return prev;
  const pod = deps.openPod(ctx.netns);
  try {
    return await new UndoStack().run((undo) => {
      for (const s of cfg.sysctls) applySysctl(pod, s, undo);
      if (changesLink(cfg)) backUpAndTune(ctx, deps, pod, cfg, undo);
      return withMac(prev, ctx.ifname, cfg.mac);
    }, deps.log);
  } finally {
    pod.close();
  }
}
