import { describe, expect, it } from "vitest";
import { isExists, isNotFound, NetlinkError } from "../../../../shared/netlink/errors.ts";

describe("NetlinkError", () => {
  it("message: with and without ext ack -> 'op: ERRNO[: reason]'", () => {
    expect(new NetlinkError("add 10.1.0.5/24 to veth3f2a", 17, "EEXIST").message).toBe("add 10.1.0.5/24 to veth3f2a: EEXIST");
    expect(new NetlinkError("create dummy d0", 95, "EOPNOTSUPP", "Unknown device type").message).toBe("create dummy d0: EOPNOTSUPP: Unknown device type");
  });

  it("combine: one error -> the same object; several -> first with the rest in message and related", () => {
    const a = new NetlinkError("a", 17, "EEXIST", undefined, 11);
    const b = new NetlinkError("b", 19, "ENODEV");
    expect(NetlinkError.combine([a])).toBe(a);
    const c = NetlinkError.combine([a, b]);
    expect(c).toMatchObject({ op: "a", errno: 17, cniCode: 11, message: "a: EEXIST; also b: ENODEV" });
    expect(c.related).toEqual([b]);
    expect(() => NetlinkError.combine([])).toThrow();
  });

  it("isNotFound/isExists: errno classes -> true only for NetlinkError of that class", () => {
    for (const errno of [2, 3, 19, 99]) expect(isNotFound(new NetlinkError("x", errno, "E"))).toBe(true);
    expect(isNotFound(new NetlinkError("x", 17, "EEXIST"))).toBe(false);
    expect(isNotFound(new Error("ENODEV"))).toBe(false);
    expect(isExists(new NetlinkError("x", 17, "EEXIST"))).toBe(true);
    expect(isExists({ errno: 17 })).toBe(false);
  });
});
