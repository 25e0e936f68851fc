// The CNI_* environment: which variables each command requires (one table), and the checks the
// reference skel applies to them. Pure: the one check that needs the kernel (is CNI_NETNS our own
// netns?) takes its identity lookups as functions.
import { invalidConfig, invalidEnvironment, invalidNetns, unknownContainer } from "./errors.ts";
import type { Verb } from "./plugin.ts";

export type Command = Verb | "VERSION";

type Env = Readonly<Record<string, string | undefined>>;

/** The variables skel reads, in the order the reference reports them missing. */
const ENV_VARS = ["CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH"] as const;
type EnvVar = (typeof ENV_VARS)[number];

const ATTACHMENT: readonly EnvVar[] = ["CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"];

/** Required variables per command (CNI_NETNS is optional on DEL; CNI_PATH required as skel does). */
export const REQUIRED_ENV: Readonly<Record<Command, readonly EnvVar[]>> = Object.freeze({
  ADD: ATTACHMENT,
  CHECK: ATTACHMENT,
  DEL: ["CNI_COMMAND", "CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH"], // ATTACHMENT but CNI_NETNS (no filter() at start-up: ~0.1 M instructions)
  GC: ["CNI_COMMAND", "CNI_PATH"],
  STATUS: ["CNI_COMMAND", "CNI_PATH"],
  VERSION: ["CNI_COMMAND"],
});

const COMMANDS = new Set<string>(Object.keys(REQUIRED_ENV));

/** The validated environment of one invocation. Empty strings stand for "not given". */
export interface CniEnv {
  command: Command;
  containerId: string;
  netns: string;
  ifname: string;
  /** raw CNI_ARGS */
  args: string;
  /** CNI_PATH split on ':' (empty entries dropped) */
  path: string[];
  /** CNI_NETNS_OVERRIDE=1|true: allow CNI_NETNS to be the plugin's own netns */
  netnsOverride: boolean;
}

const get = (env: Env, name: string): string => env[name] ?? "";

/** CNI_COMMAND, or undefined when unset or empty (skel then prints its "about" text). */
export function commandOf(env: Env): string | undefined {
  return get(env, "CNI_COMMAND") || undefined;
}

/** Error 4 for an unknown command, with the reference message. */
export function parseCommand(cmd: string): Command {
  if (!COMMANDS.has(cmd)) throw invalidEnvironment(`unknown CNI_COMMAND: ${cmd}`);
  return cmd as Command;
}

/** The required variables the environment lacks (unset or empty), in ENV_VARS order. */
export function missingEnv(env: Env, command: Command): EnvVar[] {
  const required = REQUIRED_ENV[command];
  return ENV_VARS.filter((v) => required.includes(v) && get(env, v) === "");
}

/** Reads the environment for a command; error 4 naming every missing variable. */
export function readEnv(env: Env, command: Command): CniEnv {
  const missing = missingEnv(env, command);
  if (missing.length > 0) throw invalidEnvironment(`required env variables [${missing.join(",")}] missing`);
  return {
    command,
    containerId: get(env, "CNI_CONTAINERID"),
    netns: get(env, "CNI_NETNS"),
    ifname: get(env, "CNI_IFNAME"),
    args: get(env, "CNI_ARGS"),
    path: splitPath(get(env, "CNI_PATH")),
    netnsOverride: isOverride(get(env, "CNI_NETNS_OVERRIDE")),
  };
}

export function splitPath(value: string): string[] {
  return value.split(":").filter((p) => p !== "");
}

function isOverride(value: string): boolean {
  return value === "1" || value.toLowerCase() === "true";
}

/** Container IDs and network names: utils.cniReg of the reference. */
const CNI_NAME_REGEX = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The reference's utils.ValidateContainerID. */
export function validateContainerId(id: string): void {
  if (id === "") throw unknownContainer("missing containerID");
  if (!CNI_NAME_REGEX.test(id)) throw invalidEnvironment("invalid characters in containerID", id);
}

/** The reference's utils.ValidateNetworkName. */
export function validateNetworkName(name: string): void {
  if (name === "") throw invalidConfig("missing network name");
  if (!CNI_NAME_REGEX.test(name)) throw invalidConfig("invalid characters found in network name", name);
}

/** IFNAMSIZ - 1 */
const MAX_IFNAME_BYTES = 15;

// Go's unicode.IsSpace set, plus the two separators the kernel and the reference forbid.
const IFNAME_FORBIDDEN = /[/:\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** The reference's utils.ValidateInterfaceName (length counted in UTF-8 bytes, as in Go). */
export function validateIfname(name: string): void {
  if (name === "") throw invalidEnvironment("interface name is empty");
  if (new TextEncoder().encode(name).length > MAX_IFNAME_BYTES) {
    throw invalidEnvironment(
      "interface name is too long",
      `interface name should be less than ${MAX_IFNAME_BYTES + 1} characters`,
    );
  }
  if (name === "." || name === "..") throw invalidEnvironment("interface name is . or ..");
  if (IFNAME_FORBIDDEN.test(name)) {
    throw invalidEnvironment("interface name contains / or : or whitespace characters");
  }
}

/** Validates the attachment variables of ADD/DEL/CHECK (GC and STATUS have none). */
export function validateAttachment(e: CniEnv): void {
  validateContainerId(e.containerId);
  validateIfname(e.ifname);
}

/** How to tell two network namespaces apart (device:inode of the nsfs file); undefined = unknown. */
export interface NetnsIdentity {
  own?(): string | undefined;
  of?(path: string): string | undefined;
}

/**
 * Error 8 when CNI_NETNS is the plugin's own network namespace, unless CNI_NETNS_OVERRIDE is set. A
 * netns that cannot be identified (gone, unreadable) is not this check's business, as in the reference.
 */
export function checkNotOwnNetns(e: CniEnv, identity: NetnsIdentity): void {
  if (e.netnsOverride || e.netns === "" || !identity.own || !identity.of) return;
  const target = identity.of(e.netns);
  const own = identity.own();
  if (target !== undefined && own !== undefined && target === own) {
    throw invalidNetns("plugin's netns and netns from CNI_NETNS should not be the same");
  }
}
