// `dhcp daemon [flags]`: the reference's flags (Go `flag` syntax: -name value, -name=value, --name;
// durations like 10s, 1m30s, 500ms) plus -statedir, where tscni persists leases. Pure: no I/O.

export interface DaemonFlags {
  socketPath: string;
  pidfile: string;
  hostPrefix: string;
  stateDir: string;
  broadcast: boolean;
  /** wait for one reply before resending, ms */
  timeoutMs: number;
  /** longest delay between two resends, ms */
  resendMaxMs: number;
  /** give up acquiring (ADD) after this, ms */
  resendTimeoutMs: number;
}

const DEFAULT_FLAGS: Readonly<DaemonFlags> = Object.freeze({
  socketPath: "/run/cni/dhcp.sock",
  pidfile: "",
  hostPrefix: "",
  stateDir: "/var/lib/cni/dhcp",
  broadcast: false,
  timeoutMs: 10_000,
  resendMaxMs: 62_000,
  resendTimeoutMs: 60_000,
});

export class FlagError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = "FlagError";
  }
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration (non-negative), in milliseconds. */
export function parseDuration(text: string): number {
  if (text === "0") return 0;
  const re = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos === 0 || pos !== text.length) throw new FlagError(`invalid duration ${JSON.stringify(text)}`);
  return total;
}

type Setter = (f: DaemonFlags, v: string) => void;
const STRING: Record<string, keyof DaemonFlags> = { socketpath: "socketPath", pidfile: "pidfile", hostprefix: "hostPrefix", statedir: "stateDir" };
const DURATION: Record<string, keyof DaemonFlags> = { timeout: "timeoutMs", resendmax: "resendMaxMs", resendtimeout: "resendTimeoutMs" };

function setterFor(name: string): Setter | undefined {
  const s = STRING[name];
  if (s) return (f, v) => ((f[s] as string) = v);
  const d = DURATION[name];
  if (d) return (f, v) => ((f[d] as number) = parseDuration(v));
  return undefined;
}

function parseBool(v: string): boolean {
  if (/^(1|t|T|true|TRUE|True)$/.test(v)) return true;
  if (/^(0|f|F|false|FALSE|False)$/.test(v)) return false;
  throw new FlagError(`invalid boolean value ${JSON.stringify(v)} for -broadcast`);
}

/** Parses the arguments after `daemon`. Throws FlagError naming the bad flag. */
export function parseDaemonFlags(argv: readonly string[]): DaemonFlags {
  const f: DaemonFlags = { ...DEFAULT_FLAGS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--?([a-z]+)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new FlagError(`unexpected argument ${JSON.stringify(arg)}`);
    const [, name, inline] = m as unknown as [string, string, string | undefined];
    if (name === "broadcast") {
      f.broadcast = inline === undefined ? true : parseBool(inline);
      continue;
    }
    const set = setterFor(name);
    if (!set) throw new FlagError(`flag provided but not defined: -${name}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new FlagError(`flag needs an argument: -${name}`);
    set(f, value);
  }
  if (f.pidfile && !f.pidfile.startsWith("/")) throw new FlagError(`-pidfile must be an absolute path: ${JSON.stringify(f.pidfile)}`);
  if (!f.socketPath) f.socketPath = DEFAULT_FLAGS.socketPath;
  if (f.timeoutMs <= 0 || f.resendMaxMs <= 0 || f.resendTimeoutMs <= 0) throw new FlagError("-timeout, -resendmax and -resendtimeout must be positive");
  return f;
}
