// Prints one closing line over every runner: "tests: N passed, N failed, N skipped".
import fs from "node:fs";

function read(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}
let passed = 0, failed = 0, skipped = 0;
// The SQLite run and the PostgreSQL run (vitest.pg.config.mts); a missing report counts as a failure.
for (const file of ["test-results/vitest.json", "test-results/vitest-pg.json"]) {
  const v = read(file);
  if (v) {
    passed += v.numPassedTests ?? 0;
    failed += (v.numFailedTests ?? 0) + (v.numFailedTestSuites && !v.numFailedTests ? v.numFailedTestSuites : 0);
    skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
  } else failed += 1;
}
const p = read("test-results/playwright.json");
if (p?.stats) {
  passed += p.stats.expected ?? 0;
  failed += (p.stats.unexpected ?? 0) + (p.stats.flaky ?? 0);
  skipped += p.stats.skipped ?? 0;
} else failed += 1;
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
