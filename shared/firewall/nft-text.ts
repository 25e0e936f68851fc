// Small, pure helpers to write nft command text safely and to read nft's JSON listings.
// Every value that lands in a command is validated here first: nothing from input reaches nft
// unchecked (names, comments, addresses, ports).
import { isV6Notation, parseIP } from "../ip/index.ts";

export type NftFamily = "ip" | "ip6" | "inet";

/** A value the firewall layer refuses to put into an nft command. */
export class FirewallInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FirewallInputError";
  }
}

/** A double-quoted nft string. Only printable ASCII without `"` and `\` is accepted. */
export function nftQuote(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s) || s.includes('"') || s.includes("\\")) {
    throw new FirewallInputError(`cannot put ${JSON.stringify(s)} in an nft string`);
  }
  return `"${s}"`;
}

/** Family keyword for an IP address ("ip" or "ip6"); throws on anything that is not an address. */
export function ipFamilyOf(address: string): "ip" | "ip6" {
  // node:net's isIP would cost ~1 ms of start-up; a zone suffix is not an address here either
  if (!address.includes("%") && parseIP(address)) return isV6Notation(address) ? "ip6" : "ip";
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

/** A rule as read back from a JSON listing: what we need to find and delete it. */
export interface ListedRule {
  readonly chain: string;
  readonly handle: number;
  readonly comment: string | undefined;
  readonly expr: unknown;
}

function asRecord(x: unknown): Record<string, unknown> | undefined {
  return typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

/** Picks the `rule` objects out of a JSON listing (chain or table). */
export function listedRules(items: readonly unknown[]): ListedRule[] {
  const out: ListedRule[] = [];
  for (const item of items) {
    const rule = asRecord(asRecord(item)?.rule);
    if (!rule || typeof rule.handle !== "number" || typeof rule.chain !== "string") continue;
    const comment = typeof rule.comment === "string" ? rule.comment : undefined;
    out.push({ chain: rule.chain, handle: rule.handle, comment, expr: rule.expr });
  }
  return out;
}

/** Names of the objects of one kind ("chain", "set", "map") in a JSON table listing. */
export function listedNames(items: readonly unknown[], kind: "chain" | "set" | "map"): Set<string> {
  const out = new Set<string>();
  for (const item of items) {
    const obj = asRecord(asRecord(item)?.[kind]);
    if (obj && typeof obj.name === "string") out.add(obj.name);
  }
  return out;
}

/** The raw element list of a named set or map in a JSON table listing (empty when absent). */
export function listedElements(items: readonly unknown[], kind: "set" | "map", name: string): unknown[] {
  for (const item of items) {
    const obj = asRecord(asRecord(item)?.[kind]);
    if (obj && obj.name === name) return Array.isArray(obj.elem) ? obj.elem : [];
  }
  return [];
}
