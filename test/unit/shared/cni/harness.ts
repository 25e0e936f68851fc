// Test-only helpers: a recording fake plugin and an in-memory SkelIO.
import type { CmdContext, GcContext, Plugin, StatusContext } from "../../../../shared/cni/plugin.ts";
import { runPlugin, type SkelIO } from "../../../../shared/cni/skel.ts";
import type { Result } from "../../../../shared/cni/types.ts";

export const ALL = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

export interface Calls {
  add: CmdContext[];
  del: CmdContext[];
  check: CmdContext[];
  gc: GcContext[];
  status: StatusContext[];
}

export const RESULT: Result = {
  cniVersion: "1.1.0",
  interfaces: [{ name: "eth0", mac: "aa:bb:cc:dd:ee:ff", mtu: 1500, sandbox: "/run/netns/c" }],
  ips: [{ interface: 0, address: "10.1.0.5/24", gateway: "10.1.0.1" }],
};

export function fakePlugin(over: Partial<Plugin> = {}): { plugin: Plugin; calls: Calls } {
  const calls: Calls = { add: [], del: [], check: [], gc: [], status: [] };
  const plugin: Plugin = {
    type: "fake",
    supportedVersions: ALL,
    add: (ctx) => (calls.add.push(ctx), RESULT),
    del: (ctx) => void calls.del.push(ctx),
    check: (ctx) => void calls.check.push(ctx),
    gc: (ctx) => void calls.gc.push(ctx),
    status: (ctx) => void calls.status.push(ctx),
    ...over,
  };
  return { plugin, calls };
}

export interface RunOutput {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON ({} when empty) */
  json: Record<string, unknown>;
}

export async function run(
  plugin: Plugin,
  env: Record<string, string | undefined>,
  stdin: string | Uint8Array = "",
  extra: Partial<SkelIO> = {},
): Promise<RunOutput> {
  let stdout = "";
  let stderr = "";
  const bytes = typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin;
  const code = await runPlugin(plugin, {
    env,
    readStdin: () => bytes,
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    ...extra,
  });
  return { code, stdout, stderr, json: stdout.trim() ? JSON.parse(stdout) : {} };
}

export const ADD_ENV = {
  CNI_COMMAND: "ADD",
  CNI_CONTAINERID: "c1",
  CNI_NETNS: "/run/netns/c",
  CNI_IFNAME: "eth0",
  CNI_PATH: "/opt/cni/bin",
};

export const conf = (extra: Record<string, unknown> = {}, version = "1.0.0") =>
  JSON.stringify({ cniVersion: version, name: "net1", type: "fake", ...extra });
