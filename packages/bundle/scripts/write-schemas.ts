/**
 * Writes the JSON Schema of a bundle's meta.json (schemas/bundle-meta.schema.json)
 * from the zod schema in src/types.ts; a test checks the file is current.
 *
 *   pnpm --filter @skeleton-cache/bundle schemas
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "@skeleton-cache/formats";
import { bundleMetaJsonSchema } from "../src/types.js";

const file = fileURLToPath(new URL("../schemas/bundle-meta.schema.json", import.meta.url));
writeFileAtomic(file, bundleMetaJsonSchema());
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
