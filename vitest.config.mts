import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Files that spawn fleets of processes run for a minute each: started last (a fresh clone has
 * no duration cache, so vitest orders by file size), they leave one worker idle at the end.
 * Started first, the short files fill in beside them.
 */
const LONG = [/\.process\.test\.ts$/, /\/lib\/cli\//, /\/sqlite\.fault\.test\.ts$/, /\/auth\/security\.test\.ts$/];
export class LongFirst extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const long = (f: TestSpecification) => LONG.some((re) => re.test(f.moduleId));
    return [...sorted.filter(long), ...sorted.filter((f) => !long(f))];
  }
}

export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    include: ["lib/**/*.test.ts", "app/**/*.test.ts", "components/**/*.test.ts", "scripts/**/*.test.ts"],
    globalSetup: ["./lib/test/globalSetup.ts"],
    setupFiles: ["./lib/test/setup.ts"],
    // Crypto-heavy tests and DB tests share 2 cores; keep the pool small and the timeouts honest.
    pool: "forks",
    maxWorkers: 2,
    sequence: { sequencer: LongFirst },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
