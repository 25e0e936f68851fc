// The operator commands' command lines (`tscni run|endpoints|audit ...`): positional arguments and
// `--flag value`, `--flag=value` or boolean `--flag`. Pure.

/** A bad command line: printed with the command's usage text, exit status 2. */
export class UsageError extends Error {
  constructor(command: string, why: string) {
    super(`tscni ${command}: ${why}`);
    this.name = "UsageError";
  }
}

interface FlagSpec {
  /** the command's name, for messages */
  readonly command: string;
  /** flags taking a value */
  readonly valued: ReadonlySet<string>;
  /** flags taking none */
  readonly boolean?: ReadonlySet<string>;
}

interface SplitArgs {
  readonly positional: string[];
  /** a boolean flag maps to "" */
  readonly flags: Map<string, string>;
}

export function splitFlags(argv: readonly string[], spec: FlagSpec): SplitArgs {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf("=");
    const [name, inline] = a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    if (!name.startsWith("--")) {
      positional.push(a);
      continue;
    }
    if (spec.boolean?.has(name)) {
      if (inline !== undefined) throw new UsageError(spec.command, `${name} takes no value`);
      flags.set(name, "");
      continue;
    }
    if (!spec.valued.has(name)) throw new UsageError(spec.command, `unknown flag ${name}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(spec.command, `${name} needs a value`);
    flags.set(name, value);
  }
  return { positional, flags };
}
