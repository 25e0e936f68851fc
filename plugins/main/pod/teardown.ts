// DEL for main plugins: the container-side step (runTeardown in shared/undo.ts runs every step and
// reports all failures). A missing netns or link counts as done.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { NetlinkHandle } from "../../../shared/netlink/client.ts";
import { isNotFound } from "../../../shared/netlink/errors.ts";
import { deleteLink, getLinkByName } from "../../../shared/netlink/links.ts";
import { NetnsGoneError, usingNetns } from "../../../shared/ns/netns.ts";

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
