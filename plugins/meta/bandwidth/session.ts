// The two rtnetlink handles a bandwidth verb needs: the host (node) netns the plugin runs in, and the
// container netns (entered only to open its socket). close() releases everything.
import { Netns } from "../../../shared/ns/netns.ts";
import { NetlinkHandle } from "../../../shared/netlink/client.ts";

export interface Handles {
  host: NetlinkHandle;
  container: NetlinkHandle;
  close(): void;
}

/** Opens the host handle and one bound to the netns at path (NetnsGoneError if it is gone). */
export function openHandles(netnsPath: string): Handles {
  const ns = Netns.open(netnsPath);
  let container: NetlinkHandle;
  try {
    container = NetlinkHandle.open(ns);
  } finally {
    ns.close();
  }
  let host: NetlinkHandle;
  try {
    host = NetlinkHandle.open();
  } catch (e) {
    container.close();
    throw e;
  }
  return {
    host,
    container,
    close() {
      host.close();
      container.close();
    },
  };
}
