// The plugin <-> daemon protocol, version 1 (docs/dhcp.md): one request and one reply per unix
// stream connection, each a single JSON object on one line. Every message carries `tscniDhcp` (the
// protocol version); a daemon answers a version it does not speak with error 103 naming the one it
// does. Pure: no I/O, no Bun APIs. Both sides validate what they read (the socket is root-only, but
// a confused client must get an error, not a crash).
import { dhcpBadRequest, dhcpProtocolVersion } from "../../../shared/cni/errors.ts";

export const PROTOCOL_VERSION = 1;
export const MAX_LINE = 1 << 20;

export type Op = "add" | "del" | "check" | "status" | "gc";
const OPS: readonly Op[] = ["add", "del", "check", "status", "gc"];

/** Where the lease lives: the attachment (CNI_CONTAINERID, network name, CNI_IFNAME, CNI_NETNS). */
export interface Attachment {
  containerId: string;
  network: string;
  ifname: string;
  /** absolute; may be "" on del */
  netns: string;
}

/** What the client sends and asks for, resolved by the plugin from its config and CNI_ARGS. */
export interface LeaseParams {
  /** option code -> value bytes as base64 */
  provide: Array<[number, string]>;
  /** the parameter request list (option 55) */
  request: number[];
  /** route metric in the result when non-zero */
  priority: number;
}

/** GC (spec 1.1): the network whose leases are judged, and its valid attachments (all others go). */
export interface GcRequest {
  network: string;
  valid: Array<{ containerId: string; ifname: string }>;
}

export interface DaemonRequest {
  tscniDhcp: number;
  op: Op;
  attachment?: Attachment;
  params?: LeaseParams;
  gc?: GcRequest;
}

export type DaemonReply =
  | { tscniDhcp: number; ok: true; result?: unknown; leases?: number }
  | { tscniDhcp: number; ok: false; code: number; msg: string; details?: string };


const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function str(o: Record<string, unknown>, key: string, max = 4096): string {
  const v = o[key];
  if (typeof v !== "string" || v.length > max) throw dhcpBadRequest(`${key}: expected a string`);
  return v;
}

function parseLine(line: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw dhcpBadRequest("request is not JSON");
  }
  if (!isObj(v)) throw dhcpBadRequest("request is not a JSON object");
  return v;
}

function parseAttachment(v: unknown): Attachment {
  if (!isObj(v)) throw dhcpBadRequest("attachment: expected an object");
  return { containerId: str(v, "containerId"), network: str(v, "network"), ifname: str(v, "ifname", 15), netns: str(v, "netns") };
}

function parseParams(v: unknown): LeaseParams {
  if (!isObj(v)) throw dhcpBadRequest("params: expected an object");
  const { provide, request, priority } = v;
  const code = (c: unknown): number => {
    if (typeof c !== "number" || !Number.isInteger(c) || c < 1 || c > 254) throw dhcpBadRequest(`bad option code ${String(c)}`);
    return c;
  };
  if (!Array.isArray(provide) || !Array.isArray(request)) throw dhcpBadRequest("params: provide and request must be arrays");
  const prov = provide.map((p): [number, string] => {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[1] !== "string" || p[1].length > 400) throw dhcpBadRequest("params.provide: expected [code, base64]");
    return [code(p[0]), p[1]];
  });
  if (typeof priority !== "number" || !Number.isInteger(priority)) throw dhcpBadRequest("params.priority: expected an integer");
  return { provide: prov, request: request.map(code), priority };
}

function parseGc(v: unknown): GcRequest {
  if (!isObj(v) || !Array.isArray(v.valid)) throw dhcpBadRequest("gc: expected {network, valid: [...]}");
  const valid = v.valid.map((a: unknown) => {
    if (!isObj(a)) throw dhcpBadRequest("gc.valid: expected objects");
    return { containerId: str(a, "containerId"), ifname: str(a, "ifname") };
  });
  return { network: str(v, "network"), valid };
}

/** Decodes and validates a request line (daemon side). */
export function decodeRequest(line: string): DaemonRequest {
  const o = parseLine(line);
  if (o.tscniDhcp !== PROTOCOL_VERSION) {
    throw dhcpProtocolVersion(`unsupported protocol version ${JSON.stringify(o.tscniDhcp)} (this daemon speaks ${PROTOCOL_VERSION})`);
  }
  if (!OPS.includes(o.op as Op)) throw dhcpBadRequest(`unknown op ${JSON.stringify(o.op)}`);
  const op = o.op as Op;
  if (op === "status") return { tscniDhcp: PROTOCOL_VERSION, op };
  if (op === "gc") return { tscniDhcp: PROTOCOL_VERSION, op, gc: parseGc(o.gc) };
  const req: DaemonRequest = { tscniDhcp: PROTOCOL_VERSION, op, attachment: parseAttachment(o.attachment) };
  if (op !== "del") req.params = parseParams(o.params);
  return req;
}

/** Decodes a reply line (plugin side). */
export function decodeReply(line: string): DaemonReply {
  const o = parseLine(line);
  if (o.tscniDhcp !== PROTOCOL_VERSION) {
    throw dhcpProtocolVersion(`daemon replied with protocol version ${JSON.stringify(o.tscniDhcp)}, expected ${PROTOCOL_VERSION}`);
  }
  if (o.ok === true) return o as DaemonReply;
  if (o.ok === false && typeof o.code === "number" && typeof o.msg === "string") return o as DaemonReply;
  throw dhcpBadRequest("malformed reply from the dhcp daemon");
}

export const encodeLine = (m: DaemonRequest | DaemonReply): string => JSON.stringify(m) + "\n";

export function errorReply(code: number, msg: string, details = ""): DaemonReply {
  const r: DaemonReply = { tscniDhcp: PROTOCOL_VERSION, ok: false, code, msg };
  if (details) r.details = details;
  return r;
}

/** The client ID of an attachment, as the reference builds it. */
export const clientIdOf = (a: Attachment): string => `${a.containerId}/${a.network}/${a.ifname}`;
