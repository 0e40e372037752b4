/**
 * A default extraction does not hand its file order to a default eval: the
 * same raw files listed in two orders (a class-sorted listing, as UTD-MHAD's
 * file names give, and another), each extracted and then evaluated with no
 * option beyond the inputs, print byte-equal headlines that say which order
 * the stream has; the bundles record it in meta.json. Listed as they come
 * (`--sample-order listed`), the two bundles differ.
 */
import fs from "node:fs";
import path from "node:path";
import { writeSyntheticNtu } from "@skeleton-cache/datasets";
import { permutation } from "@skeleton-cache/tensor";
import { repoPath, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { captureIo } from "./test-support/io.js";

const MODEL = repoPath("packages/backbone-onnx/fixtures/stgcn-tiny/model.onnx");
const LISTED = repoPath("apps/eval/src/test-support/listed-ntu.mjs");

/** The same .skeleton files in a folder whose list.txt gives them in `order`. */
function listing(root: string, name: string, source: string, order: readonly string[]): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  for (const sample of order)
    fs.symlinkSync(path.join(source, `${sample}.skeleton`), path.join(dir, `${sample}.skeleton`));
  fs.writeFileSync(path.join(dir, "list.txt"), `${order.join("\n")}\n`);
  return dir;
}

async function run(args: string[]) {
  const io = captureIo();
  const code = await main(args, io.io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe("the order of a default extraction", () => {
  it("two listings of the same files: default extract then default eval print byte-equal headlines naming the order", async () => {
    const root = tempDir("skc-sample-order-");
    const source = path.join(root, "source");
    // ntu60_55_5's unseen classes (A011, A012, A020, A027, A057), 8 samples each, named in class order.
    const names = writeSyntheticNtu(source, { count: 40, actions: [11, 12, 20, 27, 57], frames: 24 }).sort(
      (a, b) => a.slice(-4).localeCompare(b.slice(-4)) || a.localeCompare(b),
    );
    const shuffled = permutation(names.length, 7).map((i) => names[i]!);
    const inputs = ["--model", MODEL, "--split", "ntu60_55_5", "--dataset-module", LISTED, "--quiet"];
    const headlines: string[] = [];
    const metas: Record<string, unknown>[] = [];
    for (const [name, order] of [
      ["by-class", names],
      ["shuffled", shuffled],
    ] as const) {
      const data = listing(root, name, source, order);
      const bundle = path.join(root, `bundle-${name}`);
      const extracted = await run(["extract", "--data", data, "--out", bundle, ...inputs]);
      expect([extracted.code, extracted.stderr]).toEqual([0, ""]);
      metas.push(JSON.parse(fs.readFileSync(path.join(bundle, "meta.json"), "utf8")));
      const out = path.join(root, `run-${name}`);
      const evaluated = await run(["eval", "--bundle", bundle, "--out", out]);
      expect([evaluated.code, evaluated.stderr]).toEqual([0, ""]); // no sorted-stream warning
      headlines.push(evaluated.stdout.replaceAll(bundle, "BUNDLE").replaceAll(out, "OUT"));
    }
    expect(headlines[0]).toBe(headlines[1]);
    expect(headlines[0]).toMatch(/\norder: .*seeded shuffle \(seed 0\).*independent of the files' order/);
    for (const meta of metas) expect(meta.order).toEqual({ kind: "shuffled", seed: 0 });
    expect(metas[0]!.sampleNames).toEqual(metas[1]!.sampleNames);

    // As listed, the two bundles hold the samples in their listing's order, and say so.
    for (const [name, order] of [
      ["by-class", names],
      ["shuffled", shuffled],
    ] as const) {
      const bundle = path.join(root, `listed-${name}`);
      const args = ["extract", "--data", path.join(root, name), "--out", bundle, "--sample-order", "listed"];
      expect((await run([...args, ...inputs])).code).toBe(0);
      const meta = JSON.parse(fs.readFileSync(path.join(bundle, "meta.json"), "utf8"));
      expect(meta.sampleNames).toEqual(order);
      expect(meta.order).toEqual({ kind: "listed" });
    }
  });
});
