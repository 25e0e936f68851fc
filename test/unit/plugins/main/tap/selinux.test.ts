// selinuxContext against the node's SELinux state, read from a fake selinuxfs under a temp sysfs root.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkSelinuxContext, selinuxState } from "../../../../../plugins/main/tap/selinux.ts";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "tscni-sysfs-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function enforce(value: string): void {
  mkdirSync(join(root, "fs/selinux"), { recursive: true });
  writeFileSync(join(root, "fs/selinux/enforce"), value);
}

const CTX = "system_u:system_r:svirt_t:s0";

describe("selinux", () => {
  it("state: no selinuxfs -> disabled; enforce 1 -> enforcing; 0 -> permissive", () => {
    expect(selinuxState(root)).toBe("disabled");
    enforce("1\n");
    expect(selinuxState(root)).toBe("enforcing");
    enforce("0");
    expect(selinuxState(root)).toBe("permissive");
  });

  it("check: no selinuxContext -> nothing to say, whatever the node", () => {
    for (const s of ["enforcing", "permissive", "disabled"] as const) expect(checkSelinuxContext("", s)).toBeUndefined();
  });

  it("check: enforcing node -> code 2 (unsupported field) naming the key and value", () => {
    expect(() => checkSelinuxContext(CTX, "enforcing")).toThrowError(
      expect.objectContaining({ code: 2, message: expect.stringContaining(`selinuxContext "${CTX}": not supported on an SELinux-enforcing node`) }),
    );
  });

  it("check: permissive or no SELinux -> accepted with a note", () => {
    expect(checkSelinuxContext(CTX, "permissive")).toContain("not applied (SELinux permissive)");
    expect(checkSelinuxContext(CTX, "disabled")).toContain("SELinux is not enabled on this node");
  });
});
