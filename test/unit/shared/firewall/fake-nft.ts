// A scripted NftRunner for unit tests: records every call, answers from a queue or a default.
import type { NftRunner } from "../../../../shared/firewall/types.ts";

export interface FakeNft extends NftRunner {
  readonly runs: string[];
  readonly lists: string[];
}

type Run = { ok: boolean; output: string; error: string };
type List = { ok: boolean; items: readonly unknown[]; error: string };

export function fakeNft(opts: { runs?: Run[]; lists?: Record<string, List> } = {}): FakeNft {
  const runQueue = [...(opts.runs ?? [])];
  const runs: string[] = [];
  const lists: string[] = [];
  return {
    runs,
    lists,
    run(text) {
      runs.push(text);
      return runQueue.shift() ?? { ok: true, output: "", error: "" };
    },
    listJson(what) {
      lists.push(what);
      return opts.lists?.[what] ?? { ok: false, items: [], error: "Error: No such file or directory" };
    },
  };
}

export const OK: Run = { ok: true, output: "", error: "" };
export const FAIL: Run = { ok: false, output: "", error: "Error: Could not process rule: No such file or directory" };
