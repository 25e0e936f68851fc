// The firewall drivers a plugin entry can build for the node it runs on. Only plugin entries
// (index.ts / system-deps.ts) import this file; everything below them receives a FirewallDriver.
import { systemIptables } from "./iptables.ts";
import { NftFirewall } from "./nft.ts";
import { NoneFirewall } from "./none.ts";
import { systemNft } from "./system-nft.ts";
import type { FirewallDriver } from "./types.ts";

type FirewallKind = FirewallDriver["name"];

/**
 * nftables through libnftables (`nft -f -` fallback) and nfnetlink reads, in the calling thread's netns;
 * iptables-save/-restore only for the firewall meta plugin's rules where an iptables FORWARD chain exists.
 */
export function systemFirewall(kind: FirewallKind = "nftables"): FirewallDriver {
  return kind === "none" ? new NoneFirewall() : new NftFirewall(systemNft, systemIptables(systemNft));
}
