// The network configuration on stdin (decoded by front.ts): the fields every plugin shares, validated
// into a NetConf. Plugin-specific keys stay in NetConf.raw for the plugin's own config.ts, read
// with the same ConfigReader (reader.ts). Pure.
import { decodingFailure, invalidConfig } from "./errors.ts";
import { validateNetworkName } from "./env.ts";
import { sortKeysDeep, type JsonObject } from "./json.ts";
import type { NetConf } from "./plugin.ts";
import { ConfigReader, type JsonValue } from "./reader.ts";
import type { Attachment, Result } from "./types.ts";
import { parseDNS, parsePrevResult } from "./version.ts";

/** Reads the config's fields with error 6 (decoding), `prefix` leading each message. */
function decodingReader(raw: JsonObject, prefix: string): ConfigReader {
  return ConfigReader.of(raw, { error: (msg) => decodingFailure(`${prefix}: ${msg}`) });
}

/** The network name: required, matching the container-ID regex (error 7); error 6 if not a string. */
export function networkName(raw: JsonObject): string {
  const name = decodingReader(raw, "error unmarshall network config").str("name");
  validateNetworkName(name);
  return name;
}

function requireType(r: ConfigReader): string {
  const type = r.str("type");
  if (type === "") throw invalidConfig("missing plugin type", 'the config needs a "type" string');
  return type;
}

/** ipam: {} (L2 only) gives type "". */
function parseIpam(r: ConfigReader): NetConf["ipam"] {
  const ipam = r.child("ipam");
  return ipam && { type: ipam.str("type") };
}

/**
 * prevResult is a map in the reference (types.NetConf.RawPrevResult), re-marshalled before it is read
 * as a Result: duplicate keys of the map merge, and the result's keys are then met in sorted order.
 */
function parseOptionalPrevResult(r: ConfigReader, cniVersion: string): Result | undefined {
  const prev = r.child("prevResult");
  return prev && parsePrevResult(sortKeysDeep(prev.toObject()), cniVersion);
}

/** The shared NetConf of an already decoded, name-checked config of a supported version. */
export function buildNetConf(raw: JsonObject, cniVersion: string): NetConf {
  const r = ConfigReader.of(raw, { error: (msg) => invalidConfig(`invalid network config: ${msg}`) });
  // runtimeConfig and args are read by the plugins; a non-object is refused here for all of them.
  r.child("runtimeConfig");
  r.child("args");
  const conf: NetConf = {
    cniVersion,
    name: networkName(raw),
    type: requireType(r),
    ipam: parseIpam(r),
    dns: r.child("dns") && parseDNS(r.child("dns")),
    prevResult: parseOptionalPrevResult(r, cniVersion),
    raw,
  };
  if (conf.ipam === undefined) delete conf.ipam;
  if (conf.dns === undefined) delete conf.dns;
  if (conf.prevResult === undefined) delete conf.prevResult;
  return conf;
}

const ATTACHMENT_KEYS = ["cni.dev/valid-attachments", "cni.dev/attachments"] as const;

/**
 * GC's still-valid attachments: `cni.dev/valid-attachments` and libcni's `cni.dev/attachments`,
 * deduplicated. Neither key (missing or null) is error 7: read as an empty list it would make GC
 * release every allocation and rule of the network.
 */
export function validAttachments(raw: JsonObject): Attachment[] {
  const r = decodingReader(raw, "error unmarshall network config");
  if (ATTACHMENT_KEYS.every((k) => r.arr(k) === undefined)) {
    throw invalidConfig("GC needs cni.dev/valid-attachments (a list, possibly empty): refusing to treat every attachment as stale");
  }
  const seen = new Set<string>();
  const out: Attachment[] = [];
  for (const key of ATTACHMENT_KEYS) {
    for (const a of attachmentList(r, key)) {
      const id = `${a.containerID}\u0000${a.ifname}`;
      if (!seen.has(id)) out.push(a);
      seen.add(id);
    }
  }
  return out;
}

function attachmentList(r: ConfigReader, key: string): Attachment[] {
  return (r.arr(key) ?? []).map((v: JsonValue) => {
    const e = v.obj();
    const containerID = e.optStr("containerID");
    const ifname = e.optStr("ifname");
    if (containerID === undefined || ifname === undefined) v.fail("needs string containerID and ifname");
    return { containerID, ifname };
  });
}
