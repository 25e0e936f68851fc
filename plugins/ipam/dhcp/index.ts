// dhcp IPAM plugin: asks the `dhcp daemon` (same executable, see daemon/main.ts) over its unix socket.
// ADD acquires (or returns the lease already held), DEL releases, CHECK verifies the lease is live
// without allocating, STATUS says whether the daemon answers (code 50 when not), GC has the daemon DEL
// every lease of the network whose attachment is not valid (the reference's dhcp has no GC).
import { resolve } from "node:path";
import { fromErrorObject, internalError, pluginNotAvailable, tryAgainLater } from "../../../shared/cni/errors.ts";
import type { CmdContext, GcContext, Plugin, StatusContext } from "../../../shared/cni/plugin.ts";
import type { Result } from "../../../shared/cni/types.ts";
import { SUPPORTED_VERSIONS } from "../../../shared/cni/version.ts";
import { leaseParams, parseConfig } from "./config.ts";
import { PROTOCOL_VERSION, type Attachment, type DaemonRequest, type Op } from "./protocol.ts";
import { callDaemon, DaemonUnreachableError } from "./rpc.ts";

/** Longer than the daemon's default acquire bound (60 s) and the reference's 208 s resend timeout. */
const REPLY_TIMEOUT_MS = 240_000;
const STATUS_TIMEOUT_MS = 5_000;

function attachmentOf(ctx: CmdContext): Attachment {
  return {
    containerId: ctx.containerId,
    network: ctx.conf.name,
    ifname: ctx.ifname,
    netns: ctx.netns ? resolve(ctx.netns) : "", // the daemon runs elsewhere: absolute paths only
  };
}

async function ask(ctx: CmdContext, op: Op): Promise<unknown> {
  const cfg = parseConfig(ctx.conf);
  const req: DaemonRequest = { tscniDhcp: PROTOCOL_VERSION, op, attachment: attachmentOf(ctx) };
  if (op !== "del") req.params = leaseParams(cfg, ctx.cniArgs);
  return send(cfg.socketPath, req);
}

/** One request to the daemon; its error reply becomes this plugin's CNI error (unreachable: 11). */
async function send(socketPath: string, req: DaemonRequest): Promise<unknown> {
  let reply;
  try {
    reply = await callDaemon(socketPath, req, REPLY_TIMEOUT_MS);
  } catch (e) {
    if (e instanceof DaemonUnreachableError) throw tryAgainLater(e.message);
    throw e;
  }
  if (!reply.ok) throw fromErrorObject(reply.code, reply.msg, reply.details ?? "", "the dhcp daemon failed without a message");
  return reply.result;
}

function checkResult(r: unknown): Result {
  const ok = typeof r === "object" && r !== null && Array.isArray((r as Result).ips) && (r as Result).ips!.length > 0;
  if (!ok) throw internalError("the dhcp daemon returned no address");
  return r as Result;
}

/** GC: the daemon releases this network's leases whose attachment is not in the valid list. */
async function gc(ctx: GcContext): Promise<void> {
  const cfg = parseConfig(ctx.conf);
  const valid = ctx.validAttachments.map((a) => ({ containerId: a.containerID, ifname: a.ifname }));
  await send(cfg.socketPath, { tscniDhcp: PROTOCOL_VERSION, op: "gc", gc: { network: ctx.conf.name, valid } });
}

const plugin: Plugin = {
  type: "dhcp",
  supportedVersions: SUPPORTED_VERSIONS,
  add: async (ctx) => checkResult(await ask(ctx, "add")),
  del: async (ctx) => void (await ask(ctx, "del")),
  check: async (ctx) => void (await ask(ctx, "check")),
  gc,
  status: async (ctx: StatusContext) => {
    const cfg = parseConfig(ctx.conf);
    try {
      const reply = await callDaemon(cfg.socketPath, { tscniDhcp: PROTOCOL_VERSION, op: "status" }, STATUS_TIMEOUT_MS);
      if (!reply.ok) throw pluginNotAvailable(`dhcp daemon at ${cfg.socketPath} is not ready`, reply.msg);
    } catch (e) {
      if (e instanceof DaemonUnreachableError) throw pluginNotAvailable("dhcp daemon unreachable", e.message);
      throw e;
    }
  },
};

export default plugin;
