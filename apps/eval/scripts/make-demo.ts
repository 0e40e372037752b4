/**
 * Regenerates the shipped SYNTHETIC demo bundle (apps/eval/assets/demo/)
 * byte for byte from the seeded generator, or with --check verifies that the
 * committed files are exactly what the generator makes.
 *
 *   pnpm --filter @skeleton-cache/eval make-demo [--check]
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "@skeleton-cache/formats";
import { demoFiles } from "../src/demo.js";

const root = fileURLToPath(new URL("../assets/demo/", import.meta.url));
const check = process.argv.includes("--check");
let differing = 0;
for (const [dir, files] of demoFiles()) {
  for (const [name, bytes] of files) {
    const target = path.join(root, dir, name);
    if (check) {
      const same = fs.existsSync(target) && Buffer.compare(fs.readFileSync(target), Buffer.from(bytes)) === 0;
      if (!same) {
        differing++;
        process.stderr.write(`differs: ${target}\n`);
      }
    } else {
      writeFileAtomic(target, bytes);
      process.stdout.write(`wrote ${path.relative(process.cwd(), target)} (${bytes.length} bytes)\n`);
    }
  }
}
if (check) {
  process.stdout.write(differing === 0 ? "demo bundle is up to date\n" : `${differing} file(s) differ\n`);
  process.exitCode = differing === 0 ? 0 : 1;
}
