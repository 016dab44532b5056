import { defineConfig } from "vitest/config";

// A shared external emulator (MOTO_ENDPOINT, as in the Dagger `test` function) is reset by
// every test file, so files must then run one at a time.
const sharedEmulator = Boolean(process.env.MOTO_ENDPOINT);

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/e2e/**", "test/platform/**", "node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: !sharedEmulator,
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      // Text for people; Cobertura (GitLab, CodeBuild), lcov and a JSON summary (the run record) for machines.
      reporter: ["text-summary", "text", "cobertura", "lcovonly", "json-summary"],
    },
  },
});
