// The one config reader: every plugin, the shared NetConf and prevResult parsing read JSON through it.
// Pure: no Bun APIs, no I/O.
//
// Keys are matched the way the reference's Go encoding/json (go1.19) fills a struct field:
//   - a key naming the field exactly, else one equal to it under case folding (ASCII letters either case,
//     plus the two non-ASCII runes Unicode folds onto ASCII: U+017F 'ſ' = 's', U+212A Kelvin sign = 'k');
//   - every key naming the field is decoded in document order, so the LAST one wins ("isGateway" then
//     "IsGateway": the second counts), and two objects for one struct field merge;
//   - `null` leaves a scalar or struct field as it was (its default) and empties an array (a Go slice);
//     unknown keys are ignored;
//   - `__proto__`/`constructor`/`prototype` keys are refused (error 6, as json.ts does at parse time).
// Not modelled: one spelling repeated ({"mtu":1,"MTU":2,"mtu":3}) reaches us through JSON.parse as one
// key holding the last value at the first position, so it reads 2 where Go reads 3; and null does not
// reset a Go pointer field to nil (no plugin key depends on that).
// Errors name the path of the bad field (`ipam.ranges[0][1].subnet: invalid CIDR address: x`) and are
// error 7 (invalid config) unless the reader was made with another factory.
import { decodingFailure, invalidConfig, type CniError } from "./errors.ts";
import { FORBIDDEN_KEYS, isObject, type JsonObject } from "./json.ts";

type ErrorFactory = (msg: string) => CniError;

interface ReaderOptions {
  /** builds the error thrown for a bad field (default: invalidConfig, error 7) */
  error?: ErrorFactory;
  /** path of the root object ("" = top level of the config) */
  path?: string;
}

interface IntRange {
  min?: number;
  max?: number;
}

/** A JSON key folded the way Go compares it with an ASCII field name ("" when it can never match one). */
export function foldKey(key: string): string {
  let out = "";
  for (const ch of key) {
    if (ch === "\u017f") out += "s";
    else if (ch === "\u212a") out += "k";
    else if (ch.charCodeAt(0) >= 0x80) return "";
    else out += ch.toLowerCase();
  }
  return out;
}

/** True when the JSON key `key` fills the Go struct field whose JSON name is `name` (name is ASCII). */
export function keyNames(key: string, name: string): boolean {
  return key === name || foldKey(key) === name.toLowerCase();
}

const describe = (v: unknown): string => (v === undefined ? "nothing" : JSON.stringify(v));
const joinPath = (path: string, name: string): string => (path ? `${path}.${name}` : name);

/** One JSON value at a known path, with typed accessors that throw naming that path. */
export class JsonValue {
  constructor(
    readonly value: unknown,
    readonly path: string,
    private readonly error: ErrorFactory,
  ) {}

  fail(msg: string): never {
    throw this.error(`${this.path}: ${msg}`);
  }

  private expected(what: string): never {
    return this.fail(`expected ${what}, got ${describe(this.value)}`);
  }

  get isNull(): boolean {
    return this.value === null || this.value === undefined;
  }

  str(): string {
    if (typeof this.value !== "string") this.expected("a string");
    return this.value;
  }

  bool(): boolean {
    if (typeof this.value !== "boolean") this.expected("a boolean");
    return this.value;
  }

  /** A finite number within range (inclusive). */
  num(range: IntRange = {}): number {
    if (typeof this.value !== "number" || !Number.isFinite(this.value)) this.expected("a number");
    return this.inRange(this.value, range);
  }

  /** A safe integer within range (inclusive). */
  int(range: IntRange = {}): number {
    if (typeof this.value !== "number" || !Number.isSafeInteger(this.value)) this.expected("an integer");
    return this.inRange(this.value, range);
  }

  private inRange(v: number, { min = -Infinity, max = Infinity }: IntRange): number {
    if (v < min || v > max) this.fail(`${v} is out of range (must be between ${min} and ${max})`);
    return v;
  }

  /** The value as a plain object (not copied). */
  object(): JsonObject {
    if (!isObject(this.value)) this.expected("an object");
    return this.value;
  }

  /** The value as an object reader. */
  obj(): ConfigReader {
    return new ConfigReader([this.object()], this.path, this.error);
  }

  /** The value as a list of element values (paths `path[i]`). */
  arr(): JsonValue[] {
    if (!Array.isArray(this.value)) this.expected("an array");
    return this.value.map((v, i) => new JsonValue(v, `${this.path}[${i}]`, this.error));
  }

  strings(): string[] {
    return this.arr().map((e) => e.str());
  }
}

/**
 * Reads the fields of one JSON object (or of several, merged in order, when duplicate keys name one
 * struct field). Field names are the reference's JSON names, e.g. "isGateway".
 */
