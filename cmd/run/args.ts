// `tscni run` command line: verb, conflist, optional netns, and flags. Pure.
import { parseCniArgs } from "../../shared/cni/args.ts";
import { splitPath } from "../../shared/cni/env.ts";
import { isObject, parseJsonText, type JsonObject } from "../../shared/cni/json.ts";
import { formatHashWithPrefix } from "../../shared/firewall/hash.ts";
import { splitFlags, UsageError } from "../flags.ts";
import { DEFAULT_CACHE_DIR } from "./cache.ts";
import type { GcAttachment } from "./conflist.ts";

export const USAGE = `usage: tscni run add|check|del|gc|status CONFLIST [NETNS] [flags]
  --id ID             container ID (default: tscni- + a hash of NETNS)
  --ifname IF         interface name in the container (default eth0)
  --cap-args JSON     capability args (check/del default: the ones add cached), e.g. '{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}'
  --args K=V;...      CNI_ARGS
  --valid ID[/IF],... gc: the attachments still in use (required; "" = none)
  --plugin-dir DIRS   plugin dirs, ':'-separated (default $CNI_PATH, else /opt/cni/bin)
  --cache-dir DIR     libcni cache root, results in DIR/results (default $TSCNI_CACHE_DIR, else /var/lib/cni)
`;

const RUN_VERBS = ["add", "check", "del", "gc", "status"] as const;
type RunVerb = (typeof RUN_VERBS)[number];

export interface RunArgs {
  verb: RunVerb;
  conflist: string;
  netns: string;
  containerId: string;
  ifName: string;
  capabilityArgs: JsonObject;
  /** --cap-args was on the command line (else CHECK/DEL take the cached ones) */
  capArgsGiven: boolean;
  cniArgs: Array<readonly [string, string]>;
  valid?: GcAttachment[];
  pluginDirs: string[];
  cacheDir: string;
}

const FLAGS = new Set(["--id", "--ifname", "--cap-args", "--args", "--valid", "--plugin-dir", "--cache-dir"]);

const usage = (why: string) => new UsageError("run", why);

function capArgsOf(text: string | undefined): JsonObject {
  if (text === undefined) return {};
  const v = parseJsonText(text, "--cap-args");
  if (!isObject(v)) throw usage("--cap-args must be a JSON object");
  return v;
}

/** "ID[/IF],ID[/IF]" (IDs and ifnames can hold neither '/' nor ','); "" is the empty list. */
export function parseValid(text: string): GcAttachment[] {
  return text
    .split(",")
    .filter((s) => s !== "")
    .map((s) => {
      const [containerID = "", ifname = "eth0", ...rest] = s.split("/");
      if (containerID === "" || ifname === "" || rest.length > 0) throw usage(`invalid --valid entry "${s}"`);
      return { containerID, ifname };
    });
}

export function parseRunArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): RunArgs {
  const { positional, flags } = splitFlags(argv, { command: "run", valued: FLAGS });
  const [verb, conflist, netns = "", ...extra] = positional;
  if (!RUN_VERBS.includes(verb as RunVerb)) throw usage(`unknown verb ${JSON.stringify(verb ?? "")}`);
  if (!conflist) throw usage("missing CONFLIST");
  if (extra.length > 0) throw usage(`unexpected argument ${extra[0]}`);
  if ((verb === "add" || verb === "check") && netns === "") throw usage(`${verb} needs NETNS`);
  if (verb === "gc" && !flags.has("--valid")) throw usage('gc needs --valid (the attachments in use; "" for none)');
  const id = flags.get("--id") ?? (netns ? formatHashWithPrefix(20, "tscni-", netns) : "");
  if ((verb === "add" || verb === "check" || verb === "del") && id === "") throw usage(`${verb} needs --id or NETNS`);
  return {
    verb: verb as RunVerb,
    conflist,
    netns,
    containerId: id,
    ifName: flags.get("--ifname") ?? "eth0",
    capabilityArgs: capArgsOf(flags.get("--cap-args")),
    capArgsGiven: flags.has("--cap-args"),
    cniArgs: parseCniArgs(flags.get("--args") ?? ""),
    ...(flags.has("--valid") && { valid: parseValid(flags.get("--valid")!) }),
    pluginDirs: splitPath(flags.get("--plugin-dir") ?? env.CNI_PATH ?? "/opt/cni/bin"),
    cacheDir: flags.get("--cache-dir") ?? env.TSCNI_CACHE_DIR ?? DEFAULT_CACHE_DIR,
  };
}
