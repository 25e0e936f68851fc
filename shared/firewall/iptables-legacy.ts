// Pure helpers to remove the reference plugins' iptables state (nodes upgraded from the reference,
// or ipMasqBackend "iptables"). The chains are found by their deterministic names (hash.ts); the
// jumps to them by reading `iptables -t nat -S <chain>` and turning each matching `-A` line into a
// `-D` with the same rule spec, so rules are deleted by content, never by racy position numbers.
import { legacyChainName } from "./hash.ts";

/** A chain of the reference and the built-in/summary chains that jump to it. */
export interface LegacyChain {
  readonly chain: string;
  readonly entryChains: readonly string[];
}

/** ipMasq (pkg/ip/ipmasq_iptables_linux.go): CNI-<hash>, jumped to from POSTROUTING. */
export function legacyMasqChains(network: string, containerId: string): LegacyChain[] {
  return [{ chain: legacyChainName(network, containerId), entryChains: ["POSTROUTING"] }];
}

/** portmap (portmap_iptables.go): CNI-DN-<hash> from CNI-HOSTPORT-DNAT, old CNI-SN-<hash> from CNI-HOSTPORT-SNAT. */
export function legacyPortmapChains(network: string, containerId: string): LegacyChain[] {
  return [
    { chain: legacyChainName(network, containerId, "DN-"), entryChains: ["CNI-HOSTPORT-DNAT"] },
    { chain: legacyChainName(network, containerId, "SN-"), entryChains: ["CNI-HOSTPORT-SNAT"] },
  ];
}

/**
 * Splits one iptables-save style line into arguments: whitespace separates, double quotes group,
 * and inside quotes a backslash escapes the next character (`"name: \"net\" id: \"c1\""`).
 */
export function splitRuleLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inToken = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === "\\" && i + 1 < line.length) cur += line[++i];
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') {
      quoted = true;
      inToken = true;
    } else if (ch === " " || ch === "\t") {
      if (inToken) out.push(cur);
      cur = "";
      inToken = false;
    } else {
      cur += ch;
      inToken = true;
    }
  }
  if (inToken) out.push(cur);
  return out;
}

/** From `-S <entryChain>` output: the rule specs (args after `-A <entryChain>`) that jump or goto `target`. */
export function jumpsTo(listing: string, entryChain: string, target: string): string[][] {
  const specs: string[][] = [];
  for (const line of listing.split("\n")) {
    const args = splitRuleLine(line.trim());
    if (args[0] !== "-A" || args[1] !== entryChain) continue;
    const spec = args.slice(2);
    const j = spec.findIndex((a, i) => (a === "-j" || a === "-g" || a === "--jump" || a === "--goto") && spec[i + 1] === target);
    if (j >= 0) specs.push(spec);
  }
  return specs;
}
