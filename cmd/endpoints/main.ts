// `tscni endpoints`: every attachment on the node, from libcni's result cache and the host-local
// stores: container, ifname, IPs, host veth, port mappings, shaping, plugin chain. A table, or JSON.
// Loaded only for `tscni endpoints`, never on a plugin's start-up path.
import { splitPath } from "../../shared/cni/env.ts";
import { goIndent } from "../../shared/cni/json.ts";
import { splitFlags, UsageError } from "../flags.ts";
import { DEFAULT_CACHE_DIR } from "../run/cache.ts";
import { collectEndpoints } from "./collect.ts";
import { formatTable } from "./table.ts";

const USAGE = `usage: tscni endpoints [--network NAME] [--json] [--cache-dir DIR] [--data-dir DIRS]
  --network NAME   only this network's attachments
  --json           JSON (every field, full container IDs) instead of the table
  --cache-dir DIR  libcni cache root, results in DIR/results (default $TSCNI_CACHE_DIR, else /var/lib/cni)
  --data-dir DIRS  host-local data dirs, ':'-separated (default /var/lib/cni/networks; the dataDir of
                   every cached conflist is read too)
`;

interface CommandIO {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  stdout(s: string): void;
  stderr(s: string): void;
}

const FLAGS = { command: "endpoints", valued: new Set(["--network", "--cache-dir", "--data-dir"]), boolean: new Set(["--json"]) };

export function endpointsMain(io: CommandIO): number {
  if (io.argv[0] === "--help" || io.argv[0] === "-h") {
    io.stdout(USAGE);
    return 0;
  }
  try {
    const { positional, flags } = splitFlags(io.argv, FLAGS);
    if (positional.length > 0) throw new UsageError("endpoints", `unexpected argument ${positional[0]}`);
    const dataDirs = flags.get("--data-dir");
    const endpoints = collectEndpoints(
      { cacheDir: flags.get("--cache-dir") ?? io.env.TSCNI_CACHE_DIR ?? DEFAULT_CACHE_DIR, ...(dataDirs !== undefined && { dataDirs: splitPath(dataDirs) }) },
      flags.get("--network"),
    );
    io.stdout(flags.has("--json") ? goIndent(endpoints) + "\n" : formatTable(endpoints));
    return 0;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`${e.message}\n${USAGE}`);
    return 2;
  }
}
