/**
 * `skc eval --method-module FILE --method NAME`: a test-time method written
 * outside the packages (test-support/next-class-method.mjs predicts
 * (backbone argmax + shift) mod U) runs in every protocol and in
 * `--method all`; its top-1 is checked against what this test computes from
 * the bundle's own logits and labels.
 */
import fs from "node:fs";
import path from "node:path";
import type { CompareResult } from "@skeleton-cache/evaluate";
import { readNpy, toIntArray } from "@skeleton-cache/formats";
import type { EvalReport } from "@skeleton-cache/report";
import { repoPath, tempDir } from "@skeleton-cache/test-support";
import { unregisterMethod } from "@skeleton-cache/tta";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { captureIo } from "./test-support/io.js";

const MODULE = repoPath("apps/eval/src/test-support/next-class-method.mjs");
const DEMO = repoPath("apps/eval/assets/demo");
const readJson = <T>(file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as T;

/** Top-1 (percent) of predicting (argmax of the demo's base logits + shift) mod U. */
function nextClassTop1(shift: number): number {
  const logits = readNpy(path.join(DEMO, "logits.npy"));
  const labels = toIntArray(readNpy(path.join(DEMO, "labels.npy")));
  const [N, U] = logits.shape as [number, number];
  let correct = 0;
  for (let n = 0; n < N; n++) {
    let best = 0;
    for (let u = 1; u < U; u++) if (logits.data[n * U + u]! > logits.data[n * U + best]!) best = u;
    if ((best + shift) % U === labels[n]) correct++;
  }
  return (100 * correct) / N;
}

async function skcEval(args: string[], module = MODULE) {
  const capture = captureIo();
  const code = await main(["eval", "--demo", "synthetic", "--method-module", module, ...args], capture.io);
  return { code, stdout: capture.stdout, stderr: capture.stderr };
}

afterAll(() => {
  unregisterMethod("next-class");
});

describe("skc eval --method-module", () => {
  it.each(["online", "validation", "orders", "reference"])(
    "a method from the user's own module runs the %s protocol with the top-1 its rule gives",
    async (protocol) => {
      const out = path.join(tempDir(), protocol);
      const args = [
        "--method",
        "next-class",
        "--protocol",
        protocol,
        "--orders",
        "3",
        "--out",
        out,
        "--quiet",
      ];
      const result = await skcEval([...args, "--no-plots"]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const report = readJson<EvalReport>(path.join(out, "report.json"));
      expect(report.method.name).toBe("next-class");
      const shift = report.params.shift as number;
      expect(shift === 1 || shift === 2).toBe(true);
      expect(report.results.cache.top1.percent).toBeCloseTo(nextClassTop1(shift), 10);
      expect(nextClassTop1(shift)).not.toBeCloseTo(report.results.backbone.top1.percent, 5);
      if (protocol === "orders")
        for (const top1 of report.orders!.top1) expect(top1).toBeCloseTo(nextClassTop1(shift), 10);
    },
  );

  it("--method all puts it beside the shipped methods, with its own page", async () => {
    const out = path.join(tempDir(), "all");
    const result = await skcEval(["--method", "all", "--out", out, "--quiet", "--no-plots", "--orders", "2"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const compare = readJson<CompareResult>(path.join(out, "compare.json"));
    const row = compare.rows.find((r) => r.method === "next-class");
    expect(row?.top1).toBeCloseTo(nextClassTop1(1), 10);
    expect(fs.existsSync(path.join(out, "next-class", "report.json"))).toBe(true);
  });

  it("a module that cannot be imported, or registers no method, is refused naming the flag (exit 2)", async () => {
    const dir = tempDir();
    const absent = path.join(dir, "absent.mjs");
    const missing = await skcEval(["--method", "next-class", "--out", path.join(dir, "a")], absent);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--method-module ${absent}: no such file`);
    const empty = path.join(dir, "empty.mjs");
    fs.writeFileSync(empty, "export const nothing = 1;\n");
    const none = await skcEval(["--out", path.join(dir, "b")], empty);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /--method-module .*empty\.mjs: the module was imported but registered no new/,
    );
  });
});
