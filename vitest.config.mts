import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    include: ["lib/**/*.test.ts", "app/**/*.test.ts", "components/**/*.test.ts", "scripts/**/*.test.ts"],
    globalSetup: ["./lib/test/globalSetup.ts"],
    setupFiles: ["./lib/test/setup.ts"],
    // Crypto-heavy tests and DB tests share 2 cores; keep the pool small and the timeouts honest.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
