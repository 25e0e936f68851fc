// GC (spec 1.1): the backup files of this network's attachments that are not in the valid list are
// removed (a DEL that never came: the attachment's netns is gone, and its sysctls and link settings
// with it, so there is nothing left to restore). A backup names its attachment in its `attachment`
// field (backup.ts); another network's backup and one without the field (the reference's, an older
// tscni's: whose it is cannot be told) are left alone, as is any file that is not a backup.
import type { GcContext } from "../../../shared/cni/plugin.ts";
import { staleTagJudge } from "../../../shared/firewall/hash.ts";
import { runTeardown, type TeardownStep } from "../../../shared/undo.ts";
import { parseBackup } from "./backup.ts";
import { dataDirOf } from "./config.ts";
import type { TuningDeps } from "./deps.ts";

/** The backup's text, or undefined when it cannot be read (vanished, not a regular file): skipped. */
function readOrSkip(deps: TuningDeps, dir: string, name: string): string | undefined {
  try {
    return deps.backups.read(dir, name);
  } catch (e) {
    deps.log(`gc: ${name} skipped: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

export async function cmdGc(ctx: GcContext, deps: TuningDeps): Promise<void> {
  const dir = dataDirOf(ctx.conf);
  const stale = staleTagJudge(ctx.conf.name, ctx.validAttachments.map((a) => ({ containerId: a.containerID, ifname: a.ifname })));
  const steps: TeardownStep[] = [];
  for (const name of deps.backups.list(dir)) {
    const text = readOrSkip(deps, dir, name);
    if (text !== undefined && stale(parseBackup(text)?.attachment)) steps.push([`remove stale backup ${name}`, () => deps.backups.remove(dir, name)]);
  }
  await runTeardown(steps);
}
