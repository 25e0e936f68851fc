// ipMasq (bridge/ptp) nft text, in the reference layout (pkg/ip/ipmasq_nftables_linux.go):
//   table inet cni_plugins_masquerade
//     chain postrouting  (nat, postrouting, srcnat): multicast returns, then goto masq_checks
//     chain masq_checks: one rule per pod address, commented with masqComment(net, ifname, cid):
//       ip saddr 10.88.0.5 ip daddr != 10.88.0.0/24 masquerade comment "<hash>-<hash>, net: ..."
// Multicast (224.0.0.0/4, ff00::/8) is never masqueraded: postrouting returns before the goto, as the
// reference does. Pure: text in, text out.
import { formatIP, networkAddress, parseCIDR } from "../ip/index.ts";
import { masqComment } from "./hash.ts";
import { FirewallInputError, nftQuote } from "./nft-text.ts";

export const MASQ_TABLE = "cni_plugins_masquerade";
export const MASQ_CHAIN = "masq_checks";
export const MASQ_BASE_CHAIN = "postrouting";
const T = `inet ${MASQ_TABLE}`;

/** One address to masquerade: the pod IP and the subnet it may talk to without NAT. */
interface MasqTarget {
  readonly family: "ip" | "ip6";
  readonly ip: string;
  readonly subnet: string;
  readonly prefixLength: number;
}

/** "10.88.0.5/24" -> {ip 10.88.0.5, subnet 10.88.0.0/24}; throws FirewallInputError on bad input. */
export function masqTarget(cidr: string): MasqTarget {
  if (!cidr.includes("/")) throw new FirewallInputError(`"${cidr}" is not an address in CIDR form`);
  const c = parseCIDR(cidr);
  if (!c) throw new FirewallInputError(`"${cidr}" is not an address in CIDR form`);
  const prefixLength = c.ip.family === 4 && c.bits === 128 ? c.prefix - 96 : c.prefix;
  const subnet = `${formatIP(networkAddress(c))}/${prefixLength}`;
  return { family: c.ip.family === 4 ? "ip" : "ip6", ip: formatIP(c.ip), subnet, prefixLength };
}

/** The table, chains and postrouting rules, exactly as the reference declares them. */
export function masqSkeletonText(): string {
  return [
    `add table ${T} { comment ${nftQuote("Masquerading for plugins from github.com/containernetworking/plugins")} ; }`,
    `add chain ${T} ${MASQ_CHAIN} { comment ${nftQuote("Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet")} ; }`,
    `add chain ${T} ${MASQ_BASE_CHAIN} { type nat hook postrouting priority srcnat ; }`,
    `flush chain ${T} ${MASQ_BASE_CHAIN}`,
    `add rule ${T} ${MASQ_BASE_CHAIN} ip daddr 224.0.0.0/4 return`,
    `add rule ${T} ${MASQ_BASE_CHAIN} ip6 daddr ff00::/8 return`,
    `add rule ${T} ${MASQ_BASE_CHAIN} goto ${MASQ_CHAIN}`,
  ].join("\n");
}

/** One masquerade rule line for one address. */
function masqRuleText(target: MasqTarget, comment: string): string {
  const f = target.family;
  return `add rule ${T} ${MASQ_CHAIN} ${f} saddr ${target.ip} ${f} daddr != ${target.subnet} masquerade comment ${nftQuote(comment)}`;
}

/** All rule lines for one attachment (validated), without the skeleton. */
export function masqRulesText(network: string, ifname: string, containerId: string, cidrs: readonly string[]): string {
  const comment = masqComment(network, ifname, containerId);
  return cidrs.map((c) => masqRuleText(masqTarget(c), comment)).join("\n");
}
