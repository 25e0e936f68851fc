// Maps the firewall layer's typed errors to CNI errors: bad values are invalid config (7), a host port
// held by another container is plugin code 100 naming the holder; anything else passes to skel (999).
import { hostPortInUse, invalidConfig } from "../../../shared/cni/errors.ts";
import { FirewallInputError } from "../../../shared/firewall/nft-text.ts";
import { PortConflictError } from "../../../shared/firewall/types.ts";

function toPortmapError(e: unknown): unknown {
  if (e instanceof FirewallInputError) return invalidConfig(e.message);
  if (e instanceof PortConflictError) {
    const details = e.conflicts
      .map((c) => `${c.hostIP ?? (c.family === "ip" ? "0.0.0.0" : "::")}:${c.hostPort}/${c.protocol} held by ${c.ownerContainerId}`)
      .join("; ");
    return hostPortInUse(e.message, details);
  }
  return e;
}

/** Runs fn, rethrowing its error through toPortmapError. */
export function mapped<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toPortmapError(e);
  }
}
