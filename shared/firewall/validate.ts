// Input checks shared by the firewall operations: identifiers follow the CNI spec's rules, so nothing
// that could break out of an nft string or an iptables argument ever reaches them.
import { FirewallInputError } from "./nft-text.ts";

const CNI_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$/;
const IFNAME_FORBIDDEN = /[\s/:"\\]/;

export function validateContainerId(id: string): void {
  if (!CNI_ID.test(id) || id.length > 128) throw new FirewallInputError(`invalid container ID "${id}"`);
}

export function validateNetworkName(name: string): void {
  if (!CNI_ID.test(name) || name.length > 128) throw new FirewallInputError(`invalid network name "${name}"`);
}

function validateIfname(ifname: string): void {
  if (ifname.length === 0 || ifname.length > 15 || IFNAME_FORBIDDEN.test(ifname) || ifname === "." || ifname === "..") {
    throw new FirewallInputError(`invalid interface name "${ifname}"`);
  }
  if (!/^[\x21-\x7e]+$/.test(ifname)) throw new FirewallInputError(`invalid interface name "${ifname}"`);
}

export function validateAttachment(a: { network: string; ifname: string; containerId: string }): void {
  validateNetworkName(a.network);
  validateIfname(a.ifname);
  validateContainerId(a.containerId);
}