export class ConfigReader {
  constructor(
    private readonly layers: readonly JsonObject[],
    readonly path: string,
    private readonly error: ErrorFactory,
  ) {
    for (const layer of layers) {
      for (const k of Object.keys(layer)) {
        if (FORBIDDEN_KEYS.has(k)) throw decodingFailure(`${joinPath(path, k)}: forbidden key "${k}"`);
      }
    }
  }

  /** A reader over a decoded JSON object; error 7 (or opts.error) when it is not an object. */
  static of(raw: unknown, opts: ReaderOptions = {}): ConfigReader {
    const error = opts.error ?? invalidConfig;
    return new JsonValue(raw, opts.path ?? "", error).obj();
  }

  /** The path of field `name` under this object. */
  at(name: string): string {
    return joinPath(this.path, name);
  }

  /** Throws this reader's error for field `name` (or for the object itself when name is ""). */
  fail(name: string, msg: string): never {
    throw this.error(name ? `${this.at(name)}: ${msg}` : `${this.path}: ${msg}`);
  }

  /** Every value whose key names `name`, in document order (nulls included). */
  all(name: string): JsonValue[] {
    const out: JsonValue[] = [];
    for (const layer of this.layers) {
      for (const k of Object.keys(layer)) if (keyNames(k, name)) out.push(new JsonValue(layer[k], this.at(name), this.error));
    }
    return out;
  }

  /** True when some key names the field, even with a null value (Go allocates an embedded pointer then). */
  has(name: string): boolean {
    return this.all(name).length > 0;
  }

  /** The value a scalar field ends with: the last non-null one; every non-null one is checked by `check`. */
  private last<T>(name: string, check: (v: JsonValue) => T): T | undefined {
    let out: T | undefined;
    for (const v of this.all(name)) if (!v.isNull) out = check(v);
    return out;
  }

  /** The last non-null value of the field, untyped (undefined when absent or null). */
  value(name: string): JsonValue | undefined {
    return this.last(name, (v) => v);
  }

  optStr(name: string): string | undefined {
    return this.last(name, (v) => v.str());
  }

  str(name: string, dflt = ""): string {
    return this.optStr(name) ?? dflt;
  }

  optBool(name: string): boolean | undefined {
    return this.last(name, (v) => v.bool());
  }

  bool(name: string, dflt = false): boolean {
    return this.optBool(name) ?? dflt;
  }

  optInt(name: string, range?: IntRange): number | undefined {
    return this.last(name, (v) => v.int(range));
  }

  int(name: string, dflt: number, range?: IntRange): number {
    return this.optInt(name, range) ?? dflt;
  }

  optNum(name: string, range?: IntRange): number | undefined {
    return this.last(name, (v) => v.num(range));
  }

  num(name: string, dflt: number, range?: IntRange): number {
    return this.optNum(name, range) ?? dflt;
  }

  /** An array field, a Go slice: the last key wins and a null there empties it (undefined when absent or null). */
  arr(name: string): JsonValue[] | undefined {
    let out: JsonValue[] | undefined;
    for (const v of this.all(name)) out = v.isNull ? undefined : v.arr();
    return out;
  }

  /** A string-list field, a Go []string (as arr()). */
  strings(name: string): string[] | undefined {
    return this.arr(name)?.map((e) => e.str());
  }

  /** An object field (a Go struct: several objects naming it merge, later keys winning); undefined when absent or null. */
  child(name: string): ConfigReader | undefined {
    const objs = this.all(name).filter((v) => !v.isNull);
    if (objs.length === 0) return undefined;
    return new ConfigReader(
      objs.map((v) => v.object()),
      this.at(name),
      this.error,
    );
  }

  /** Like child(), but an absent or null field reads as an empty object. */
  childOrEmpty(name: string): ConfigReader {
    return this.child(name) ?? new ConfigReader([], this.at(name), this.error);
  }

  /** A plain merged copy of the object (later layers win); for map-typed fields passed on as-is. */
  toObject(): JsonObject {
    return Object.assign({}, ...this.layers) as JsonObject;
  }
}

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** A unicast Ethernet MAC in canonical lowercase form (the kernel rejects multicast on a veth). */
export function parseMac(text: string, what: string, error: ErrorFactory = invalidConfig): string {
  if (!MAC_RE.test(text)) throw error(`invalid MAC address ${JSON.stringify(text)} in ${what}`);
  const mac = text.toLowerCase();
  if (parseInt(mac.slice(0, 2), 16) & 1) throw error(`MAC address ${mac} in ${what} is multicast`);
  return mac;
}

/** The interface name rules the kernel applies (IFNAMSIZ 16 incl. NUL). */
export function validIfName(name: string): boolean {
  return (
    name.length > 0 &&
    new TextEncoder().encode(name).length <= 15 &&
    name !== "." &&
    name !== ".." &&
    !/[\s/:]/.test(name)
  );
}
