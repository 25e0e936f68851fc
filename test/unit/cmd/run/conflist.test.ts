import { describe, expect, it } from "vitest";
import { capabilitiesOf, gcStdin, parseConfList, pluginStdin, statusStdin, typeOf } from "../../../../cmd/run/conflist.ts";
import { code7 } from "../../cni-error.ts";

const bytes = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));
const LIST = {
  cniVersion: "1.0.0",
  name: "net1",
  plugins: [
    { type: "bridge", bridge: "br0", ipam: { type: "host-local" } },
    { type: "portmap", capabilities: { portMappings: true, other: false }, runtimeConfig: { stale: 1 } },
    { type: "bandwidth", capabilities: { bandwidth: true } },
  ],
};

describe("parseConfList", () => {
  it("parseConfList: a list -> name, version, plugins, bytes kept", () => {
    const b = bytes(LIST);
    const l = parseConfList(b);
    expect(l).toMatchObject({ name: "net1", cniVersion: "1.0.0", disableCheck: false, disableGC: false });
    expect(l.plugins.map((p) => p.type)).toEqual(["bridge", "portmap", "bandwidth"]);
    expect(l.bytes).toBe(b);
  });

  it("parseConfList: a single .conf -> a list of one", () => {
    const l = parseConfList(bytes({ cniVersion: "0.4.0", name: "one", type: "ptp" }));
    expect(l.plugins).toHaveLength(1);
    expect(l.plugins[0]!.type).toBe("ptp");
  });

  it("parseConfList: disableCheck / disableGC read", () => {
    const l = parseConfList(bytes({ ...LIST, disableCheck: true, disableGC: true }));
    expect([l.disableCheck, l.disableGC]).toEqual([true, true]);
  });

  it.each([
    [{ cniVersion: "1.0.0", plugins: [{ type: "x" }] }, "no name"],
    [{ name: 5, plugins: [{ type: "x" }] }, "invalid name type"],
    [{ name: "n", cniVersion: 1, plugins: [{ type: "x" }] }, "invalid cniVersion type"],
    [{ name: "n" }, "no 'plugins' key"],
    [{ name: "n", plugins: {} }, "invalid 'plugins' type"],
    [{ name: "n", plugins: [] }, "no plugins in list"],
    [{ name: "n", plugins: [{ bridge: "x" }] }, "missing 'type'"],
    [{ name: "n", plugins: [5] }, "not an object"],
    [{ name: "n", disableCheck: "yes", plugins: [{ type: "x" }] }, "invalid disableCheck type"],
  ])("parseConfList: %j -> error 7 (%s)", (raw, fragment) => {
    expect(code7(() => parseConfList(bytes(raw)))).toContain(fragment);
  });
});

describe("per-plugin stdin", () => {
  const list = parseConfList(bytes(LIST));
  const caps = { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }], bandwidth: { IngressRate: 1 }, dns: {} };

  it("capabilitiesOf / typeOf: keys matched like Go's encoding/json (case-folded, last wins)", () => {
    const p = { Type: "portmap", capabilities: { a: true }, Capabilities: { portMappings: true } };
    expect(capabilitiesOf(p)).toEqual(["portMappings"]);
    expect(typeOf(p)).toBe("portmap");
    expect(parseConfList(bytes({ name: "n", plugins: [p] })).plugins).toHaveLength(1);
  });

  it("capabilitiesOf: only the ones set true", () => {
    expect(capabilitiesOf(list.plugins[1]!)).toEqual(["portMappings"]);
    expect(capabilitiesOf(list.plugins[0]!)).toEqual([]);
  });

  it("pluginStdin: name and cniVersion injected, prevResult passed, no runtimeConfig without capability", () => {
    const prev = { cniVersion: "1.0.0", ips: [] };
    expect(pluginStdin(list, list.plugins[0]!, prev, caps)).toEqual({ ...LIST.plugins[0], name: "net1", cniVersion: "1.0.0", prevResult: prev });
  });

  it("pluginStdin: only the declared capabilities reach runtimeConfig, replacing the file's", () => {
    const s = pluginStdin(list, list.plugins[1]!, undefined, caps);
    expect(s.runtimeConfig).toEqual({ portMappings: caps.portMappings });
    expect(s).not.toHaveProperty("prevResult");
    expect(pluginStdin(list, list.plugins[2]!, undefined, caps).runtimeConfig).toEqual({ bandwidth: caps.bandwidth });
  });

  it("pluginStdin: declared capability the runtime did not send -> file's runtimeConfig untouched", () => {
    expect(pluginStdin(list, list.plugins[1]!, undefined, {}).runtimeConfig).toEqual({ stale: 1 });
  });

  it("gcStdin: valid attachments under both spec keys; statusStdin: name and version", () => {
    const valid = [{ containerID: "c1", ifname: "eth0" }];
    const g = gcStdin(list, list.plugins[0]!, valid);
    expect(g["cni.dev/valid-attachments"]).toEqual(valid);
    expect(g["cni.dev/attachments"]).toEqual(valid);
    expect(g).not.toHaveProperty("prevResult");
    expect(statusStdin(list, list.plugins[0]!)).toEqual({ ...LIST.plugins[0], name: "net1", cniVersion: "1.0.0" });
  });
});
