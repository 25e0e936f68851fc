import { describe, expect, it } from "vitest";
import { UndoStack } from "../../../shared/undo.ts";

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
