import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@skc/source"] },
  ssr: { resolve: { conditions: ["@skc/source"] } },
  // Generous timeouts: CI machines are small and tests spawn processes.
  test: { include: ["src/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 },
});
