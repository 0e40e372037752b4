/**
 * Writes the JSON Schema files of meta.json and report.json
 * (apps/eval/schemas/) from the zod schemas in src/schemas.ts.
 *
 *   pnpm --filter @skeleton-cache/skc schemas
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "@skeleton-cache/formats";
import { jsonSchemaFiles } from "../src/schemas.js";

const dir = fileURLToPath(new URL("../schemas/", import.meta.url));
for (const [name, text] of Object.entries(jsonSchemaFiles())) {
  writeFileAtomic(path.join(dir, name), text);
  process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(dir, name))}\n`);
}
