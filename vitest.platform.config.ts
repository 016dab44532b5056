import { defineConfig } from "vitest/config";

// The platform suite validates and plans terraform/platform and terraform/bootstrap with the
// real hashicorp/aws provider, which our CI machines cannot obtain: it is never part of
// `npm test`, and fails (never skips) where no provider is available.
export default defineConfig({
  test: {
    include: ["test/platform/**/*.test.ts"],
    testTimeout: 30 * 60_000,
    hookTimeout: 10 * 60_000,
    fileParallelism: false,
  },
});
