/**
 * Writes the JSON Schema of report.json (schemas/eval-report.schema.json)
 * from the zod schema in src/eval-report.ts; a test checks the file is current.
 *
 *   pnpm --filter @skeleton-cache/report schemas
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "@skeleton-cache/formats";
import { evalReportJsonSchema } from "../src/eval-report.js";

const file = fileURLToPath(new URL("../schemas/eval-report.schema.json", import.meta.url));
writeFileAtomic(file, evalReportJsonSchema());
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
