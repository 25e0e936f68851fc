// One ordered log of every step the fakes of a verb test perform, with failure injection: the step
// at index `failAt` (0-based, counted over all fakes together) throws instead of doing anything.
export class InjectedFailure extends Error {
  constructor(readonly step: string) {
    super(`injected failure at ${step}`);
    this.name = "InjectedFailure";
  }
}

export class StepLog {
  readonly names: string[] = [];
  constructor(private failAt: number | undefined = undefined) {}

  /** Records the step, or throws (once) when it is the one to fail. */
  enter(name: string): void {
    if (this.names.length === this.failAt) {
      this.failAt = undefined;
      throw new InjectedFailure(name);
    }
    this.names.push(name);
  }
}
