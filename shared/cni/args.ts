// CNI_ARGS: "K=V;K=V" (deprecated in favour of args.cni.*, still sent by Kubernetes runtimes).
// Errors copy the reference's types.LoadArgs: untyped there, so code 999 with its "ARGS: ..." text.
// Pure.
import { type CniError, internalError } from "./errors.ts";
import { goQuote, goQuoteList } from "./json.ts";

export type ArgPair = readonly [key: string, value: string];

function argsError(msg: string): CniError {
  return internalError(msg);
}

/** Splits CNI_ARGS into ordered pairs; every pair must be exactly "K=V" ("" means no pairs). */
export function parseCniArgs(text: string): ArgPair[] {
  if (text === "") return [];
  return text.split(";").map(parsePair);
}

function parsePair(pair: string): ArgPair {
  const kv = pair.split("=");
  if (kv.length !== 2) throw argsError(`ARGS: invalid pair ${goQuote(pair)}`);
  return [kv[0]!, kv[1]!];
}

/** Go's types.UnmarshallableBool: 1/true/0/false, any case. */
export function parseArgBool(value: string): boolean {
  const s = value.toLowerCase();
  if (s === "1" || s === "true") return true;
  if (s === "0" || s === "false") return false;
  throw new Error(`boolean unmarshal error: invalid input ${s}`);
}

/** Parses one known pair's value; a parser failure becomes the reference's "error parsing value" error. */
function parseValue<T>([key, value]: ArgPair, parse: (value: string) => T): T {
  try {
    return parse(value);
  } catch (e) {
    const cause = e instanceof Error ? e.message : String(e);
    throw argsError(`ARGS: error parsing value of pair ${goQuote(`${key}=${value}`)}: ${cause}`);
  }
}

/** The IgnoreUnknown flag (the last occurrence wins, as when Go fills a struct field twice). */
export function ignoreUnknownOf(pairs: readonly ArgPair[]): boolean {
  let ignore = false;
  for (const pair of pairs) if (pair[0] === "IgnoreUnknown") ignore = parseValue(pair, parseArgBool);
  return ignore;
}

/** Value parsers by key; keys are case-sensitive Go field names (IP, MAC, K8S_POD_NAME, ...). */
type ArgParsers = { readonly [key: string]: (value: string) => unknown };

type LoadedArgs<P extends ArgParsers> = { -readonly [K in keyof P]?: ReturnType<P[K]> };

/**
 * The reference's types.LoadArgs: parses every known key's value in order (last wins), collects the
 * unknown pairs and rejects them unless ignoreUnknown. IgnoreUnknown itself is always known.
 */
export function loadArgs<P extends ArgParsers>(
  pairs: readonly ArgPair[],
  known: P,
  ignoreUnknown: boolean,
): LoadedArgs<P> {
  const out: Partial<Record<string, unknown>> = {};
  const unknown: string[] = [];
  for (const pair of pairs) {
    const [key] = pair;
    if (key === "IgnoreUnknown" && !Object.hasOwn(known, key)) continue;
    const parse = Object.hasOwn(known, key) ? known[key] : undefined;
    if (parse) out[key] = parseValue(pair, parse);
    else unknown.push(`${pair[0]}=${pair[1]}`);
  }
  if (unknown.length > 0 && !ignoreUnknown) throw argsError(`ARGS: unknown args ${goQuoteList(unknown)}`);
  return out as LoadedArgs<P>;
}
