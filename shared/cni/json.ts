// JSON in and out of the skel boundary. Pure.
// In: bounded, prototype-safe parsing of untrusted bytes into `unknown`.
// Out: text laid out the way Go's encoding/json prints it (the reference plugins' stdout).
import { decodingFailure } from "./errors.ts";

/** Largest accepted stdin config for ADD and STATUS (1 MiB). Real configs, prevResult included, are a few KiB. */
export const MAX_CONFIG_BYTES = 1 << 20;

/**
 * Largest accepted stdin config for DEL, CHECK and GC (16 MiB): they carry what ADD accepted plus the
 * chain's final result (prevResult) or the valid-attachments list, which may be larger than ADD's
 * 1 MiB; refusing them would leave an attachment that can never be deleted.
 */
export const MAX_TEARDOWN_CONFIG_BYTES = 16 << 20;

/** The stdin limit of a verb (CNI_COMMAND as given; unknown verbs get the ADD limit). */
export function maxConfigBytes(verb: string | undefined): number {
  return verb === "DEL" || verb === "CHECK" || verb === "GC" ? MAX_TEARDOWN_CONFIG_BYTES : MAX_CONFIG_BYTES;
}

/** Keys refused at any depth of untrusted JSON (prototype pollution). */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Decodes UTF-8 bytes into a JSON value; throws CniError 6 on size, encoding, syntax or forbidden keys. */
export function parseJsonBytes(bytes: Uint8Array, what = "network config", limit = MAX_CONFIG_BYTES): unknown {
  if (bytes.length > limit) {
    throw decodingFailure(`error unmarshall ${what}: input exceeds ${limit} bytes`);
  }
  return parseJsonText(decodeUtf8(bytes, what), what);
}

function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw decodingFailure(`error unmarshall ${what}: invalid UTF-8`);
  }
}

/** Deepest accepted nesting of arrays and objects (real configs nest < 10; deeper ones exhausted the stack). */
const MAX_JSON_DEPTH = 512;

/** The deepest nesting of [ and { in JSON text, strings skipped (a linear scan, no recursion). */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** JSON.parse that refuses `__proto__`/`constructor`/`prototype` keys at any depth, and nesting over 512. */
export function parseJsonText(text: string, what = "network config"): unknown {
  if (text.trim() === "") throw decodingFailure(`error unmarshall ${what}: unexpected end of JSON input`);
  if (nestingDepth(text) > MAX_JSON_DEPTH) throw decodingFailure(`error unmarshall ${what}: nested deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text, rejectForbiddenKey);
  } catch (e) {
    throw decodingFailure(`error unmarshall ${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function rejectForbiddenKey(key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) throw new SyntaxError(`forbidden key "${key}"`);
  return value;
}

/** Compact JSON as Go's json.Marshal writes it (HTML-safe escapes), plus Encoder's trailing newline. */
export function goCompactLine(value: unknown): string {
  return goEscape(JSON.stringify(value)) + "\n";
}

/** JSON as Go's json.MarshalIndent(v, "", "    ") writes it; no trailing newline. */
export function goIndent(value: unknown): string {
  return goEscape(JSON.stringify(value, null, 4));
}

/**
 * Go escapes <, >, & and U+2028/U+2029 inside strings. Outside strings JSON text holds none of these
 * characters, so a global replace only touches string contents.
 */
function goEscape(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A copy of v with object keys sorted at every depth (what Go does when marshalling a map). */
export function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeysDeep(v[k]);
  return out;
}

const GO_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  '"': '\\"',
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
};

/** Go's %q for a string (ASCII control characters as \xHH), for messages that copy the reference. */
export function goQuote(s: string): string {
  const body = s.replace(/[\\"\x00-\x1f\x7f]/g, (c) => GO_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return `"${body}"`;
}

/** Go's %q for a []string: ["a" "b"]. */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(" ")}]`;
}
