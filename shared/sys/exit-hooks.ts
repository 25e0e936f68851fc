// Work that must happen right before the process exits (e.g. handing parked nfnetlink sockets to a
// reaper). Modules register here only once they are used, so a plugin that never touches them
// does not even load them (start-up time).
const hooks: (() => void)[] = [];

export function onExit(hook: () => void): void {
  hooks.push(hook);
}

/** Runs every registered hook once; a failing hook does not stop the others. */
export function runExitHooks(): void {
  for (const hook of hooks.splice(0)) {
    try {
      hook();
    } catch {
      /* best effort: the process is exiting anyway */
    }
  }
}
