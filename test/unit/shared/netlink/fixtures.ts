// Loads the kernel fixtures recorded by scripts/capture-fixtures.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { DecodedFixture } from "../../../fixtures/netlink/decode-fixture.ts";

export const FIXTURE_DIR = fileURLToPath(new URL("../../../fixtures/netlink/", import.meta.url));

export interface Fixture {
  name: string;
  bytes: Uint8Array;
  expected: DecodedFixture;
}

export function fixtureNames(prefix = ""): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith(".bin") && f.startsWith(prefix))
    .map((f) => f.slice(0, -4))
    .sort();
}

export function loadFixture(name: string): Fixture {
  const bytes = new Uint8Array(readFileSync(`${FIXTURE_DIR}${name}.bin`));
  const expected = JSON.parse(readFileSync(`${FIXTURE_DIR}${name}.json`, "utf8")) as DecodedFixture;
  return { name, bytes, expected };
}

/** The payload range of the single message in a fixture. */
export function payload(f: Fixture): { dv: DataView; off: number; end: number } {
  const dv = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
  return { dv, off: 16, end: dv.getUint32(0, true) };
}
