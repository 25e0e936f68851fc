// IP and CIDR math, v4 and v6 alike (bigint based). See addr.ts and cidr.ts.
export * from "./addr.ts";
export * from "./cidr.ts";
