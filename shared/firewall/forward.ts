// Where the firewall meta plugin's rules go, per address family: into the iptables filter table of each
// flavour (nft or legacy) whose FORWARD chain exists, since an ACCEPT in tscni's own nft table cannot
// overrule a DROP there (Docker sets FORWARD's policy to DROP); else into tscni's table inet cni_firewall.
// DEL and GC look in every place that may hold rules, so a node whose iptables appeared or vanished
// between ADD and DEL still ends clean.
import { checkForwardIptables, gcIptables, setupForwardIptables, setupIngressIptables, teardownForwardIptables } from "./forward-iptables.ts";
import { checkForwardNft, gcForwardNft, setupForwardNft, setupIngressNft, teardownForwardNft } from "./forward-nft.ts";
import { CNI_FORWARD, FAMILIES, FORWARD, hostAddress, STAGE1, validateChainName, type Family } from "./forward-rules.ts";
import { validateContainerId, validateNetworkName } from "./validate.ts";
import type { ForwardSetup, ForwardTeardown, IngressPolicySetup, IptablesFlavor, IptablesRunner, NftRunner } from "./types.ts";

function ipsOf(ips: readonly string[], family: Family): string[] {
  return ips.map(hostAddress).filter((a) => a.family === family).map((a) => a.ip);
}

function validate(s: { network: string; containerId: string; ips: readonly string[] }): void {
  validateNetworkName(s.network);
  validateContainerId(s.containerId);
  s.ips.forEach(hostAddress);
}

/** Runs every step, then throws the first failure (or all of them). */
function all(steps: (() => void)[]): void {
  const errors: Error[] = [];
  for (const step of steps) {
    try {
      step();
    } catch (e) {
      errors.push(e instanceof Error ? e : new Error(String(e)));
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join("; "));
}

/**
 * Where each family's rules go: into every iptables flavour that has a FORWARD chain, or, for families
 * with none, into tscni's nft table (one call for all of them).
 */
function byPlacement(ipt: IptablesRunner, s: ForwardSetup, onIptables: (family: Family, f: IptablesFlavor, ips: string[]) => void, onNft: (ips: string[]) => void): void {
  validate(s);
  validateChainName(s.adminChain);
  const native: string[] = [];
  for (const family of FAMILIES) {
    const ips = ipsOf(s.ips, family);
    if (ips.length === 0) continue;
    const flavors = ipt.flavorsWith(family, FORWARD);
    if (flavors.length === 0) native.push(...ips);
    for (const f of flavors) onIptables(family, f, ips);
  }
  if (native.length) onNft(native);
}

/** iptables writes are read (-save), decided, then committed: two at once would both add what is missing. */
export function setupForward(nft: NftRunner, ipt: IptablesRunner, s: ForwardSetup): void {
  byPlacement(ipt, s, (family, f, ips) => nft.exclusive(() => setupForwardIptables(ipt, family, f, s, ips)), (ips) => setupForwardNft(nft, s, ips));
}

export function checkForward(nft: NftRunner, ipt: IptablesRunner, s: ForwardSetup): void {
  byPlacement(ipt, s, (family, f, ips) => checkForwardIptables(ipt, family, f, s, ips), (ips) => checkForwardNft(nft, s, ips));
}

export function teardownForward(nft: NftRunner, ipt: IptablesRunner, t: ForwardTeardown): void {
  validate(t);
  const steps = FAMILIES.flatMap((family) =>
    ipt.flavorsWith(family, CNI_FORWARD).map((f) => () => teardownForwardIptables(ipt, family, f, t, ipsOf(t.ips, family))),
  );
  all([...steps, () => teardownForwardNft(nft, t)]);
}

export function setupIngressPolicy(nft: NftRunner, ipt: IptablesRunner, p: IngressPolicySetup): void {
  validateNetworkName(p.network);
  let native = false;
  for (const family of p.families) {
    const flavors = ipt.flavorsWith(family, FORWARD);
    if (flavors.length === 0) native = true;
    for (const f of flavors) nft.exclusive(() => setupIngressIptables(ipt, family, f, p));
  }
  if (native) setupIngressNft(nft, p);
}

export function gcForward(nft: NftRunner, ipt: IptablesRunner, network: string, valid: ReadonlySet<string>): void {
  validateNetworkName(network);
  const steps = FAMILIES.flatMap((family) => {
    const flavors = new Set([...ipt.flavorsWith(family, CNI_FORWARD), ...ipt.flavorsWith(family, STAGE1)]);
    return [...flavors].map((f) => () => gcIptables(ipt, family, f, network, valid));
  });
  all([...steps, () => gcForwardNft(nft, network, valid)]);
}
