// Test helper: f must throw a CniError with code 7 (invalid config); returns its message.
import { expect } from "vitest";
import { CniError } from "../../shared/cni/errors.ts";

export function code7(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CniError);
    expect((e as CniError).code).toBe(7);
    return (e as CniError).message;
  }
  throw new Error("expected CniError 7");
}

/** f must throw a CniError with this code and a message matching re. */
export function expectCniError(f: () => unknown, code: number, re: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CniError);
    expect((e as CniError).code).toBe(code);
    expect((e as CniError).message).toMatch(re);
    return;
  }
  throw new Error(`expected CniError ${code}`);
}
