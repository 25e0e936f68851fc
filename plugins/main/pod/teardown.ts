// DEL for main plugins: every step runs even if an earlier one failed, each "not found" counts as
// done, and all failures are reported together. The IP is always released, with or without netns.
import { CniError } from "../../../shared/cni/errors.ts";
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { NetlinkHandle } from "../../../shared/netlink/client.ts";
import { isNotFound } from "../../../shared/netlink/errors.ts";
import { deleteLink, getLinkByName } from "../../../shared/netlink/links.ts";
import { NetnsGoneError, usingNetns } from "../../../shared/ns/netns.ts";
import { traced } from "../../../shared/trace.ts";

export type TeardownStep = [what: string, run: () => unknown];

export async function runTeardown(steps: readonly TeardownStep[]): Promise<void> {
  const failures: string[] = [];
  for (const [what, run] of steps) {
    try {
      await traced(what, run);
    } catch (e) {
      failures.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (failures.length) throw new CniError(999, failures.join("; "));
}

/** Deletes the container interface (its veth peer goes with it); a missing netns or link is fine. */
export function deleteContainerLink(ctx: CmdContext): void {
  if (!ctx.netns) return;
  try {
    usingNetns(ctx.netns, (ns) => {
      const h = NetlinkHandle.open(ns);
      try {
        const link = getLinkByName(h, ctx.ifname);
        if (link) deleteLink(h, link.ifindex);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      } finally {
        h.close();
      }
    });
  } catch (e) {
    if (e instanceof NetnsGoneError) return;
    throw e;
  }
}
