/**
 * Regenerates the shipped demo bundles byte for byte, or with --check
 * verifies that the committed files are exactly what this script makes:
 * - assets/demo-utd-mhad/: the real-data demo, copied from the UTD-MHAD
 *   benchmark bundles (benchmarks/utd-mhad) in a seeded stream order;
 * - assets/demo/: the SYNTHETIC demo from the seeded generator;
 * - assets/demo-gzsl/: the SYNTHETIC GZSL demo (every NTU60 class a candidate).
 *
 *   pnpm --filter @skeleton-cache/skc make-demo [--check]
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "@skeleton-cache/formats";
import { demoFiles, gzslDemoFiles } from "./demo-files.js";
import { utdDemoFiles } from "./utd-demo-files.js";

const assets = fileURLToPath(new URL("../assets/", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const check = process.argv.includes("--check");
let differing = 0;
const demos: [string, Map<string, Map<string, Uint8Array>>][] = [
  ["demo-utd-mhad", utdDemoFiles(repoRoot)],
  ["demo", demoFiles()],
  ["demo-gzsl", gzslDemoFiles()],
];
for (const [demo, parts] of demos) {
  for (const [dir, files] of parts) {
    for (const [name, bytes] of files) {
      const target = path.join(assets, demo, dir, name);
      if (check) {
        const same =
          fs.existsSync(target) && Buffer.compare(fs.readFileSync(target), Buffer.from(bytes)) === 0;
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
}
if (check) {
  process.stdout.write(differing === 0 ? "demo bundles are up to date\n" : `${differing} file(s) differ\n`);
  process.exitCode = differing === 0 ? 0 : 1;
}
