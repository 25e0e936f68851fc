// The tuning config of one invocation: the allowlist is read (ADD only, as the reference) and the keys
// validated before any kernel change.
import type { CmdContext } from "../../../shared/cni/plugin.ts";
import { parseTuningConfig, type TuningConfig } from "./config.ts";
import type { TuningDeps } from "./deps.ts";
import { parseAllowlist } from "./keys.ts";

interface ConfigOptions {
  /** apply the allowlist file (ADD) */
  allowlist?: boolean;
  /** refuse duplicate sysctl keys (ADD, CHECK) */
  duplicates?: boolean;
}

export function tuningConfigOf(ctx: CmdContext, deps: TuningDeps, opts: ConfigOptions = {}): TuningConfig {
  const text = opts.allowlist ? deps.readAllowlist() : undefined;
  return parseTuningConfig({
    conf: ctx.conf,
    ifname: ctx.ifname,
    cniArgs: ctx.cniArgs,
    ignoreUnknownArgs: ctx.ignoreUnknownArgs,
    stdin: opts.duplicates ? ctx.stdin : new Uint8Array(),
    ...(text !== undefined && { allowlist: parseAllowlist(text) }),
  });
}
