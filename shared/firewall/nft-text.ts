// Small, pure helpers to write nft command text safely (reads go through nfnetlink: shared/netlink/nf).
// Every value that lands in a command is validated here first: nothing from input reaches nft
// unchecked (names, comments, addresses, ports).
import { familyOf, parseIP } from "../ip/index.ts";

type NftFamily = "ip" | "ip6" | "inet";

/** A value the firewall layer refuses to put into an nft command. */
export class FirewallInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FirewallInputError";
  }
}

/**
 * A double-quoted nft string. nft's scanner takes everything up to the next `"` verbatim (no escapes),
 * so any text without `"` and control characters is safe, UTF-8 and `\` included (nft comments name
 * interfaces, which may hold both).
 */
export function nftQuote(s: string): string {
  if (/[\x00-\x1f\x7f"]/.test(s)) {
    throw new FirewallInputError(`cannot put ${JSON.stringify(s)} in an nft string`);
  }
  return `"${s}"`;
}

/** A bare nft identifier (chain names: nft before 1.0.7 rejects a quoted one). */
export function nftIdent(s: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_.\-]*$/.test(s)) throw new FirewallInputError(`cannot use ${JSON.stringify(s)} as an nft identifier`);
  return s;
}

/** A MAC address as nft's ether type writes it (six colon-separated hex bytes). */
export function nftMac(mac: string): string {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac)) throw new FirewallInputError(`"${mac}" is not a MAC address`);
  return mac;
}

/** Family keyword for an IP address ("ip" or "ip6"); throws on anything that is not an address. */
export function ipFamilyOf(address: string): "ip" | "ip6" {
  // node:net's isIP would cost ~1 ms of start-up; a zone suffix is not an address here either
  if (parseIP(address)) return familyOf(address) === 6 ? "ip6" : "ip";
  throw new FirewallInputError(`"${address}" is not an IP address`);
}

export function assertPort(port: number, what: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new FirewallInputError(`${what} ${String(port)} is not a port number (1-65535)`);
  }
  return port;
}

/** "delete rule <family> <table> <chain> handle N", one line per handle. */
export function deleteRulesText(family: NftFamily, table: string, chain: string, handles: readonly number[]): string {
  return handles.map((h) => `delete rule ${family} ${table} ${chain} handle ${h}`).join("\n");
}
