// bridge `macspoofchk`: frames entering the bridge from a pod's host veth must carry the pod's MAC.
// Same layout as the reference (pkg/link/spoofcheck.go): table `bridge nat`, base chain PREROUTING
// (filter, prerouting, priority -300) with a per-attachment jump, tagged by comment, to a chain that
// returns for the pod's MAC and drops everything else. One nft transaction per setup/teardown.
import { runNft } from "../sys/nftables.ts";
import { listNftJson } from "../sys/nftables.ts";
import { FirewallError } from "./types.ts";

export interface SpoofCheck {
  hostIface: string;
  mac: string;
  /** containerID-ifname, as the reference's uniqueID */
  uniqueId: string;
}

const TABLE = "bridge nat";
const BASE = "PREROUTING";

export function spoofChainName(uniqueId: string): string {
  return `cni-br-iface-${uniqueId}`;
}

export function spoofComment(uniqueId: string): string {
  return `macspoofchk-${uniqueId}`;
}

function quote(s: string): string {
  if (!/^[A-Za-z0-9_.:\-]+$/.test(s)) throw new FirewallError("macspoofchk", `unsafe token ${JSON.stringify(s)}`);
  return `"${s}"`;
}

/** A chain name as a bare nft identifier: nft before 1.0.7 rejects a quoted chain name. */
function ident(s: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_.\-]*$/.test(s)) throw new FirewallError("macspoofchk", `unsafe chain name ${JSON.stringify(s)}`);
  return s;
}

export function spoofSetupText(s: SpoofCheck): string {
  const chain = spoofChainName(s.uniqueId);
  return [
    `add table ${TABLE}`,
    `add chain ${TABLE} ${BASE} { type filter hook prerouting priority -300; policy accept; }`,
    `add chain ${TABLE} ${ident(chain)}`,
    `flush chain ${TABLE} ${ident(chain)}`,
    `add rule ${TABLE} ${ident(chain)} ether saddr ${s.mac} return`,
    `add rule ${TABLE} ${ident(chain)} drop`,
    `add rule ${TABLE} ${BASE} iifname ${quote(s.hostIface)} jump ${ident(chain)} comment ${quote(spoofComment(s.uniqueId))}`,
  ].join("\n");
}

export function setupSpoofCheck(s: SpoofCheck): void {
  const r = runNft(spoofSetupText(s));
  if (!r.ok) throw new FirewallError("set up macspoofchk", r.error);
}

interface NftRule {
  rule?: { chain?: string; handle?: number; comment?: string };
}

/** Removes the jump (by comment) and the per-attachment chain; missing pieces are fine. */
export function teardownSpoofCheck(uniqueId: string): void {
  const listed = listNftJson(`chain ${TABLE} ${BASE}`);
  if (!listed.ok) return; // no table or chain: nothing was set up
  const comment = spoofComment(uniqueId);
  const cmds: string[] = [];
  for (const item of listed.items as NftRule[]) {
    if (item.rule?.comment === comment && item.rule.handle !== undefined) {
      cmds.push(`delete rule ${TABLE} ${BASE} handle ${item.rule.handle}`);
    }
  }
  const chain = spoofChainName(uniqueId);
  if (listNftJson(`chain ${TABLE} ${ident(chain)}`).ok) cmds.push(`delete chain ${TABLE} ${ident(chain)}`);
  if (!cmds.length) return;
  const r = runNft(cmds.join("\n"));
  if (!r.ok) throw new FirewallError("tear down macspoofchk", r.error);
}

/** True when the jump for uniqueId is present. */
export function hasSpoofCheck(uniqueId: string): boolean {
  const listed = listNftJson(`chain ${TABLE} ${BASE}`);
  if (!listed.ok) return false;
  return (listed.items as NftRule[]).some((i) => i.rule?.comment === spoofComment(uniqueId));
}
