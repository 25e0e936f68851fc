// DEL: restore the backed-up attributes (MTU, MAC, promisc, allmulti, txqueuelen: the reference's
// order) and remove the backup file. Sysctls are not restored (as the reference: they die with the
// netns). Like the reference, a failure inside the pod is logged and DEL still succeeds; unlike it, a
// backup whose netns or interface is gone is removed (nothing can ever be restored from it).
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { backupFileName, parseBackup, type Backup } from "./backup.ts";
import { tuningConfigOf } from "./context.ts";
import type { PodLink, PodTuning, TuningDeps } from "./deps.ts";

type Step = [what: string, run: () => void];

function restoreSteps(pod: PodTuning, link: PodLink, b: Backup): Step[] {
  const steps: Step[] = [];
  if (b.mtu) steps.push(["MTU", () => pod.setMtu(link, b.mtu!)]);
  if (b.mac) steps.push(["MAC address", () => pod.setMac(link, b.mac!)]);
  if (b.promisc !== undefined) steps.push(["promiscuous mode", () => pod.setPromisc(link, b.promisc!)]);
  if (b.allmulti !== undefined) steps.push(["all-multicast mode", () => pod.setAllmulti(link, b.allmulti!)]);
  if (b.txQLen !== undefined) steps.push(["transmit queue length", () => pod.setTxqlen(link, b.txQLen!)]);
  return steps;
}

/** Restores every attribute it can; returns the failures ("" when all were restored). */
function restore(pod: PodTuning, link: PodLink, b: Backup): string[] {
  const failures: string[] = [];
  for (const [what, run] of restoreSteps(pod, link, b)) {
    try {
      run();
    } catch (e) {
      failures.push(`failed to restore ${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return failures;
}

/** True when the backup was dealt with (restored, or nothing left to restore it to). */
function restoreInPod(ctx: CmdContext, deps: TuningDeps, b: Backup): boolean {
  const pod = ctx.netns ? deps.openExistingPod(ctx.netns) : undefined;
  if (!pod) return true;
  try {
    const link = pod.link(ctx.ifname);
    if (!link) return true;
    const failures = restore(pod, link, b);
    for (const f of failures) deps.log(f);
    return failures.length === 0;
  } finally {
    pod.close();
  }
}

export function cmdDel(ctx: CmdContext, deps: TuningDeps): void {
  const cfg = tuningConfigOf(ctx, deps);
  const name = backupFileName(ctx.containerId, ctx.ifname);
  const text = deps.backups.read(cfg.dataDir, name);
  if (text === undefined) return;
  const backup = parseBackup(text);
  if (!backup) return deps.log(`${name}: not a tuning backup, left as it is`);
  let done: boolean;
  try {
    done = restoreInPod(ctx, deps, backup);
  } catch (e) {
    deps.log(`restore ${ctx.ifname}: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  if (done) deps.backups.remove(cfg.dataDir, name);
}
