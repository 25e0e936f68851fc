// Fault injection for the crash tests, and nothing else: TSCNI_TEST_CRASH_AFTER is read once at start-up;
// unset (production), crashPoint is an empty function. Every named step of a verb is a crash point: each
// inverse pushed on the UndoStack (the step succeeded), each traced step, and the few points that change
// state without an inverse (host-local between writing its reservation file and linking it into place).
// So a new plugin built from those pieces gets its crash points without doing anything.
//   TSCNI_TEST_CRASH_AFTER=<type>:<n>      SIGKILL this process right after its n-th crash point (1-based)
//                                          when it runs as plugin <type> (other plugins ignore it)
//   TSCNI_TEST_CRASH_AFTER=record:<file>   append "<type>\t<n>\t<step>" per crash point passed (lists them)
// <type> is the name the executable was invoked as (a delegated IPAM run in-process counts as its caller).
import { appendFileSync } from "node:fs";

const spec = typeof process !== "undefined" ? process.env.TSCNI_TEST_CRASH_AFTER : undefined;

/** Marks the end of a named step: a no-op unless the crash-test variable is set. */
export const crashPoint: (step: string) => void = spec ? crashHook(spec) : () => {};

/** The plugin type this process runs as: the invoked name, or `tscni <type>`'s argument. */
function processType(): string {
  const argv0 = process.argv0 || "tscni";
  const base = argv0.slice(argv0.lastIndexOf("/") + 1);
  return (base === "tscni" || base === "bun") && process.argv[2] ? process.argv[2] : base;
}

function crashHook(value: string): (step: string) => void {
  const [, mode = "", arg = ""] = /^([^:]*):(.*)$/s.exec(value) ?? [];
  const type = processType();
  let n = 0;
  if (mode === "record") {
    return (step) => appendFileSync(arg, `${type}\t${++n}\t${step.replace(/[\t\n]/g, " ")}\n`);
  }
  const target = Number(arg);
  if (mode !== type || !Number.isInteger(target) || target < 1) return () => {};
  return () => {
    if (++n === target) process.kill(process.pid, "SIGKILL");
  };
}
