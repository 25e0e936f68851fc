// `tscni run`: executes a conflist the way a runtime's libcni does (see runner.ts), for operators
// trying a config by hand, the demo and the tests. Loaded only when the binary is invoked as
// `tscni run`, never on a plugin's start-up path.
import { existsSync, readFileSync, statSync } from "node:fs";
import { CniError, internalError, ioFailure } from "../../shared/cni/errors.ts";
import { goIndent } from "../../shared/cni/json.ts";
import { CURRENT_VERSION } from "../../shared/cni/types.ts";
import { systemFirewall } from "../../shared/firewall/system.ts";
import { UsageError } from "../flags.ts";
import { restorePodRules } from "../restore/rules.ts";
import { parseRunArgs, USAGE, type RunArgs } from "./args.ts";
import { readCachedEntry } from "./cache.ts";
import { parseConfList, type ConfList } from "./conflist.ts";
import { execPlugin } from "./exec.ts";
import { addList, checkList, delList, gcList, statusList, type RuntimeConf, type RunnerDeps } from "./runner.ts";

interface RunIO {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  stdout(s: string): void;
  stderr(s: string): void;
}

function readConfList(path: string): ConfList {
  if (!existsSync(path) || !statSync(path).isFile()) throw ioFailure(`read ${path}: not a regular file`);
  return parseConfList(readFileSync(path));
}

/**
 * The attachment's RuntimeConf. A CHECK or DEL given no --cap-args takes the ones its ADD cached
 * (libcni leaves that to the runtime; by hand they are easy to forget, and portmap's DEL needs them).
 */
function runtimeConf(a: RunArgs, list: ConfList): RuntimeConf {
  const fromCache = a.verb !== "add" && !a.capArgsGiven ? readCachedEntry(a.cacheDir, list.name, a.containerId, a.ifName) : undefined;
  const capabilityArgs = fromCache?.capabilityArgs ?? a.capabilityArgs;
  return { containerId: a.containerId, netns: a.netns, ifName: a.ifName, cniArgs: a.cniArgs, capabilityArgs };
}

function dispatch(a: RunArgs, list: ConfList, deps: RunnerDeps): unknown {
  switch (a.verb) {
    case "add":
      return addList(list, runtimeConf(a, list), deps);
    case "check":
      return checkList(list, runtimeConf(a, list), deps);
    case "del":
      return delList(list, runtimeConf(a, list), deps);
    case "gc":
      return gcList(list, a.valid ?? [], deps);
    case "status":
      return statusList(list, deps);
  }
}

/**
 * After GC, the attachments still valid get their per-pod firewall state back if something outside
 * removed it (an `nft flush ruleset`, a firewall reload): reported on stderr, never failing the GC.
 */
function restoreValid(a: RunArgs, list: ConfList, io: RunIO): void {
  const valid = new Set((a.valid ?? []).map((v) => `${v.containerID}\u0000${v.ifname}`));
  const include = (x: { containerId: string; ifname: string }) => valid.has(`${x.containerId}\u0000${x.ifname}`);
  for (const r of restorePodRules(systemFirewall(), { cacheDir: a.cacheDir, network: list.name, include })) {
    if (r.outcome === "present") continue;
    const what = `${r.kind} of ${r.containerId}/${r.ifname}`;
    io.stderr(r.outcome === "restored" ? `restored ${what}\n` : `could not restore ${what}: ${r.error ?? ""}\n`);
  }
}

export function runMain(io: RunIO): number {
  if (io.argv.length === 0 || io.argv[0] === "--help" || io.argv[0] === "-h") {
    io.stderr(USAGE);
    return io.argv.length === 0 ? 2 : 0;
  }
  let version = CURRENT_VERSION;
  try {
    const a = parseRunArgs(io.argv, io.env);
    const list = readConfList(a.conflist);
    version = list.cniVersion || version;
    const deps: RunnerDeps = { cacheDir: a.cacheDir, invoke: (inv) => execPlugin(inv, a.pluginDirs) };
    const result = dispatch(a, list, deps);
    if (a.verb === "gc") restoreValid(a, list, io);
    if (result !== undefined) io.stdout(goIndent(result) + "\n");
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${e.message}\n${USAGE}`);
      return 2;
    }
    const err = e instanceof CniError ? e : internalError(e instanceof Error ? e.message : String(e));
    io.stdout(goIndent(err.toJSON(version)) + "\n");
    return 1;
  }
}
