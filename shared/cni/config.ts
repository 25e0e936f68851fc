// The network configuration on stdin: bounded decode, then the fields every plugin shares, validated
// into a NetConf. Plugin-specific keys stay in NetConf.raw for the plugin's own config.ts. Pure.
import { decodingFailure, invalidConfig } from "./errors.ts";
import { validateNetworkName } from "./env.ts";
import { isObject, parseJsonBytes, type JsonObject } from "./json.ts";
import type { NetConf } from "./plugin.ts";
import type { Attachment } from "./types.ts";
import { parseDNS, parsePrevResult } from "./version.ts";

/** The version a config without cniVersion has (the reference's ConfigDecoder default). */
export const DEFAULT_CONFIG_VERSION = "0.1.0";

/** Decodes stdin into a JSON object: error 6 when too large, not UTF-8, not JSON, or not an object. */
export function decodeConfig(stdin: Uint8Array): JsonObject {
  const value = parseJsonBytes(stdin, "network config");
  if (!isObject(value)) throw decodingFailure("error unmarshall network config: not a JSON object");
  return value;
}

/** The config's cniVersion ("0.1.0" when absent, as the reference decodes it); error 6 if not a string. */
export function configVersion(raw: JsonObject): string {
  const v = raw.cniVersion;
  if (v === undefined || v === null || v === "") return DEFAULT_CONFIG_VERSION;
  if (typeof v !== "string") {
    throw decodingFailure("decoding version from network config: cniVersion must be a string");
  }
  return v;
}

/** The network name: required, matching the container-ID regex (error 7); error 6 if not a string. */
export function networkName(raw: JsonObject): string {
  const v = raw.name ?? "";
  if (typeof v !== "string") throw decodingFailure("error unmarshall network config: name must be a string");
  validateNetworkName(v);
  return v;
}

function requireType(raw: JsonObject): string {
  const v = raw.type;
  if (typeof v !== "string" || v === "") throw invalidConfig("missing plugin type", "the config needs a \"type\" string");
  return v;
}

function optObject(raw: JsonObject, key: string): JsonObject | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw invalidConfig(`invalid network config: "${key}" must be an object`);
  return v;
}

/** ipam: {} (L2 only) gives type ""; keys are already free of __proto__/constructor (see json.ts). */
function parseIpam(raw: JsonObject): NetConf["ipam"] {
  const ipam = optObject(raw, "ipam");
  if (!ipam) return undefined;
  const type = ipam.type ?? "";
  if (typeof type !== "string") throw invalidConfig('invalid network config: "ipam.type" must be a string');
  return { ...ipam, type };
}

function parseOptionalDNS(raw: JsonObject): NetConf["dns"] {
  if (raw.dns === undefined || raw.dns === null) return undefined;
  try {
    return parseDNS(raw.dns, "dns");
  } catch (e) {
    throw invalidConfig(`invalid network config: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The shared NetConf of an already decoded, name-checked config of a supported version. */
export function buildNetConf(raw: JsonObject, cniVersion: string): NetConf {
  const prev = raw.prevResult;
  const conf: NetConf = {
    cniVersion,
    name: networkName(raw),
    type: requireType(raw),
    ipam: parseIpam(raw),
    dns: parseOptionalDNS(raw),
    prevResult: prev === undefined || prev === null ? undefined : parsePrevResult(prev, cniVersion),
    runtimeConfig: optObject(raw, "runtimeConfig") ?? {},
    args: optObject(raw, "args") ?? {},
    raw,
  };
  if (conf.ipam === undefined) delete conf.ipam;
  if (conf.dns === undefined) delete conf.dns;
  if (conf.prevResult === undefined) delete conf.prevResult;
  return conf;
}

/** GC's still-valid attachments: `cni.dev/valid-attachments` and libcni's `cni.dev/attachments`, deduplicated. */
export function validAttachments(raw: JsonObject): Attachment[] {
  const seen = new Set<string>();
  const out: Attachment[] = [];
  for (const key of ["cni.dev/valid-attachments", "cni.dev/attachments"]) {
    for (const a of attachmentList(raw[key], key)) {
      const id = `${a.containerID}\u0000${a.ifname}`;
      if (!seen.has(id)) out.push(a);
      seen.add(id);
    }
  }
  return out;
}

function attachmentList(v: unknown, key: string): Attachment[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw decodingFailure(`error unmarshall network config: "${key}" must be an array`);
  return v.map((e, i) => {
    if (!isObject(e) || typeof e.containerID !== "string" || typeof e.ifname !== "string") {
      throw decodingFailure(`error unmarshall network config: "${key}[${i}]" needs string containerID and ifname`);
    }
    return { containerID: e.containerID, ifname: e.ifname };
  });
}
