// The dhcp IPAM config (`ipam` object) and what it resolves to for one attachment. Pure: no I/O.
// Keys as the reference: daemonSocketPath, request [{option, skipDefault}], provide [{option, value,
// fromArg}], priority; matched like Go's encoding/json (exact key first, else case-insensitive).
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { NetConf } from "../../../shared/cni/plugin.ts";
import { Opt, OPTION_NAMES } from "./wire/options.ts";
import type { LeaseParams } from "./protocol.ts";

export const DEFAULT_SOCKET_PATH = "/run/cni/dhcp.sock";

/**
 * The parameter request list when the config names none with skipDefault: the reference asks only
 * for subnet mask and router; tscni also asks for DNS (6, 15, 119) and routes (121, 33), which it
 * returns in the result.
 */
export const DEFAULT_REQUEST: readonly number[] = [
  Opt.SUBNET_MASK,
  Opt.ROUTERS,
  Opt.DNS_SERVERS,
  Opt.DOMAIN_NAME,
  Opt.DOMAIN_SEARCH,
  Opt.CLASSLESS_ROUTES,
  Opt.STATIC_ROUTES,
];

export interface ProvideOption {
  code: number;
  value?: string;
  fromArg?: string;
}

export interface DhcpConfig {
  socketPath: string;
  provide: readonly ProvideOption[];
  request: readonly number[];
  priority: number;
}

type Raw = Record<string, unknown>;

/** Go encoding/json key matching: the exact key, else the last case-insensitive match. */
function field(obj: Raw, key: string): unknown {
  if (Object.hasOwn(obj, key)) return obj[key];
  const lower = key.toLowerCase();
  let found: unknown;
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) found = obj[k];
  return found;
}

function optString(obj: Raw, key: string, where: string): string | undefined {
  const v = field(obj, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalidConfig(`failed to load netconf: ${where}${key}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function optList(obj: Raw, key: string): Raw[] {
  const v = field(obj, key);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalidConfig(`failed to load netconf: ipam.${key}: expected an array`);
  return v.map((e, i) => {
    if (typeof e !== "object" || e === null || Array.isArray(e)) throw invalidConfig(`failed to load netconf: ipam.${key}[${i}]: expected an object`);
    return e as Raw;
  });
}

/** An option name from dhcp-options(5) the reference knows, or a decimal code 0..255. */
export function parseOptionCode(text: string, where: string): number {
  const named = OPTION_NAMES[text];
  if (named !== undefined) return named;
  if (!/^[0-9]{1,3}$/.test(text) || Number(text) > 255) throw invalidConfig(`${where}: can not parse option ${JSON.stringify(text)}`);
  const code = Number(text);
  if (code === 0 || code === 255) throw invalidConfig(`${where}: option ${code} is pad/end and cannot be used`);
  return code;
}

function parseProvide(obj: Raw, i: number): ProvideOption {
  const where = `ipam.provide[${i}]`;
  const option = optString(obj, "option", `${where}.`) ?? "";
  const code = parseOptionCode(option, where);
  const value = optString(obj, "value", `${where}.`);
  if (value !== undefined && new TextEncoder().encode(value).length > 255) throw invalidConfig(`${where}: value too long for option ${JSON.stringify(option)}`);
  const fromArg = optString(obj, "fromArg", `${where}.`);
  return { code, ...(value ? { value } : {}), ...(fromArg ? { fromArg } : {}) };
}

function parseRequest(items: Raw[]): number[] {
  let skipDefault = false;
  const codes: number[] = [];
  items.forEach((obj, i) => {
    const skip = field(obj, "skipDefault");
    if (skip !== undefined && skip !== null && typeof skip !== "boolean") throw invalidConfig(`failed to load netconf: ipam.request[${i}].skipDefault: expected a boolean`);
    if (skip) skipDefault = true;
    const code = parseOptionCode(optString(obj, "option", `ipam.request[${i}].`) ?? "", `ipam.request[${i}]`);
    if (!codes.includes(code)) codes.push(code);
  });
  if (!skipDefault) for (const c of DEFAULT_REQUEST) if (!codes.includes(c)) codes.push(c);
  return codes;
}

export function parseConfig(conf: NetConf): DhcpConfig {
  const ipam = (conf.ipam ?? {}) as Raw;
  const priority = field(ipam, "priority") ?? 0;
  if (typeof priority !== "number" || !Number.isInteger(priority) || priority < 0 || priority > 0xffffffff) {
    throw invalidConfig(`failed to load netconf: ipam.priority: expected an unsigned integer, got ${JSON.stringify(priority)}`);
  }
  return Object.freeze({
    socketPath: optString(ipam, "daemonSocketPath", "ipam.") || DEFAULT_SOCKET_PATH,
    provide: Object.freeze(optList(ipam, "provide").map(parseProvide)),
    request: Object.freeze(parseRequest(optList(ipam, "request"))),
    priority,
  });
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/**
 * What the daemon sends for this attachment: provided values (a CNI_ARGS value named by fromArg wins
 * over `value`, as in the reference; CNI_ARGS is split leniently, never failing on unknown keys).
 */
export function leaseParams(cfg: DhcpConfig, cniArgs: ReadonlyArray<readonly [string, string]>): LeaseParams {
  const args = new Map(cniArgs.map(([k, v]) => [k, v]));
  const provide = new Map<number, Uint8Array>();
  for (const p of cfg.provide) {
    if (p.value) provide.set(p.code, new TextEncoder().encode(p.value));
    const fromArg = p.fromArg !== undefined ? args.get(p.fromArg) : undefined;
    if (fromArg !== undefined) {
      const bytes = new TextEncoder().encode(fromArg);
      if (bytes.length > 255) throw invalidConfig(`value too long for option ${p.code} from CNI_ARGS ${JSON.stringify(p.fromArg)}`);
      provide.set(p.code, bytes);
    }
  }
  return { provide: [...provide].map(([c, b]) => [c, base64(b)]), request: [...cfg.request], priority: cfg.priority };
}
