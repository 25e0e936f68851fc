// CmdContext / GcContext builders for in-process verb tests: the config goes through the skel's own
// NetConf builder; stderr is collected.
import { buildNetConf } from "../../../shared/cni/config.ts";
import type { CmdContext, GcContext } from "../../../shared/cni/plugin.ts";

export function cmdContext(raw: Record<string, unknown>, over: Partial<CmdContext> = {}): CmdContext {
  const conf = buildNetConf({ cniVersion: "1.1.0", name: "net1", ...raw }, "1.1.0");
  return {
    verb: "ADD", containerId: "ctr1", netns: "/run/netns/pod1", ifname: "eth0", cniArgs: [], ignoreUnknownArgs: false,
    path: [], conf, stdin: new Uint8Array(), env: {}, stderr: () => {}, ...over,
  };
}

export function gcContext(raw: Record<string, unknown>, valid: { containerID: string; ifname: string }[]): GcContext {
  const conf = buildNetConf({ cniVersion: "1.1.0", name: "net1", ...raw }, "1.1.0");
  return { verb: "GC", path: [], conf, validAttachments: valid, stdin: new Uint8Array(), env: {}, stderr: () => {} };
}
