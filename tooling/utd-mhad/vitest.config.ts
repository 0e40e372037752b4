import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@skc/source"] },
  ssr: { resolve: { conditions: ["@skc/source"] } },
  test: { include: ["src/**/*.test.ts"] },
});
