// The verdict of a vitest run, judged by what actually ran, not by vitest's exit status alone.
//
// 1. As a vitest reporter (`--reporter=./scripts/vitest-verdict.mjs`, with TSCNI_VITEST_SUMMARY=FILE):
//    at the end of the run writes FILE = { passed, failed, skipped, brokenFiles, brokenSuites,
//    unhandled: [messages], reason } from every test file's results.
// 2. As a command (`node scripts/vitest-verdict.mjs FILE --rc N [--skipped-fail]`): prints the one line
//    "N passed, M failed[, K skipped]" and exits 0 only when nothing failed.
//
// Why: vitest exits 1 on any unhandled error, including its own worker RPC timeout
// (`[vitest-worker]: Timeout calling "onTaskUpdate"`, a fixed 60 s, tripped when a test file keeps the
// worker's event loop busy that long; the report is complete and every result stands). That one error
// alone does not make a run red. Every other unhandled error, a file that failed to load, a failing
// hook, an interrupted run, a missing summary or a non-zero exit status nothing above explains counts
// as a failure. --skipped-fail (the VM stage) counts skipped tests as failures too.
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const HARMLESS = [/\[vitest-worker\]: Timeout calling "onTaskUpdate"/];

export default class VerdictReporter {
  onTestRunEnd(testModules, unhandledErrors, reason) {
    const file = process.env.TSCNI_VITEST_SUMMARY;
    if (!file) return;
    const s = { passed: 0, failed: 0, skipped: 0, brokenFiles: [], brokenSuites: [], unhandled: [], reason };
    for (const m of testModules) {
      if (m.errors().length > 0) s.brokenFiles.push(m.moduleId);
      for (const suite of m.children.allSuites()) if (suite.errors().length > 0) s.brokenSuites.push(suite.fullName);
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === "passed") s.passed++;
        else if (state === "failed") s.failed++;
        else s.skipped++;
      }
    }
    s.unhandled = unhandledErrors.map((e) => `${e.name ?? "Error"}: ${e.message}`);
    writeFileSync(file, JSON.stringify(s, null, 2));
  }
}

/** { line, ok } for a summary, vitest's exit status and the skip policy. */
export function verdict(summary, rc, skippedFail) {
  if (!summary) return { line: "0 passed, 1 failed", ok: false, notes: ["no vitest summary: the run did not finish"] };
  const notes = [];
  const real = summary.unhandled.filter((e) => !HARMLESS.some((h) => h.test(e)));
  let failed = summary.failed + summary.brokenFiles.length + summary.brokenSuites.length + real.length;
  for (const f of summary.brokenFiles) notes.push(`file failed to run: ${f}`);
  for (const s of summary.brokenSuites) notes.push(`suite hook failed: ${s}`);
  for (const e of real) notes.push(`unhandled error: ${e}`);
  if (summary.unhandled.length > real.length) notes.push("ignored: vitest worker RPC timeout (results complete)");
  if (summary.reason === "interrupted") (failed++, notes.push("run interrupted"));
  if (skippedFail && summary.skipped > 0) (failed += summary.skipped, notes.push(`${summary.skipped} skipped tests count as failed here`));
  // vitest's own verdict: a non-zero status is explained only by failures counted above or harmless errors
  if (rc !== 0 && failed === 0 && real.length === summary.unhandled.length) (failed++, notes.push(`vitest exited ${rc} for no reason found in its results`));
  const skipped = skippedFail ? 0 : summary.skipped;
  return { line: `${summary.passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""), ok: failed === 0, notes };
}

function main(argv) {
  const file = argv[0];
  const rcAt = argv.indexOf("--rc");
  const rc = rcAt >= 0 ? Number(argv[rcAt + 1]) : 0;
  let summary;
  try {
    summary = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    summary = undefined;
  }
  const v = verdict(summary, Number.isInteger(rc) ? rc : 1, argv.includes("--skipped-fail"));
  for (const n of v.notes) console.error(`verdict: ${n}`);
  console.log(v.line);
  process.exit(v.ok ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
