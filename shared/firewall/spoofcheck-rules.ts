// bridge `macspoofchk` logic over an injected NftRunner (pure; spoofcheck.ts binds the system runner):
// frames entering the bridge from a pod's host veth must carry the pod's MAC.
// Same layout as the reference (pkg/link/spoofcheck.go): table `bridge nat`, base chain PREROUTING
// (filter, prerouting, priority -300) with a per-attachment jump, tagged by comment, to a chain that
// returns for the pod's MAC and drops everything else. One nft transaction per setup/teardown; reads
// are targeted nfnetlink requests (the runner), never a listing of the whole ruleset.
import { FirewallError, type NftRunner } from "./types.ts";

export interface SpoofCheck {
  hostIface: string;
  mac: string;
  /** containerID-ifname, as the reference's uniqueID */
  uniqueId: string;
}

const TABLE = "bridge nat";
const TABLE_NAME = "nat";
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

export function setupSpoofCheckWith(nft: NftRunner, s: SpoofCheck): void {
  const r = nft.run(spoofSetupText(s));
  if (!r.ok) throw new FirewallError("set up macspoofchk", r.error);
}

/** Removes the jump (by comment) and the per-attachment chain; missing pieces are fine. */
export function teardownSpoofCheckWith(nft: NftRunner, uniqueId: string): void {
  const comment = spoofComment(uniqueId);
  const cmds = nft.rules("bridge", TABLE_NAME, BASE, { commentPrefix: comment })
    .filter((r) => r.comment === comment)
    .map((r) => `delete rule ${TABLE} ${BASE} handle ${r.handle}`);
  const chain = ident(spoofChainName(uniqueId));
  if (nft.chainExists("bridge", TABLE_NAME, chain)) cmds.push(`delete chain ${TABLE} ${chain}`);
  if (!cmds.length) return;
  const r = nft.run(cmds.join("\n"));
  if (!r.ok) throw new FirewallError("tear down macspoofchk", r.error);
}

/** True when the jump for uniqueId is present. */
export function hasSpoofCheckWith(nft: NftRunner, uniqueId: string): boolean {
  const comment = spoofComment(uniqueId);
  return nft.rules("bridge", TABLE_NAME, BASE, { commentPrefix: comment }).some((r) => r.comment === comment);
}
