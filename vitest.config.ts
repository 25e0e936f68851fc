import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // every test yields to the event loop first: see the file
    setupFiles: ["test/setup/yield.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // integration files each use their own namespaces; two workers match the 2-core CI machine
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    pool: "forks",
    reporters: ["default"],
  },
});
