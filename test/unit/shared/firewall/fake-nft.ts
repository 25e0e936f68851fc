// A scripted NftRunner for unit tests: records every call; writes answer from a queue (default ok),
// reads answer from a small in-memory model of tables, chains (with rules) and sets (with elements).
// Also naive, test-only builders for element bytes and rule expressions (independent of the codec).
import { familyOf } from "../../../../shared/ip/index.ts";
import type { NfFamily, NftElementInfo, NftExpr, NftRuleInfo, NftRunner } from "../../../../shared/firewall/types.ts";

export interface FakeNft extends NftRunner {
  readonly runs: string[];
  /** Every read, as "<kind> <family> <table> [<name>]". */
  readonly reads: string[];
  /** One entry per exclusive() call: how many runs had happened when it was taken. */
  readonly locks: number[];
}

type Run = { ok: boolean; output: string; error: string };

export interface FakeState {
  /** "ip cni_hostport"; a table is also implied by any chain or set in it. */
  tables?: string[];
  /** "inet cni_plugins_masquerade masq_checks" -> rules (with exprs; stripped unless asked for). */
  chains?: Record<string, NftRuleInfo[]>;
  /** "ip cni_hostport tscni_hostports" -> elements. */
  sets?: Record<string, NftElementInfo[]>;
  /** Reads of these keys ("<family> <table> <name>") throw, as a failing kernel read would. */
  failing?: string[];
}

const tableOf = (key: string): string => key.split(" ").slice(0, 2).join(" ");

export function fakeNft(opts: { runs?: Run[] } & FakeState = {}): FakeNft {
  const runQueue = [...(opts.runs ?? [])];
  const runs: string[] = [];
  const reads: string[] = [];
  const locks: number[] = [];
  const chains = opts.chains ?? {};
  const sets = opts.sets ?? {};
  const tables = new Set([...(opts.tables ?? []), ...Object.keys(chains).map(tableOf), ...Object.keys(sets).map(tableOf)]);
  const read = (kind: string, key: string): void => {
    reads.push(`${kind} ${key}`);
    if (opts.failing?.includes(key)) throw new Error(`fake read of ${key} failed`);
  };
  return {
    runs,
    reads,
    locks,
    available: () => true,
    exclusive: (fn) => {
      locks.push(runs.length);
      return fn();
    },
    run(text) {
      runs.push(text);
      return runQueue.shift() ?? { ok: true, output: "", error: "" };
    },
    rules(family: NfFamily, table, chain, o) {
      const key = `${family} ${table} ${chain}`;
      read("rules", key);
      const p = o?.commentPrefix;
      return (Object.hasOwn(chains, key) ? chains[key]! : [])
        .filter((r) => p === undefined || r.comment?.startsWith(p) === true)
        .map((r) => (o?.exprs ? r : { handle: r.handle, comment: r.comment }));
    },
    tableRules(family: NfFamily, table, o) {
      read("tableRules", `${family} ${table}`);
      const p = o?.commentPrefix;
      return Object.entries(chains)
        .filter(([key]) => tableOf(key) === `${family} ${table}`)
        .flatMap(([key, rules]) => rules.map((r) => ({ ...r, chain: key.split(" ")[2]! })))
        .filter((r) => p === undefined || r.comment?.startsWith(p) === true)
        .map((r) => (o?.exprs ? r : { handle: r.handle, comment: r.comment, chain: r.chain }));
    },
    elements(family, table, set, o) {
      const key = `${family} ${table} ${set}`;
      read("elements", key);
      const p = o?.commentPrefix;
      return Object.hasOwn(sets, key) ? sets[key]!.filter((e) => p === undefined || e.comment?.startsWith(p) === true) : undefined;
    },
    element(family, table, set, key) {
      const k = `${family} ${table} ${set}`;
      read("element", k);
      const same = (a: Uint8Array) => a.length === key.length && a.every((b, i) => b === key[i]);
      return Object.hasOwn(sets, k) ? sets[k]!.find((e) => same(e.key)) : undefined;
    },
    setExists(family, table, set) {
      const k = `${family} ${table} ${set}`;
      read("set", k);
      return Object.hasOwn(sets, k);
    },
    tableExists(family, table) {
      read("table", `${family} ${table}`);
      return tables.has(`${family} ${table}`);
    },
    chainExists(family, table, chain) {
      const key = `${family} ${table} ${chain}`;
      read("chain", key);
      return Object.hasOwn(chains, key);
    },
  };
}

export const OK: Run = { ok: true, output: "", error: "" };
export const FAIL: Run = { ok: false, output: "", error: "Error: Could not process rule: No such file or directory" };

// ---- naive element bytes: each field of a concatenation padded to 4 bytes ----

const PROTO: Record<string, number> = { tcp: 6, udp: 17, sctp: 132 };

function fieldBytes(f: string | number): number[] {
  if (typeof f === "number") return [f >> 8, f & 0xff]; // inet_service
  if (f in PROTO) return [PROTO[f]!];
  if (f.includes(".")) return f.split(".").map(Number);
  const [head, tail] = f.split("::") as [string, string | undefined];
  const groups = (s: string | undefined) => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = groups(tail);
  const all = [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/** Key or value bytes: one field unpadded, several padded to 4 each ("tcp", 8080, "10.0.0.1", "fd00::1"). */
export function keyBytes(...fields: (string | number)[]): Uint8Array {
  if (fields.length === 1) return new Uint8Array(fieldBytes(fields[0]!));
  const out: number[] = [];
  for (const f of fields) {
    const b = fieldBytes(f);
    out.push(...b);
    while (out.length % 4) out.push(0);
  }
  return new Uint8Array(out);
}

/** A map element: key fields, value fields, comment. */
export function mapElem(key: (string | number)[], value: (string | number)[], comment?: string): NftElementInfo {
  return { key: keyBytes(...key), data: keyBytes(...value), comment };
}

export function setElem(key: (string | number)[], comment?: string): NftElementInfo {
  return { key: keyBytes(...key), comment };
}

// ---- naive rule expressions ----

export const gotoExpr = (chain: string): NftExpr => ({ name: "immediate", dreg: 0, verdict: { code: -4, chain } });
export const jumpExpr = (chain: string): NftExpr => ({ name: "immediate", dreg: 0, verdict: { code: -3, chain } });

/** `ip saddr <ip> ip daddr != <net>/<len> masquerade` as nft 1.0 compiles it in an inet table (byte-aligned len). */
export function masqExprs(ip: string, net: string, len: number): NftExpr[] {
  const v6 = familyOf(ip) === 6;
  const bytes = (s: string) => new Uint8Array(fieldBytes(s));
  return [
    { name: "meta", key: 15, dreg: 1 },
    { name: "cmp", sreg: 1, op: 0, data: new Uint8Array([v6 ? 10 : 2]) },
    { name: "payload", dreg: 1, base: 1, offset: v6 ? 8 : 12, len: v6 ? 16 : 4 },
    { name: "cmp", sreg: 1, op: 0, data: bytes(ip) },
    { name: "payload", dreg: 1, base: 1, offset: v6 ? 24 : 16, len: len / 8 },
    { name: "cmp", sreg: 1, op: 1, data: bytes(net).subarray(0, len / 8) },
    { name: "masq" },
  ];
}
