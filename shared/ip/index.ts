// The one IP value type: addresses, CIDRs, families and their text/bytes forms (addr.ts, cidr.ts, family.ts).
export * from "./addr.ts";
export * from "./cidr.ts";
export * from "./family.ts";
