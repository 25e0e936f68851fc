// Rollback and teardown, the two ways a plugin runs a list of inverses. Both keep going past a
// failing step and collect typed failures (StepErrors: each step, its cause and its CNI code; skel
// decides the code printed), except for a FatalError (e.g. the netns could not be restored): that
// stops everything at once, so no further step runs in the wrong namespace.
//   ADD:  each step pushes its inverse as soon as it succeeds; on failure the stack unwinds in reverse.
//   DEL/GC: runTeardown runs every named step in order.
import { FatalError, StepErrors, failureText, stepFailures, type StepFailure } from "./cni/errors.ts";
import { crashPoint } from "./crash.ts";
import { traced } from "./trace.ts";

type UndoFn = () => unknown;

export class UndoStack {
  private readonly steps: { what: string; undo: UndoFn }[] = [];

  /** Called as soon as a step succeeded: its inverse. Each push is a crash point (shared/crash.ts). */
  push(what: string, undo: UndoFn): void {
    this.steps.push({ what, undo });
    crashPoint(what);
  }

  /** Forget the inverses: ADD succeeded and everything stays. */
  commit(): void {
    this.steps.length = 0;
  }

  /** Runs every inverse in reverse order and returns the failures; a FatalError stops it at once. */
  async unwind(): Promise<StepFailure[]> {
    const failures: StepFailure[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      failures.push(...(await attempt(step.what, step.undo)));
    }
    return failures;
  }

  /**
   * Runs body; on an error unwinds, logs each failed inverse through log and rethrows: the original
   * error alone when the rollback was clean, else a StepErrors with the original first. A FatalError
   * from body is rethrown without unwinding (the inverses would run in the wrong namespace).
   */
  async run<T>(body: (undo: UndoStack) => Promise<T> | T, log: (line: string) => void = () => {}): Promise<T> {
    try {
      const out = await body(this);
      this.commit();
      return out;
    } catch (e) {
      if (e instanceof FatalError) throw e;
      const failures = (await this.unwind()).map((f) => ({ ...f, step: `rollback: ${f.step}` }));
      for (const f of failures) log(failureText(f));
      if (failures.length === 0) throw e;
      throw new StepErrors([...stepFailures("", e), ...failures]);
    }
  }
}

export type TeardownStep = [what: string, run: () => unknown];

/** DEL/GC: runs every step even if an earlier one failed; throws StepErrors listing all failures. */
export async function runTeardown(steps: readonly TeardownStep[]): Promise<void> {
  const failures: StepFailure[] = [];
  for (const [what, run] of steps) failures.push(...(await attempt(what, () => traced(what, run))));
  if (failures.length) throw new StepErrors(failures);
}

/** One step: no failure, or its failures; a FatalError propagates. */
async function attempt(what: string, run: () => unknown): Promise<StepFailure[]> {
  try {
    await run();
    return [];
  } catch (e) {
    if (e instanceof FatalError) throw e;
    return stepFailures(what, e);
  }
}
