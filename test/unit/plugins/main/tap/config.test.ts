import { describe, expect, it } from "vitest";
import { buildNetConf } from "../../../../../shared/cni/config.ts";
import { parseTapConfig } from "../../../../../plugins/main/tap/config.ts";

const parse = (keys: Record<string, unknown>, cniArgs: [string, string][] = [], ignoreUnknownArgs = false) =>
  parseTapConfig({ conf: buildNetConf({ cniVersion: "1.0.0", name: "tapnet", type: "tap", ...keys }, "1.0.0"), cniArgs, ignoreUnknownArgs });

describe("parseTapConfig", () => {
  it("parse: no keys -> kernel defaults, single queue, no owner/group/bridge/label, L2 only; frozen", () => {
    const c = parse({});
    expect(c).toEqual({ mac: undefined, mtu: 0, multiQueue: false, owner: undefined, group: undefined, selinuxContext: "", bridge: "", ipamType: "", dns: {} });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("parse: every key, any case (the docs' selinuxcontext too) -> taken", () => {
    const c = parse({ MAC: "02:AA:00:00:00:01", Mtu: 9000, multiqueue: true, Owner: 0, GROUP: 4294967294, selinuxcontext: "system_u:system_r:svirt_t:s0:c1,c2", Bridge: "br0", ipam: { type: "static" }, dns: { nameservers: ["9.9.9.9"] }, args: { anything: 1 } });
    expect(c).toEqual({ mac: "02:aa:00:00:00:01", mtu: 9000, multiQueue: true, owner: 0, group: 4294967294, selinuxContext: "system_u:system_r:svirt_t:s0:c1,c2", bridge: "br0", ipamType: "static", dns: { nameservers: ["9.9.9.9"] } });
  });

  it("parse: MAC precedence mac < CNI_ARGS MAC < runtimeConfig.mac", () => {
    expect(parse({ mac: "02:00:00:00:00:01" }, [["MAC", "02:00:00:00:00:02"]]).mac).toBe("02:00:00:00:00:02");
    expect(parse({ mac: "02:00:00:00:00:01", runtimeConfig: { mac: "02:00:00:00:00:03" } }, [["MAC", "02:00:00:00:00:02"]]).mac).toBe("02:00:00:00:00:03");
  });

  it("parse: bad input -> error 7 naming the key", () => {
    for (const [keys, msg] of [
      [{ mtu: -1 }, "mtu"],
      [{ mtu: "1500" }, "mtu"],
      [{ owner: -1 }, "owner"],
      [{ owner: 4294967295 }, "owner"],
      [{ group: 1.5 }, "group"],
      [{ multiQueue: "yes" }, "multiQueue"],
      [{ mac: "02:00:00:00:00" }, 'invalid MAC address "02:00:00:00:00" in mac'],
      [{ mac: "01:00:00:00:00:01" }, "multicast"],
      [{ selinuxContext: "container_t" }, "selinuxContext: invalid SELinux context"],
      [{ selinuxContext: "a:b:c; rm -rf /" }, "selinuxContext: invalid SELinux context"],
      [{ bridge: "br/0" }, "bridge: invalid interface name"],
      [{ bridge: "x".repeat(16) }, "bridge: invalid interface name"],
    ] as const) {
      expect(() => parse(keys), msg).toThrowError(expect.objectContaining({ code: 7, message: expect.stringContaining(msg) }));
    }
  });

  it("parse: CNI_ARGS with an unknown key and no IgnoreUnknown -> error", () => {
    expect(() => parse({}, [["FOO", "1"]])).toThrow("ARGS: unknown args");
    expect(parse({}, [["FOO", "1"]], true).mac).toBeUndefined();
  });
});
