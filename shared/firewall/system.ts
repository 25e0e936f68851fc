// The firewall drivers a plugin entry can build for the node it runs on. Only plugin entries
// (index.ts / system-deps.ts) import this file; everything below them receives a FirewallDriver.
import { systemIptables } from "./iptables.ts";
import { NftFirewall } from "./nft.ts";
import { NoneFirewall } from "./none.ts";
import { systemNft } from "./system-nft.ts";
import type { FirewallDriver, NftRunner } from "./types.ts";

type FirewallKind = FirewallDriver["name"];

/**
 * nftables through libnftables (`nft -f -` fallback) and nfnetlink reads, in the calling thread's netns;
 * iptables-save/-restore only for the firewall meta plugin's rules where an iptables FORWARD chain exists.
 */
export function systemFirewall(kind: FirewallKind = "nftables", opts: SystemFirewallOptions = {}): FirewallDriver {
  if (kind === "none") return new NoneFirewall();
  const nft = opts.dryRun ? recordingNft(systemNft, opts.dryRun) : systemNft;
  return new NftFirewall(nft, systemIptables(nft));
}

interface SystemFirewallOptions {
  /** reads hit the kernel, every nft write is handed here instead of applied (`tscni audit` without --fix) */
  readonly dryRun?: (text: string) => void;
}

/** The system runner with its writes recorded, not applied. */
function recordingNft(nft: NftRunner, record: (text: string) => void): NftRunner {
  return {
    ...nft,
    run: (text) => {
      record(text);
      return { ok: true, output: "", error: "" };
    },
  };
}
