/**
 * End to end: the built CLI (dist/cli.js, spawned) on the parity fixtures
 * and the demo, and in-process runs of the other protocols. `pnpm test`
 * builds first.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { EvalReport } from "@skeleton-cache/report";
import { childEnv, dataPath, itWithData, parityDir, REPO, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { CLI, captureIo } from "./test-support/io.js";

const PARITY = parityDir();

function skc(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: REPO,
    encoding: "utf8",
    env: childEnv({ CI: "true", NO_COLOR: "1" }),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function readCsv(file: string): Record<string, string>[] {
  const [header, ...lines] = fs.readFileSync(file, "utf8").trim().split("\n");
  const keys = header!.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [keys[i], v])));
}

function readReport(dir: string): EvalReport {
  return JSON.parse(fs.readFileSync(path.join(dir, "report.json"), "utf8")) as EvalReport;
}

/** The value cells of the report.md table row that starts with `label`. */
function mdRow(markdown: string, label: string): string[] {
  const line = markdown.split("\n").find((l) => l.startsWith(`| ${label} |`));
  if (!line) throw new Error(`report.md has no row "${label}"`);
  return line
    .split("|")
    .slice(2, -1)
    .map((cell) => cell.trim());
}

describe("skc eval on the parity fixtures (built CLI)", () => {
  it("online with params.json reproduces cache_top1; predictions.csv equals refined_pred", () => {
    const dir = path.join(PARITY, "u5-hedge");
    const params = JSON.parse(fs.readFileSync(path.join(dir, "params.json"), "utf8"));
    const expected = JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8"));
    const out = path.join(tempDir(), "run");
    const result = skc([
      "eval",
      "--bundle",
      dir,
      "--prior",
      path.join(dir, "prior.json"),
      "--alpha",
      String(params.alpha_s),
      "--beta",
      String(params.beta),
      "-K",
      String(params.K),
      "--out",
      out,
      "--no-plots",
      "--no-ablations",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const report = readReport(out);
    expect(report.results.cache.top1.percent).toBe(expected.cache_top1);
    expect(report.results.backbone.top1.percent).toBe(expected.baseline_top1);
    const rows = readCsv(path.join(out, "predictions.csv"));
    expect(Object.keys(rows[0]!).slice(0, 4)).toEqual(["index", "label", "baseline_pred", "refined_pred"]);
    expect(rows.map((r) => Number(r.index))).toEqual(rows.map((_, i) => i));
    expect(rows.map((r) => Number(r.refined_pred))).toEqual(expected.refined_pred);
    expect(rows.map((r) => Number(r.baseline_pred))).toEqual(expected.baseline_pred);
    expect(result.stdout).toContain(`Skeleton-Cache top-1: ${expected.cache_top1.toFixed(2)} %`);
  });

  it("reference reproduces the grid, the best point, the reported top-1 and the second pass", () => {
    const dir = path.join(PARITY, "u5-raw-secondpass");
    const expected = JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8"));
    const params = JSON.parse(fs.readFileSync(path.join(dir, "params.json"), "utf8"));
    const out = path.join(tempDir(), "ref");
    const result = skc([
      "eval",
      "--bundle",
      dir,
      "--prior",
      path.join(dir, "prior.json"),
      "--protocol",
      "reference",
      "--out",
      out,
      "--no-plots",
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/selected on TEST labels/i);
    const report = readReport(out);
    expect(report.protocol).toMatchObject({ name: "reference", selectsOnTestLabels: true });
    const grid = report.grid!;
    expect(grid.on).toBe("test labels");
    expect(
      grid.points.map((p) => [
        p.values.alpha,
        p.values.beta,
        p.correct,
        "secondPassFired" in p && p.secondPassFired,
      ]),
    ).toEqual(
      expected.official_reported_grid.map(
        (g: { alpha_s: number; beta: number; correct: number; second_pass_fired: boolean }) => [
          g.alpha_s,
          g.beta,
          g.correct,
          g.second_pass_fired,
        ],
      ),
    );
    const best = expected.official_reported_best;
    expect(report.reference!.best).toMatchObject({
      values: { alpha: best.alpha_s, beta: best.beta },
      correct: best.correct,
      secondPassFired: best.second_pass_fired,
    });
    expect(report.reference!.reportedTop1).toBe(expected.official_reported_top1_zsl);
    const atParams = grid.points.find(
      (p) => p.values.alpha === params.alpha_s && p.values.beta === params.beta,
    )!;
    expect("secondPassFired" in atParams && atParams.secondPassFired).toBe(expected.second_pass.fires);
    expect(atParams.correct).toBe(expected.second_pass.correct);
    const md = fs.readFileSync(path.join(out, "report.md"), "utf8");
    expect(md).toContain("Hyper-parameters selected on TEST labels");
    expect(mdRow(md, "reported top-1 (%) — selected on test labels")).toEqual([
      expected.official_reported_top1_zsl.toFixed(2),
    ]);
  });
});

describe("skc eval on the demo", () => {
  it("with no bundle: the real UTD-MHAD demo prints backbone and Skeleton-Cache top-1, side by side", () => {
    const out = path.join(tempDir(), "demo-utd");
    const result = skc(["eval", "--out", out, "--no-plots", "--no-ablations"]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("SYNTHETIC");
    expect(result.stdout).toContain("data: utd-mhad split utd_mhad_22_5");
    expect(result.stdout).toContain("prior: shipped utd-mhad — LLM-written by this project");
    const report = readReport(out);
    expect(report.synthetic).toBe(false);
    expect(report.bundle.meta.dataset).toBe("utd-mhad");
    const r = report.results;
    expect(result.stdout).toContain(
      `backbone top-1: ${r.backbone.top1.percent.toFixed(2)} %   Skeleton-Cache top-1: ${r.cache.top1.percent.toFixed(2)} %`,
    );
    // The demo copies the benchmark's 22/5 seed-0 bundle (160 samples of 5 unseen classes), in a shuffled order.
    expect(r.backbone.top1.total).toBe(160);
    const csv = readCsv(path.join(out, "predictions.csv"));
    const firstLabels = csv.slice(0, 20).map((row) => row.label);
    expect(new Set(firstLabels).size).toBeGreaterThan(1);
  });

  it("--demo synthetic: prints the SYNTHETIC demo's backbone and Skeleton-Cache top-1; report.md equals report.json; PNGs exist", () => {
    const out = path.join(tempDir(), "demo");
    const result = skc(["eval", "--demo", "synthetic", "--out", out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("SYNTHETIC");
    const report = readReport(out);
    expect(report.synthetic).toBe(true);
    const r = report.results;
    expect(result.stdout).toContain(`backbone top-1: ${r.backbone.top1.percent.toFixed(2)} %`);
    expect(result.stdout).toContain(`Skeleton-Cache top-1: ${r.cache.top1.percent.toFixed(2)} %`);
    expect(r.backbone.top1.percent).toBeGreaterThan(50);
    expect(r.backbone.top1.percent).toBeLessThan(65);
    const md = fs.readFileSync(path.join(out, "report.md"), "utf8");
    expect(md).toContain("SYNTHETIC");
    for (const [label, s] of [
      ["backbone", r.backbone],
      ["Skeleton-Cache", r.cache],
    ] as const) {
      const cells = mdRow(md, label);
      expect(cells[0]).toBe(s.top1.percent.toFixed(2));
      expect(cells[1]).toBe(s.top5!.percent.toFixed(2));
      expect(cells[2]).toBe(s.perClass.meanPercent.toFixed(2));
      expect(cells[3]).toBe(`${s.top1.correct} / ${s.top1.total}`);
    }
    for (const row of report.ablations!) {
      const cells = mdRow(md, row.descriptors);
      expect(cells).toContain(row.top1.toFixed(2));
    }
    const csv = readCsv(path.join(out, "predictions.csv"));
    expect(csv.filter((row) => row.refined_pred === row.label).length).toBe(r.cache.top1.correct);
    for (const name of ["running-accuracy", "per-class-accuracy", "confusion-matrix"]) {
      const png = fs.readFileSync(path.join(out, "plots", `${name}.png`));
      expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
      expect(fs.readFileSync(path.join(out, "plots", `${name}.svg`), "utf8")).toContain("SYNTHETIC");
    }
    expect(report.files.at(-1)).toBe("report.json");
    expect(fs.readdirSync(path.dirname(out)).filter((n) => n.includes(".partial-"))).toEqual([]);
  });

  it.each(["validation", "orders", "reference"] as const)(
    "protocol %s runs and reports its figures",
    async (protocol) => {
      const out = path.join(tempDir(), protocol);
      const capture = captureIo();
      const code = await main(
        [
          "eval",
          "--protocol",
          protocol,
          "--orders",
          "3",
          "--out",
          out,
          "--quiet",
          ...(protocol === "orders" ? [] : ["--no-plots"]),
        ],
        capture.io,
      );
      expect(capture.stderr).toBe("");
      expect(code).toBe(0);
      const report = readReport(out);
      const md = fs.readFileSync(path.join(out, "report.md"), "utf8");
      expect(report.protocol.name).toBe(protocol);
      expect(md).toContain(`protocol \`${protocol}\``);
      expect(mdRow(md, "Skeleton-Cache")[0]).toBe(report.results.cache.top1.percent.toFixed(2));
      if (protocol === "validation") {
        const v = report.validation!;
        expect(report.grid!.on).toBe("validation bundle");
        expect(report.grid!.points).toHaveLength(20);
        expect([report.params.alpha, report.params.beta]).toEqual([v.chosen.alpha, v.chosen.beta]);
        expect(mdRow(md, "chosen")).toEqual([`alpha = ${v.chosen.alpha}, beta = ${v.chosen.beta}`]);
      }
      if (protocol === "orders") {
        const o = report.orders!;
        expect(o.R).toBe(3);
        expect(o.top1).toHaveLength(3);
        expect(mdRow(md, "Skeleton-Cache top-1")).toEqual(
          [o.summary.mean, o.summary.sd, o.summary.min, o.summary.max].map((v) => v.toFixed(2)),
        );
        expect(fs.existsSync(path.join(out, "plots", "running-accuracy.png"))).toBe(true);
      }
      if (protocol === "reference") {
        expect(report.protocol.selectsOnTestLabels).toBe(true);
        expect(md).toContain("selected on TEST labels");
        expect(report.ablations).toBeNull();
      }
    },
  );
});

describe("bad input: exit 2, a message naming the culprit, no report", () => {
  it("an unknown config key", () => {
    const dir = tempDir();
    const config = path.join(dir, "run.yaml");
    fs.writeFileSync(config, "alpha: 1\nbetta: 5\n");
    const out = path.join(dir, "out");
    const result = skc(["eval", "--config", config, "--out", out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown key "betta"');
    expect(result.stderr).toContain("run.yaml");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(fs.existsSync(out)).toBe(false);
  });

  it("a missing bundle file, a bad flag value, a prior of other classes", async () => {
    const dir = tempDir();
    const out = path.join(dir, "out");
    const missing = captureIo();
    expect(await main(["eval", "--bundle", path.join(dir, "nope"), "--out", out], missing.io)).toBe(2);
    expect(missing.stderr).toContain(path.join(dir, "nope"));

    const emptyBundle = path.join(dir, "bundle");
    fs.mkdirSync(emptyBundle);
    fs.copyFileSync(path.join(PARITY, "u5-k4", "logits.npy"), path.join(emptyBundle, "logits.npy"));
    fs.copyFileSync(path.join(PARITY, "u5-k4", "features.npy"), path.join(emptyBundle, "features.npy"));
    const noLabels = captureIo();
    expect(
      await main(["eval", "--bundle", emptyBundle, "--prior", "uniform", "--out", out], noLabels.io),
    ).toBe(2);
    expect(noLabels.stderr).toContain(path.join(emptyBundle, "labels.npy"));

    const badFlag = captureIo();
    expect(await main(["eval", "--alpha", "abc", "--out", out], badFlag.io)).toBe(2);
    expect(badFlag.stderr).toMatch(/^skc eval: error: --alpha: "abc" is not a number/);

    const badProtocol = captureIo();
    expect(await main(["eval", "--protocol", "oracle"], badProtocol.io)).toBe(2);
    expect(badProtocol.stderr).toContain("oracle");

    // The demo's validation bundle holds the validation classes (ids 16, 21, ...), the prior the unseen ones (10, 11, ...).
    const mismatch = captureIo();
    const code = await main(
      [
        "eval",
        "--bundle",
        path.join(REPO, "apps/eval/assets/demo/validation"),
        "--prior",
        "ntu60_55_5",
        "--out",
        out,
      ],
      mismatch.io,
    );
    expect(code).toBe(2);
    expect(mismatch.stderr).toMatch(/class 0 is dataset id 10 \(reading\) but the bundle's class 0 is id 16/);

    const wrongCount = captureIo();
    expect(
      await main(["eval", "--demo", "synthetic", "--prior", "ntu60_48_12", "--out", out], wrongCount.io),
    ).toBe(2);
    expect(wrongCount.stderr).toMatch(/ntu60_48_12 has 12 classes but bundle .* has 5/);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(dir).filter((n) => n.includes(".partial-"))).toEqual([]);
  });

  it("refuses to overwrite a directory that is not a run directory", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "precious.txt"), "keep");
    const capture = captureIo();
    expect(await main(["eval", "--out", dir, "--no-plots", "--no-ablations", "--quiet"], capture.io)).toBe(2);
    expect(capture.stderr).toContain("not a previous run directory");
    expect(fs.readdirSync(dir)).toEqual(["precious.txt"]);
  });
});

describe("refused hyper-parameters", () => {
  it("negative α or β is refused (exit 2), from a flag or a config file", async () => {
    const capture = captureIo();
    expect(await main(["eval", "--beta", "-5", "--quiet"], capture.io)).toBe(2);
    expect(capture.stderr).toContain('skc eval: error: --beta: "-5" is not a number ≥ 0');
    const config = path.join(tempDir(), "run.yaml");
    fs.writeFileSync(config, "alpha: -1\n");
    const file = captureIo();
    expect(await main(["eval", "--config", config, "--quiet"], file.io)).toBe(2);
    expect(file.stderr).toContain(`skc eval: error: ${config}: alpha: must be ≥ 0 (found -1)`);
  });
});

describe("skc eval on a dataset + backbone (extract first)", () => {
  itWithData(
    ["real/ntu"],
    "encodes the real NTU samples with the ONNX fixture, writes the bundle, then evaluates it",
    async () => {
      const dir = tempDir();
      const config = path.join(dir, "run.yaml");
      fs.writeFileSync(
        config,
        [
          "extract:",
          `  model: ${path.join(REPO, "packages/backbone-onnx/fixtures/stgcn-tiny/model.onnx")}`,
          `  data: ${dataPath("real/ntu")}`,
          "  classes: [0, 2, 10, 16, 33, 57]",
          "  frames: 64",
          "  descriptorsOnly: true",
          `  out: ${path.join(dir, "bundle")}`,
          "prior: uniform",
          "ablations: false",
          "plots: false",
          "",
        ].join("\n"),
      );
      const capture = captureIo();
      const code = await main(
        ["eval", "--config", config, "--out", path.join(dir, "run"), "--quiet"],
        capture.io,
      );
      expect(capture.stderr).toBe("");
      expect(code).toBe(0);
      expect(fs.existsSync(path.join(dir, "bundle", "descriptors.npy"))).toBe(true);
      const report = readReport(path.join(dir, "run"));
      expect(report.bundle.numSamples).toBe(6);
      expect(report.bundle.numClasses).toBe(6);
      expect(report.bundle.classIds).toEqual([0, 2, 10, 16, 33, 57]);
    },
  );
});
