import { defineConfig } from "vitest/config";

// The end-to-end suite drives the real `dagger` CLI against a real engine; it is never part
// of `npm test` (no engine can run on our CI machines) and fails when no engine answers.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    testTimeout: 30 * 60_000,
    hookTimeout: 5 * 60_000,
    fileParallelism: false,
  },
});
