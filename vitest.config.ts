import { defineConfig } from "vitest/config";

// One vitest process for the whole workspace; each package has its own
// vitest.config.ts (source resolution through the "@skc/source" condition).
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
