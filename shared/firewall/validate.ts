// Input checks shared by the firewall operations: identifiers follow the CNI spec's rules (no length
// limit on IDs and names: what goes into an nft comment is encoded or cut by the rule builders, and
// nftQuote refuses anything that could break out of an nft string).
import { FirewallInputError } from "./nft-text.ts";

const CNI_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$/;
/** The spec's interface name rules: 1-15 bytes, not . or .., no / : or whitespace (non-ASCII, " and \ are legal). */
const IFNAME_FORBIDDEN = /[\s/:]/u;
const MAX_IFNAME_BYTES = 15;

export function validateContainerId(id: string): void {
  if (!CNI_ID.test(id)) throw new FirewallInputError(`invalid container ID "${id}"`);
}

export function validateNetworkName(name: string): void {
  if (!CNI_ID.test(name)) throw new FirewallInputError(`invalid network name "${name}"`);
}

function validateIfname(ifname: string): void {
  const bytes = new TextEncoder().encode(ifname).length;
  if (bytes === 0 || bytes > MAX_IFNAME_BYTES || IFNAME_FORBIDDEN.test(ifname) || ifname === "." || ifname === "..") {
    throw new FirewallInputError(`invalid interface name ${JSON.stringify(ifname)}`);
  }
}

export function validateAttachment(a: { network: string; ifname: string; containerId: string }): void {
  validateNetworkName(a.network);
  validateIfname(a.ifname);
  validateContainerId(a.containerId);
}
