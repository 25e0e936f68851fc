// The dhcp IPAM config (`ipam` object) and what it resolves to for one attachment. Pure: no I/O.
// Keys as the reference: daemonSocketPath, request [{option, skipDefault}], provide [{option, value,
// fromArg}], priority; read through the one config reader (keys matched like Go's encoding/json).
import { invalidConfig } from "../../../shared/cni/errors.ts";
import type { NetConf } from "../../../shared/cni/plugin.ts";
import { ConfigReader, JsonValue } from "../../../shared/cni/reader.ts";
import { Opt, OPTION_NAMES } from "./wire/options.ts";
import type { LeaseParams } from "./protocol.ts";

const DEFAULT_SOCKET_PATH = "/run/cni/dhcp.sock";

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

interface ProvideOption {
  code: number;
  value?: string;
  fromArg?: string;
}

interface DhcpConfig {
  socketPath: string;
  provide: readonly ProvideOption[];
  request: readonly number[];
  priority: number;
}

/** An option name from dhcp-options(5) the reference knows, or a decimal code 1..254. */
function parseOptionCode(v: JsonValue): number {
  const text = v.str();
  const named = OPTION_NAMES[text];
  if (named !== undefined) return named;
  if (!/^[0-9]{1,3}$/.test(text) || Number(text) > 255) v.fail(`can not parse option ${JSON.stringify(text)}`);
  const code = Number(text);
  if (code === 0 || code === 255) v.fail(`option ${code} is pad/end and cannot be used`);
  return code;
}

function parseProvide(r: ConfigReader): ProvideOption {
  const code = parseOptionCode(r.value("option") ?? new JsonValue("", r.at("option"), invalidConfig));
  const value = r.optStr("value");
  if (value !== undefined && new TextEncoder().encode(value).length > 255) r.fail("value", "value too long (at most 255 bytes)");
  const fromArg = r.optStr("fromArg");
  return { code, ...(value ? { value } : {}), ...(fromArg ? { fromArg } : {}) };
}

function parseRequest(items: ConfigReader[]): number[] {
  let skipDefault = false;
  const codes: number[] = [];
  for (const r of items) {
    if (r.bool("skipDefault")) skipDefault = true;
    const code = parseOptionCode(r.value("option") ?? new JsonValue("", r.at("option"), invalidConfig));
    if (!codes.includes(code)) codes.push(code);
  }
  if (!skipDefault) for (const c of DEFAULT_REQUEST) if (!codes.includes(c)) codes.push(c);
  return codes;
}

export function parseConfig(conf: NetConf): DhcpConfig {
  const ipam = ConfigReader.of(conf.raw).childOrEmpty("ipam");
  const list = (name: string): ConfigReader[] => (ipam.arr(name) ?? []).map((v) => v.obj());
  return Object.freeze({
    socketPath: ipam.str("daemonSocketPath") || DEFAULT_SOCKET_PATH,
    provide: Object.freeze(list("provide").map(parseProvide)),
    request: Object.freeze(parseRequest(list("request"))),
    priority: ipam.int("priority", 0, { min: 0, max: 0xffffffff }),
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
