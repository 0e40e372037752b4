/**
 * `skc eval --method NAME | all` and `--param METHOD.KEY=VALUE`: every
 * protocol with every method, the comparison table, the spread over stream
 * orders printed beside a single-order result, and the errors.
 */
import fs from "node:fs";
import path from "node:path";
import type { CompareResult } from "@skeleton-cache/evaluate";
import type { EvalReport } from "@skeleton-cache/report";
import { tempDir } from "@skeleton-cache/test-support";
import { methodNames } from "@skeleton-cache/tta";
import { describe, expect, it } from "vitest";
import { writeSyntheticBundle } from "../scripts/demo-files.js";
import { main } from "./cli.js";
import { captureIo } from "./test-support/io.js";

const readJson = <T>(file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as T;

async function run(args: string[]) {
  const capture = captureIo();
  const code = await main(["eval", ...args], capture.io);
  return { code, stdout: capture.stdout, stderr: capture.stderr };
}

describe("skc eval --method", () => {
  it.each(["online", "validation", "orders", "reference"])(
    "protocol %s runs with every method",
    async (protocol) => {
      const dir = tempDir();
      for (const method of methodNames()) {
        const out = path.join(dir, method);
        const result = await run([
          "--method",
          method,
          "--protocol",
          protocol,
          "--orders",
          "2",
          "--out",
          out,
          "--quiet",
          "--no-plots",
        ]);
        expect([result.code, result.stderr]).toEqual([0, ""]);
        const report = readJson<EvalReport>(path.join(out, "report.json"));
        expect(report.method.name).toBe(method);
        expect(report.protocol.name).toBe(protocol);
        if (protocol === "reference" && !report.method.capabilities.blocksFill)
          expect(report.reference!.best.secondPassFired).toBe(false);
        if (protocol === "validation")
          expect(Object.keys(report.validation!.chosen)).toEqual(report.grid!.keys);
        expect(report.ablations === null).toBe(
          !report.method.capabilities.fusionWeights || protocol === "reference",
        );
        const csv = fs.readFileSync(path.join(out, "predictions.csv"), "utf8").trim().split("\n");
        expect(csv).toHaveLength(report.bundle.numSamples + 1);
      }
    },
  );

  it("--param sets a method's hyper-parameter; a method without class blocks reports no cache statistics", async () => {
    const out = path.join(tempDir(), "knn");
    const result = await run([
      "--method",
      "knn-past",
      "--param",
      "knn-past.k=3",
      "--param",
      "knn-past.lambda=1.5",
      "--out",
      out,
      "--no-plots",
    ]);
    expect(result.code).toBe(0);
    const report = readJson<EvalReport>(path.join(out, "report.json"));
    expect(report.params).toEqual({ k: 3, lambda: 1.5 });
    expect(report.results.cacheStatistics).toBeNull();
    expect(result.stdout).toContain("method: knn-past — k=3 lambda=1.5");
    const md = fs.readFileSync(path.join(out, "report.md"), "utf8");
    expect(md).toContain("## Per-class accuracy\n");
    expect(md).toContain(`| kNN over past samples | ${report.results.cache.top1.percent.toFixed(2)} |`);
  });

  it("GZSL works with every method", async () => {
    const dir = tempDir();
    const bundle = path.join(dir, "gzsl-bundle");
    writeSyntheticBundle(
      bundle,
      { seed: 3, samples: 80, classIds: [3, 10, 11, 30, 40], channels: 8 },
      { dataset: "ntu60" },
    );
    for (const method of methodNames()) {
      const out = path.join(dir, method);
      const args = [
        "--bundle",
        bundle,
        "--prior",
        "uniform",
        "--method",
        method,
        "--gzsl-seen",
        "3,30",
        "--out",
        out,
      ];
      const result = await run([...args, "--quiet", "--no-plots", "--no-ablations", "--orders", "0"]);
      expect([result.code, result.stderr]).toEqual([0, ""]);
      const g = readJson<EvalReport>(path.join(out, "report.json")).gzsl!;
      expect(g.seenIndices).toEqual([0, 3]);
      expect(g.cache.best.harmonic).toBe(Math.max(...g.cache.points.map((p) => p.harmonic)));
    }
  });

  it("the default run prints the one-order result beside the mean ± sd over 10 stream orders", async () => {
    const out = path.join(tempDir(), "default");
    const result = await run(["--out", out, "--no-plots", "--no-ablations"]);
    const report = readJson<EvalReport>(path.join(out, "report.json"));
    const o = report.orders!;
    expect(o.R).toBe(10);
    expect(o.streamOrderTop1).toBe(report.results.cache.top1.percent);
    expect(result.stdout).toContain(
      `Skeleton-Cache ${o.streamOrderTop1.toFixed(2)} % on this order; ${o.summary.mean.toFixed(2)} ± ${o.summary.sd.toFixed(2)} % over 10 orders`,
    );
  });

  it("--method all runs every method on the bundle and prints one table", async () => {
    const out = path.join(tempDir(), "compare");
    const result = await run([
      "--method",
      "all",
      "--orders",
      "3",
      "--out",
      out,
      "--no-plots",
      "--no-ablations",
    ]);
    expect(result.code).toBe(0);
    const compare = readJson<CompareResult>(path.join(out, "compare.json"));
    expect(compare.rows.map((r) => r.method)).toEqual(methodNames());
    const table = fs.readFileSync(path.join(out, "compare.md"), "utf8");
    expect(result.stdout.startsWith(table)).toBe(true);
    for (const row of compare.rows) {
      const report = readJson<EvalReport>(path.join(out, row.method, "report.json"));
      expect(row.top1).toBe(report.results.cache.top1.percent);
      expect(row.orders!.mean).toBe(report.orders!.summary.mean);
      expect(result.stdout).toContain(`| ${row.method} | `);
      expect(result.stdout).toContain(` | ${row.top1.toFixed(2)} | `);
    }
    // Then where each result is written: every method's report.html, and the one comparison page.
    const written = result.stdout.slice(table.length).trim().split("\n");
    expect(written[0]).toBe("written:");
    expect(written).toHaveLength(1 + compare.rows.length + 1);
    compare.rows.forEach((row, i) => {
      const page = path.join(out, row.method, "report.html");
      expect(written[1 + i]).toMatch(new RegExp(`^  ${row.method} +${page} \\(also `));
      expect(fs.existsSync(page)).toBe(true);
    });
    const comparison = path.join(out, "compare.html");
    expect(written.at(-1)).toMatch(new RegExp(`^  comparison +${comparison} `));
    expect(fs.existsSync(comparison)).toBe(true);
  });

  it("--method all gives a shorthand and a method's --param only to the methods that take them", async () => {
    const out = path.join(tempDir(), "compare-params");
    const result = await run([
      "--method",
      "all",
      "--alpha",
      "2",
      "--param",
      "knn-past.k=3",
      "--orders",
      "0",
      "--out",
      out,
      "--no-plots",
      "--no-ablations",
      "--quiet",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const params = (method: string) => readJson<EvalReport>(path.join(out, method, "report.json")).params;
    expect(params("skeleton-cache").alpha).toBe(2);
    expect(params("skeleton-cache-mean").alpha).toBe(2);
    expect(params("knn-past").k).toBe(3);
    expect(params("knn-past").alpha).toBeUndefined();
    expect(params("tda").alpha).toBeUndefined();
  });

  it("bad input: an unknown method names the known ones; a parameter the method does not take names the method", async () => {
    const out = path.join(tempDir(), "bad");
    const unknown = await run(["--method", "tent", "--out", out, "--quiet"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      "known methods: skeleton-cache, skeleton-cache-mean, knn-past, tda, or all",
    );
    const badKey = await run(["--method", "tda", "--param", "tda.k=3", "--out", out, "--quiet"]);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain('method tda takes no hyper-parameter "k"');
    const shorthand = await run(["--method", "knn-past", "--alpha", "2", "--out", out, "--quiet"]);
    expect(shorthand.code).toBe(2);
    expect(shorthand.stderr).toContain(
      'method knn-past takes no hyper-parameter "alpha" (it takes k, lambda)',
    );
    const ambiguous = await run(["--param", "k=3", "--out", out, "--quiet"]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain("is not METHOD.KEY=VALUE");
    const badValue = await run(["--method", "knn-past", "--param", "knn-past.k=0", "--out", out, "--quiet"]);
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toContain("method knn-past: k must be an integer in 1..10000, got 0");
    expect(fs.existsSync(out)).toBe(false);
  });
});
