import { describe, expect, it } from "vitest";
import { FatalError, StepErrors, invalidConfig, tryAgainLater } from "../../../shared/cni/errors.ts";
import { UndoStack, runTeardown, type TeardownStep } from "../../../shared/undo.ts";

describe("UndoStack", () => {
  it("run: body succeeds -> no inverse runs", async () => {
    const ran: string[] = [];
    const out = await new UndoStack().run((u) => {
      u.push("a", () => ran.push("a"));
      return 42;
    });
    expect(out).toBe(42);
    expect(ran).toEqual([]);
  });

  it("run: body fails -> every inverse runs in reverse, original error rethrown", async () => {
    const ran: string[] = [];
    const logged: string[] = [];
    const body = async (u: UndoStack) => {
      u.push("veth", () => ran.push("veth"));
      u.push("ip", async () => {
        ran.push("ip");
        throw new Error("ipam gone");
      });
      u.push("rule", () => ran.push("rule"));
      throw new Error("boom");
    };
    await expect(new UndoStack().run(body, (l) => logged.push(l))).rejects.toThrow("boom");
    expect(ran).toEqual(["rule", "ip", "veth"]);
    expect(logged).toEqual(["rollback: ip: ipam gone"]);
  });

  it("unwind: empties the stack, second unwind runs nothing", async () => {
    const u = new UndoStack();
    let n = 0;
    u.push("x", () => n++);
    expect(await u.unwind()).toEqual([]);
    expect(await u.unwind()).toEqual([]);
    expect(n).toBe(1);
  });
});

describe("typed failures", () => {
  it("run: rollback step fails -> StepErrors: the original first, then each failed inverse with its code", async () => {
    const body = (u: UndoStack) => {
      u.push("release IP", () => {
        throw tryAgainLater("store busy");
      });
      u.push("delete veth", () => {
        throw new Error("EBUSY");
      });
      throw invalidConfig("bad mtu");
    };
    const e = await new UndoStack().run(body).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StepErrors);
    expect((e as StepErrors).failures.map((f) => [f.step, f.error.code, f.error.msg])).toEqual([
      ["", 7, "bad mtu"],
      ["rollback: delete veth", 999, "EBUSY"],
      ["rollback: release IP", 11, "store busy"],
    ]);
  });

  it("run: clean rollback -> the original error itself", async () => {
    const original = invalidConfig("bad mtu");
    await expect(new UndoStack().run((u) => (u.push("x", () => {}), Promise.reject(original)))).rejects.toBe(original);
  });

  it("run: body throws a FatalError -> no inverse runs", async () => {
    const ran: string[] = [];
    const body = (u: UndoStack) => {
      u.push("veth", () => ran.push("veth"));
      throw new FatalError("stranded");
    };
    await expect(new UndoStack().run(body)).rejects.toBeInstanceOf(FatalError);
    expect(ran).toEqual([]);
  });

  it("unwind: an inverse throws a FatalError -> the older inverses do not run", async () => {
    const ran: string[] = [];
    const u = new UndoStack();
    u.push("older", () => ran.push("older"));
    u.push("fatal", () => {
      throw new FatalError("stranded");
    });
    u.push("newer", () => ran.push("newer"));
    await expect(u.unwind()).rejects.toBeInstanceOf(FatalError);
    expect(ran).toEqual(["newer"]);
  });

  it("runTeardown: every step runs past failures; all reported with their codes", async () => {
    const ran: string[] = [];
    const e = await runTeardown([
      ["delete link", () => { ran.push("link"); throw new Error("EPERM"); }],
      ["release IP", async () => { ran.push("ip"); throw tryAgainLater("busy"); }],
      ["remove rules", () => void ran.push("rules")],
    ]).catch((x: unknown) => x);
    expect(ran).toEqual(["link", "ip", "rules"]);
    expect((e as StepErrors).failures.map((f) => [f.step, f.error.code])).toEqual([["delete link", 999], ["release IP", 11]]);
  });

  it("runTeardown: a FatalError stops it at once", async () => {
    const ran: string[] = [];
    const steps: TeardownStep[] = [
      ["enter netns", () => { throw new FatalError("stranded"); }],
      ["release IP", () => void ran.push("ip")],
    ];
    await expect(runTeardown(steps)).rejects.toBeInstanceOf(FatalError);
    expect(ran).toEqual([]);
  });

  it("runTeardown: all steps succeed -> resolves", async () => {
    await expect(runTeardown([["a", () => {}]])).resolves.toBeUndefined();
  });
});
