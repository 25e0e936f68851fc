// Per-interface and forwarding sysctls the reference main plugins set. Best effort where the
// reference ignores failures (a node or pod without IPv6 has no ipv6 conf directory).
import { readSysctl, writeSysctl } from "../../../shared/sys/sysctl.ts";

function bestEffort(key: string, value: string): void {
  try {
    writeSysctl(key, value);
  } catch {
    /* missing knob (IPv6 disabled): as the reference, not an error */
  }
}

/** In the container netns: DAD policy (enabledad false -> accept_dad=0, no 1-2 s settle), arp_notify,
 * and keep IPv6 addresses when the link goes down. */
export function containerIfaceSysctls(ifname: string, enableDad: boolean): void {
  if (enableDad) {
    bestEffort(`net/ipv6/conf/${ifname}/enhanced_dad`, "1");
    bestEffort(`net/ipv6/conf/${ifname}/accept_dad`, "1");
  } else {
    bestEffort(`net/ipv6/conf/${ifname}/accept_dad`, "0");
  }
  bestEffort(`net/ipv4/conf/${ifname}/arp_notify`, "1");
  bestEffort(`net/ipv6/conf/${ifname}/keep_addr_on_down`, "1");
}

/** Turns forwarding on for a family in the current netns (read first: a write costs more). */
export function enableForwarding(family: 4 | 6): void {
  const key = family === 4 ? "net/ipv4/ip_forward" : "net/ipv6/conf/all/forwarding";
  if (readSysctl(key) !== "1") writeSysctl(key, "1");
}
