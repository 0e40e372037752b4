/**
 * When a bundle needs `class_ids`: what the bundle docs (packages/bundle and
 * this app's README) say, against what `skc eval` does. A dataset prior
 * (every class of a dataset, e.g. the shipped `utd-mhad`) is matched to the
 * bundle's candidates by their dataset class ids, so a directory bundle
 * without class_ids.npy is refused; with a split or uniform prior it is
 * optional.
 */
import fs from "node:fs";
import path from "node:path";
import { writeBundleDir } from "@skeleton-cache/bundle";
import { seededRandom } from "@skeleton-cache/tensor";
import { repoPath, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { captureIo } from "./test-support/io.js";

/** The text of the `## ` section whose heading matches, up to the next `## ` heading. */
function section(file: string, heading: RegExp): string {
  const text = fs.readFileSync(file, "utf8");
  const start = text.split(/^(?=## )/m).find((part) => heading.test(part.split("\n")[0]!));
  expect(start, `${path.relative(repoPath(), file)}: no "## " section matching ${heading}`).toBeDefined();
  return start!;
}

/** A directory bundle of 4 UTD-MHAD classes (dataset ids 4, 14, 17, 23), without class_ids.npy when `withIds` is false. */
function utdBundle(dir: string, withIds: boolean): void {
  const random = seededRandom(3);
  const [n, u, c] = [16, 4, 8];
  writeBundleDir(dir, {
    kind: "descriptors",
    logits: { data: Float32Array.from({ length: n * u }, () => random.next()), shape: [n, u] },
    descriptors: {
      data: Float32Array.from({ length: n * 8 * c }, () => random.next() - 0.5),
      shape: [n, 8, c],
    },
    labels: Int32Array.from({ length: n }, (_, i) => i % u),
    classIds: Int32Array.of(4, 14, 17, 23),
    meta: { dataset: "utd-mhad" },
  });
  if (!withIds) fs.rmSync(path.join(dir, "class_ids.npy"));
}

async function evalWith(bundle: string, prior: string, out: string) {
  const io = captureIo();
  const args = ["eval", "--bundle", bundle, "--prior", prior, "--out", out, "--quiet", "--no-plots"];
  const code = await main([...args, "--no-ablations", "--orders", "0"], io.io);
  return { code, stderr: io.stderr };
}

describe("class_ids: the bundle docs against skc eval", () => {
  it("the docs say class_ids is needed with a dataset prior and show a NumPy bundle that writes it", () => {
    const format = section(repoPath("packages/bundle/README.md"), /^# @skeleton-cache\/bundle/);
    const row = format.split("\n").find((line) => line.startsWith("| `classIds`"));
    expect(row).toMatch(/class_ids.*needed with a dataset prior/);
    const numpy = section(repoPath("packages/bundle/README.md"), /NumPy/);
    expect(numpy).toMatch(/dataset prior/);
    const code = /```python\n([\s\S]*?)```/.exec(numpy)?.[1] ?? "";
    for (const file of ["logits.npy", "labels.npy", "class_ids.npy", "descriptors.npy", "meta.json"])
      expect(code, `the NumPy example writes ${file}`).toContain(file);
    const bundles = section(repoPath("apps/eval/README.md"), /^## Bundles/);
    expect(bundles).toMatch(/class_ids\.npy[^.]*needed[^.]*dataset prior/);
  });

  it("skc eval: a dataset prior refuses a directory bundle without class_ids.npy (exit 2, nothing written)", async () => {
    const root = tempDir("skc-class-ids-");
    const bundle = path.join(root, "bundle");
    utdBundle(bundle, false);
    const refused = await evalWith(bundle, "utd-mhad", path.join(root, "refused"));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/utd-mhad: .*dataset prior.*class_ids\.npy/);
    expect(fs.existsSync(path.join(root, "refused"))).toBe(false);
  });

  it("skc eval: with class_ids.npy the dataset prior runs; without it a uniform prior runs", async () => {
    const root = tempDir("skc-class-ids-");
    const withIds = path.join(root, "with-ids");
    utdBundle(withIds, true);
    expect((await evalWith(withIds, "utd-mhad", path.join(root, "a"))).code).toBe(0);
    const withoutIds = path.join(root, "without-ids");
    utdBundle(withoutIds, false);
    expect((await evalWith(withoutIds, "uniform", path.join(root, "b"))).code).toBe(0);
  });
});
