// Rollback by undo stack: each ADD step pushes its inverse as soon as it succeeds; on failure the
// stack unwinds in reverse, running every inverse even if some fail, and the original error wins.

export type UndoFn = () => unknown;

export class UndoStack {
  private readonly steps: { what: string; undo: UndoFn }[] = [];

  push(what: string, undo: UndoFn): void {
    this.steps.push({ what, undo });
  }

  /** Forget the inverses: ADD succeeded and everything stays. */
  commit(): void {
    this.steps.length = 0;
  }

  /** Runs every inverse in reverse order; returns the failures ("what: error") instead of throwing. */
  async unwind(): Promise<string[]> {
    const failures: string[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.undo();
      } catch (e) {
        failures.push(`${step.what}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return failures;
  }

  /** Runs body; on any error unwinds, logs the failed inverses through log, and rethrows the original. */
  async run<T>(body: (undo: UndoStack) => Promise<T> | T, log: (line: string) => void = () => {}): Promise<T> {
    try {
      const out = await body(this);
      this.commit();
      return out;
    } catch (e) {
      for (const f of await this.unwind()) log(`rollback: ${f}`);
      throw e;
    }
  }
}
