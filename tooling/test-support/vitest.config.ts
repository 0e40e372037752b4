import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@skc/source"] },
  ssr: { resolve: { conditions: ["@skc/source"] } },
  // Bringing a cluster up takes seconds; apt is never run by a test.
  test: { include: ["src/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 120_000 },
});
