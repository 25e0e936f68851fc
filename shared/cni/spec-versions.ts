// The spec versions the suite speaks and how they compare: all a VERSION call needs, kept apart from
// the result conversion (version.ts) so the dispatcher answers VERSION without loading it. Pure.
import { decodingFailure } from "./errors.ts";
import { CURRENT_VERSION } from "./types.ts";

/** Every spec version the suite speaks (the reference's version.All plus 1.1.0), oldest first. */
export const SUPPORTED_VERSIONS: readonly string[] = Object.freeze([
  "0.1.0",
  "0.2.0",
  "0.3.0",
  "0.3.1",
  "0.4.0",
  "1.0.0",
  "1.1.0",
]);

export const LATEST_VERSION = CURRENT_VERSION;

/**
 * The supported versions from `min` (one of them) on: a plugin that does not speak the oldest ones.
 * By position in the ordered list: no version parsing at start-up (a regex's first use costs ~0.6 M
 * instructions).
 */
export function versionsFrom(min: string): readonly string[] {
  const i = SUPPORTED_VERSIONS.indexOf(min);
  if (i < 0) throw new RangeError(`versionsFrom: ${min} is not a supported version`);
  return Object.freeze(SUPPORTED_VERSIONS.slice(i));
}

// ---------------------------------------------------------------------------------------------
// Version strings

/** Go's version.ParseVersion: "major[.minor[.micro]]", decimal parts; throws CniError 6 otherwise. */
export function parseVersion(v: string): [number, number, number] {
  const parts = v.split(".");
  if (v === "" || parts.length > 3 || !parts.every((p) => /^[0-9]+$/.test(p))) {
    throw decodingFailure(`invalid version "${v}"`);
  }
  const [a = 0, b = 0, c = 0] = parts.map(Number);
  return [a, b, c];
}

/** -1, 0 or 1 as a is older than, equal to or newer than b. */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  for (let i = 0; i < 3; i++) {
    if (pa[i]! !== pb[i]!) return pa[i]! < pb[i]! ? -1 : 1;
  }
  return 0;
}

export function versionAtLeast(v: string, min: string): boolean {
  return compareVersions(v, min) >= 0;
}

/** The highest version of a list (the list must be non-empty and valid). */
export function highestVersion(versions: readonly string[]): string {
  return versions.reduce((best, v) => (compareVersions(v, best) > 0 ? v : best));
}
