// Errors the netlink layer throws for kernel refusals. Pure: the client supplies the errno name.
import type { ErrorCodeValue } from "../cni/errors.ts";

export const ENOENT = 2;
const ESRCH = 3;
export const EINTR = 4;
const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
const EADDRNOTAVAIL = 99;

/**
 * The kernel refused a request: "what was attempted: ERRNO[: kernel ext-ack message]",
 * e.g. `add 10.1.0.5/24 to veth3f2a: EEXIST`.
 */
export class NetlinkError extends Error {
  /** Further failures of the same batch (commit() throws the first with the rest here). */
  related: readonly NetlinkError[] = [];

  constructor(
    readonly op: string,
    readonly errno: number,
    readonly errnoName: string,
    readonly extAck?: string,
    readonly cniCode?: ErrorCodeValue,
  ) {
    super(`${op}: ${errnoName}${extAck ? `: ${extAck}` : ""}`);
    this.name = "NetlinkError";
  }

  /** One error standing for several: the first, naming the others in its message. */
  static combine(errors: readonly NetlinkError[]): NetlinkError {
    const [first, ...rest] = errors;
    if (!first) throw new Error("NetlinkError.combine: no errors");
    if (!rest.length) return first;
    const e = new NetlinkError(first.op, first.errno, first.errnoName, first.extAck, first.cniCode);
    e.message = `${first.message}; also ${rest.map((r) => r.message).join("; ")}`;
    e.related = rest;
    return e;
  }
}

/** True for the errno values meaning "no such object" (link, address, route, neighbour). */
export function isNotFound(e: unknown): boolean {
  if (!(e instanceof NetlinkError)) return false;
  return e.errno === ENODEV || e.errno === ENOENT || e.errno === ESRCH || e.errno === EADDRNOTAVAIL;
}

export function isExists(e: unknown): boolean {
  return e instanceof NetlinkError && e.errno === EEXIST;
}
