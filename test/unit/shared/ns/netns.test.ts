// withNetns with a fake setns (the real one needs bun:ffi and root): when the switch back to the
// caller's namespace fails, the error is fatal and nothing else runs, neither the next teardown step
// nor a rollback inverse.
import { beforeEach, describe, expect, it, vi } from "vitest";

const setnsCalls: number[] = [];
let failRestore = false;

vi.mock("../../../../shared/sys/libc.ts", () => ({
  SysError: class SysError extends Error {},
  setns: (fd: number) => {
    setnsCalls.push(fd);
    if (failRestore && setnsCalls.length % 2 === 0) throw new Error("setns: EPERM");
  },
}));

const { Netns, NetnsRestoreError, withNetns } = await import("../../../../shared/ns/netns.ts");
const { FatalError } = await import("../../../../shared/cni/errors.ts");
const { UndoStack, runTeardown } = await import("../../../../shared/undo.ts");

const target = () => Netns.open("/proc/self/ns/net");

describe("withNetns (fake setns)", () => {
  beforeEach(() => {
    setnsCalls.length = 0;
    failRestore = false;
  });

  it("enters, runs, restores; restores even when fn throws", () => {
    const ns = target();
    expect(withNetns(ns, () => 42)).toBe(42);
    expect(() => withNetns(ns, () => { throw new Error("inside"); })).toThrow("inside");
    expect(setnsCalls.length).toBe(4);
    expect(setnsCalls[0]).toBe(ns.fd);
    ns.close();
  });

  it("restore fails -> NetnsRestoreError, a FatalError", () => {
    failRestore = true;
    const ns = target();
    let caught: unknown;
    try {
      withNetns(ns, () => 1);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(NetnsRestoreError);
    expect(caught).toBeInstanceOf(FatalError);
    expect((caught as Error).message).toMatch(/failed to return to the original network namespace: .*EPERM/);
    ns.close();
  });

  it("teardown: restore fails in one step -> the next step never runs", async () => {
    failRestore = true;
    const ns = target();
    const ran: string[] = [];
    const steps: [string, () => unknown][] = [
      ["delete container interface", () => withNetns(ns, () => ran.push("inside"))],
      ["release IP", () => ran.push("release IP")],
    ];
    await expect(runTeardown(steps)).rejects.toBeInstanceOf(NetnsRestoreError);
    expect(ran).toEqual(["inside"]);
    ns.close();
  });

  it("rollback: restore fails in the failing step -> no inverse runs in the wrong namespace", async () => {
    failRestore = true;
    const ns = target();
    const ran: string[] = [];
    const body = (u: InstanceType<typeof UndoStack>) => {
      u.push("release IP", () => ran.push("release IP"));
      return withNetns(ns, () => { throw new Error("EINVAL"); });
    };
    await expect(new UndoStack().run(body)).rejects.toBeInstanceOf(NetnsRestoreError);
    expect(ran).toEqual([]);
    ns.close();
  });
});
