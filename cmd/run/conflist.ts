// A network configuration list as libcni reads it (libcni ConfListFromBytes / ConfListFromConf) and
// the per-plugin stdin it builds from it (buildOneConfig, injectRuntimeConfig, the GC/STATUS
// injections). Pure.
import { invalidConfig } from "../../shared/cni/errors.ts";
import { isObject, parseJsonBytes, type JsonObject } from "../../shared/cni/json.ts";
import { ConfigReader } from "../../shared/cni/reader.ts";

export interface ConfList {
  readonly name: string;
  /** "" when the list has none (libcni passes it on as is) */
  readonly cniVersion: string;
  readonly disableCheck: boolean;
  readonly disableGC: boolean;
  readonly plugins: readonly JsonObject[];
  /** the file as read: libcni keeps it in the result cache ("config", base64) */
  readonly bytes: Uint8Array;
}

const listError = (what: string) => invalidConfig(`error parsing configuration list: ${what}`);

function optBoolKey(raw: JsonObject, key: string): boolean {
  const v = raw[key];
  if (v === undefined) return false;
  if (typeof v !== "boolean") throw listError(`invalid ${key} type ${typeof v}`);
  return v;
}

/** A NetConf struct field as Go's encoding/json fills it: exact or case-folded key, the last one wins. */
function field(obj: JsonObject, name: string): unknown {
  return ConfigReader.of(obj).value(name)?.value;
}

/** The plugin's type (NetConf.Type). */
export const typeOf = (plugin: JsonObject): string => String(field(plugin, "type") ?? "");

function pluginOf(conf: unknown, i: number): JsonObject {
  if (!isObject(conf)) throw invalidConfig(`error parsing configuration: plugins[${i}] is not an object`);
  const type = field(conf, "type");
  if (typeof type !== "string" || type === "") throw invalidConfig(`error parsing configuration: plugins[${i}]: missing 'type'`);
  return conf;
}

/** Plugins of a list, or of a single network config (a `.conf` file: libcni's ConfListFromConf). */
function pluginsOf(raw: JsonObject): JsonObject[] {
  if (raw.plugins === undefined) {
    if (typeof field(raw, "type") === "string") return [pluginOf(raw, 0)];
    throw listError("no 'plugins' key");
  }
  if (!Array.isArray(raw.plugins)) throw listError(`invalid 'plugins' type ${typeof raw.plugins}`);
  if (raw.plugins.length === 0) throw listError("no plugins in list");
  return raw.plugins.map(pluginOf);
}

export function parseConfList(bytes: Uint8Array): ConfList {
  const raw = parseJsonBytes(bytes, "configuration list");
  if (!isObject(raw)) throw listError("not a JSON object");
  if (raw.name === undefined) throw listError("no name");
  if (typeof raw.name !== "string") throw listError(`invalid name type ${typeof raw.name}`);
  if (raw.cniVersion !== undefined && typeof raw.cniVersion !== "string") throw listError(`invalid cniVersion type ${typeof raw.cniVersion}`);
  return Object.freeze({
    name: raw.name,
    cniVersion: (raw.cniVersion as string | undefined) ?? "",
    disableCheck: optBoolKey(raw, "disableCheck"),
    disableGC: optBoolKey(raw, "disableGC"),
    plugins: Object.freeze(pluginsOf(raw)),
    bytes,
  });
}

/** The capabilities a plugin declares true (`"capabilities": {"portMappings": true}`). */
export function capabilitiesOf(plugin: JsonObject): string[] {
  const caps = field(plugin, "capabilities");
  if (!isObject(caps)) return [];
  return Object.keys(caps).filter((k) => caps[k] === true);
}

/** injectRuntimeConfig: the capability args this plugin declares, under their capability names. */
function runtimeConfigFor(plugin: JsonObject, capArgs: JsonObject): JsonObject | undefined {
  const rc: JsonObject = {};
  for (const cap of capabilitiesOf(plugin)) if (Object.hasOwn(capArgs, cap)) rc[cap] = capArgs[cap];
  return Object.keys(rc).length > 0 ? rc : undefined;
}

/**
 * buildOneConfig: the plugin's config with the list's name and cniVersion, prevResult when given, and
 * runtimeConfig (replacing any in the file) when the plugin declares a capability the runtime sent.
 */
export function pluginStdin(list: ConfList, plugin: JsonObject, prevResult: unknown, capArgs: JsonObject): JsonObject {
  const out: JsonObject = { ...plugin, name: list.name, cniVersion: list.cniVersion };
  if (prevResult !== undefined) out.prevResult = prevResult;
  const rc = runtimeConfigFor(plugin, capArgs);
  if (rc) out.runtimeConfig = rc;
  return out;
}

/** A GC attachment as the spec names its fields. */
export interface GcAttachment {
  readonly containerID: string;
  readonly ifname: string;
}

/** GCNetworkList's injection: name, cniVersion and the valid attachments under both spelled keys. */
export function gcStdin(list: ConfList, plugin: JsonObject, valid: readonly GcAttachment[]): JsonObject {
  return { ...plugin, name: list.name, cniVersion: list.cniVersion, "cni.dev/valid-attachments": valid, "cni.dev/attachments": valid };
}

/** GetStatusNetworkList's injection: name and cniVersion. */
export function statusStdin(list: ConfList, plugin: JsonObject): JsonObject {
  return { ...plugin, name: list.name, cniVersion: list.cniVersion };
}
