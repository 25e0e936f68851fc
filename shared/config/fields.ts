// Typed readers for plugin config keys. Each names the key in its error so an operator can fix the
// conflist; a wrong type is error 7 (invalid config), like a failed json.Unmarshal in the reference.
import { invalidConfig } from "../cni/errors.ts";

export type Raw = Record<string, unknown>;

function typeError(key: string, want: string, got: unknown): never {
  throw invalidConfig(`failed to load netconf: ${key}: expected ${want}, got ${JSON.stringify(got)}`);
}

export function optBool(raw: Raw, key: string, dflt = false): boolean {
  const v = raw[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "boolean") typeError(key, "a boolean", v);
  return v;
}

export function optInt(raw: Raw, key: string, dflt: number, min = -Infinity, max = Infinity): number {
  const v = raw[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v)) typeError(key, "an integer", v);
  if (v < min || v > max) throw invalidConfig(`invalid ${key} ${v} (must be between ${min} and ${max})`);
  return v;
}

export function optString(raw: Raw, key: string, dflt = ""): string {
  const v = raw[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "string") typeError(key, "a string", v);
  return v;
}

export function optObject(raw: Raw, key: string): Raw | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) typeError(key, "an object", v);
  return v as Raw;
}

export function optArray(raw: Raw, key: string): unknown[] | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) typeError(key, "an array", v);
  return v;
}

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** A unicast Ethernet MAC in canonical lowercase form (the kernel rejects multicast on a veth). */
export function parseMac(text: string, what: string): string {
  if (!MAC_RE.test(text)) throw invalidConfig(`invalid MAC address ${JSON.stringify(text)} in ${what}`);
  const mac = text.toLowerCase();
  if (parseInt(mac.slice(0, 2), 16) & 1) throw invalidConfig(`MAC address ${mac} in ${what} is multicast`);
  return mac;
}

/** The interface name rules the kernel applies (IFNAMSIZ 16 incl. NUL). */
export function validIfName(name: string): boolean {
  return (
    name.length > 0 &&
    Buffer.byteLength(name) <= 15 &&
    name !== "." &&
    name !== ".." &&
    !/[\s/:]/.test(name)
  );
}
