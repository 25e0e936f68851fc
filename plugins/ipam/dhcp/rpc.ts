// The plugin's side of the daemon protocol: connect to the unix socket, send one request line, read
// one reply line. Bounded: a daemon that does not answer within the deadline is "unreachable".
import { lstatSync } from "node:fs";
import { decodeReply, encodeLine, MAX_LINE, type DaemonReply, type DaemonRequest } from "./protocol.ts";

/** The daemon could not be asked (no socket, nobody listening, no reply in time). */
export class DaemonUnreachableError extends Error {
  constructor(
    readonly socketPath: string,
    cause: string,
  ) {
    super(`error dialing DHCP daemon at ${socketPath}: ${cause}`);
    this.name = "DaemonUnreachableError";
  }
}

function checkSocket(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    throw new DaemonUnreachableError(path, (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such socket (is `dhcp daemon` running?)" : String(e));
  }
  if (!st.isSocket()) throw new DaemonUnreachableError(path, "not a unix socket");
}

export async function callDaemon(socketPath: string, req: DaemonRequest, timeoutMs: number): Promise<DaemonReply> {
  checkSocket(socketPath);
  let buf = "";
  let settle!: (v: string | Error) => void;
  const done = new Promise<string | Error>((r) => (settle = r));
  const timer = setTimeout(() => settle(new DaemonUnreachableError(socketPath, `no reply within ${timeoutMs / 1000}s`)), timeoutMs);
  let sock: { end(): void } | undefined;
  try {
    sock = await Bun.connect({
      unix: socketPath,
      socket: {
        open: (s) => void s.write(encodeLine(req)),
        data: (_s, chunk) => {
          buf += chunk.toString();
          const nl = buf.indexOf("\n");
          if (nl >= 0) settle(buf.slice(0, nl));
          else if (buf.length > MAX_LINE) settle(new DaemonUnreachableError(socketPath, "reply too long"));
        },
        close: () => settle(new DaemonUnreachableError(socketPath, "connection closed without a reply")),
        error: (_s, e) => settle(new DaemonUnreachableError(socketPath, e.message)),
      },
    });
  } catch (e) {
    clearTimeout(timer);
    const code = (e as NodeJS.ErrnoException).code;
    throw new DaemonUnreachableError(socketPath, code === "ECONNREFUSED" ? "connection refused (stale socket, daemon not running)" : String(code ?? e));
  }
  const out = await done;
  clearTimeout(timer);
  sock.end();
  if (out instanceof Error) throw out;
  return decodeReply(out);
}
