import { defineConfig } from "vitest/config";

// One vitest process for the whole workspace; each package has its own
// vitest.config.ts (source resolution through the "@skc/source" condition,
// timeouts): projects do not inherit test options from this file.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "tooling/utd-mhad", "tooling/test-support"],
  },
});
