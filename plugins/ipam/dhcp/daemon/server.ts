// The daemon's unix socket: one request line in, one reply line out, then the connection closes.
import { asCniError, dhcpBadRequest, dhcpFailed, invalidEnvironment, type CniError } from "../../../../shared/cni/errors.ts";
import { NotNetnsError } from "../../../../shared/ns/netns.ts";
import { decodeRequest, encodeLine, errorReply, MAX_LINE, PROTOCOL_VERSION, type DaemonReply, type DaemonRequest } from "../protocol.ts";
import type { LeaseManager } from "./leases.ts";
import { LinkGoneError } from "./link.ts";

const replyOf = (e: CniError): DaemonReply => errorReply(e.code, e.msg, e.details);

function replyForError(e: unknown): DaemonReply {
  if (e instanceof LinkGoneError) return replyOf(dhcpFailed("cannot run the DHCP client", e.message));
  if (e instanceof NotNetnsError) return replyOf(invalidEnvironment(e.message));
  return replyOf(asCniError(e));
}

async function handle(leases: LeaseManager, req: DaemonRequest): Promise<DaemonReply> {
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
    case "gc":
      return { ...ok, leases: await leases.gc(req.gc!) };
  }
}

/** Parses one line and answers it; never throws. */
async function answer(leases: LeaseManager, line: string): Promise<DaemonReply> {
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
        const reply = nl < 0 ? Promise.resolve(replyOf(dhcpBadRequest("request line too long"))) : answer(leases, line);
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
