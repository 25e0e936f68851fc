// The daemon's unix socket: one request line in, one reply line out, then the connection closes.
import { CniError } from "../../../../shared/cni/errors.ts";
import { NotNetnsError } from "../../../../shared/ns/netns.ts";
import { decodeRequest, DhcpErrorCode, encodeLine, errorReply, MAX_LINE, PROTOCOL_VERSION, ProtocolError, type DaemonReply, type DaemonRequest } from "../protocol.ts";
import type { LeaseManager } from "./leases.ts";
import { LinkGoneError } from "./link.ts";

function replyForError(e: unknown): DaemonReply {
  if (e instanceof CniError) return errorReply(e.code, e.msg, e.details);
  if (e instanceof ProtocolError) return errorReply(e.code, e.message);
  if (e instanceof LinkGoneError) return errorReply(DhcpErrorCode.DhcpFailed, "cannot run the DHCP client", e.message);
  if (e instanceof NotNetnsError) return errorReply(4, e.message);
  return errorReply(999, e instanceof Error ? e.message : String(e));
}

export async function handle(leases: LeaseManager, req: DaemonRequest): Promise<DaemonReply> {
  const ok = { tscniDhcp: PROTOCOL_VERSION, ok: true } as const;
  switch (req.op) {
    case "status":
      return { ...ok, leases: leases.size };
    case "add":
      return { ...ok, result: await leases.add(req.attachment!, req.params!) };
    case "del":
      await leases.del(req.attachment!);
      return ok;
    case "check":
      await leases.check(req.attachment!);
      return ok;
  }
}

/** Parses one line and answers it; never throws. */
export async function answer(leases: LeaseManager, line: string): Promise<DaemonReply> {
  try {
    return await handle(leases, decodeRequest(line));
  } catch (e) {
    return replyForError(e);
  }
}

interface ConnState {
  buf: string;
  done: boolean;
}

type Listener = { stop(closeActive?: boolean): void };

/** Serves the protocol on a unix socket path (or an inherited listening fd from systemd). */
export function serve(leases: LeaseManager, where: { unix: string } | { fd: number }, log: (m: string) => void): Listener {
  return Bun.listen<ConnState>({
    ...where,
    socket: {
      open(s) {
        s.data = { buf: "", done: false };
      },
      data(s, chunk) {
        const st = s.data;
        if (st.done) return;
        st.buf += chunk.toString();
        const nl = st.buf.indexOf("\n");
        if (nl < 0 && st.buf.length <= MAX_LINE) return;
        st.done = true;
        const line = nl < 0 ? "" : st.buf.slice(0, nl);
        const reply = nl < 0 ? Promise.resolve(errorReply(DhcpErrorCode.BadRequest, "request line too long")) : answer(leases, line);
        reply.then(
          (r) => {
            s.write(encodeLine(r));
            s.end();
          },
          (e) => log(`reply failed: ${String(e)}`),
        );
      },
      error(_s, e) {
        log(`connection error: ${e.message}`);
      },
    },
  } as Parameters<typeof Bun.listen<ConnState>>[0]);
}
