/**
 * What `skc eval` runs: the inputs its config names (a bundle, a shipped
 * demo, or raw skeletons encoded first through @skeleton-cache/extract),
 * then `evaluate` (or `compare` for --method all) of
 * @skeleton-cache/evaluate, then the run folder (@skeleton-cache/report),
 * report.html included, published whole (Ctrl-C: @skeleton-cache/cli's
 * Interrupt). Folder names, the bar and the files are the CLI's; the figures
 * are the library's.
 */
import fs from "node:fs";
import path from "node:path";
import { currentInterrupt, nothingWritten } from "@skeleton-cache/cli";
import { InterruptedError, ValueError } from "@skeleton-cache/errors";
import {
  type CompareResult,
  checkStreamSplit,
  checkValidationStream,
  compare,
  compareText,
  type EvalProgress,
  type EvalSetup,
  type EvaluateOptions,
  type Evaluation,
  evaluate,
  priorCandidates,
  SETUP_CONFIG_KEYS,
} from "@skeleton-cache/evaluate";
import { writeFileAtomic } from "@skeleton-cache/formats";
import { type ResolvedPrior, resolvePrior } from "@skeleton-cache/prior";
import {
  type ComparisonHtmlResult,
  type EvalReport,
  writeComparisonHtml,
  writeRunDirectory,
} from "@skeleton-cache/report";
import type { LabelledStream } from "@skeleton-cache/skeleton";
import { getMethodSpec, type MethodParams } from "@skeleton-cache/tta";
import type { EvalConfig } from "./config.js";
import { DEMOS, loadStream } from "./inputs.js";
import type { Progress } from "./progress.js";
import { buildReportHtml } from "./report-html/index.js";
import { toolVersions } from "./versions.js";

/** What a run evaluates: the stream, its prior and (protocol validation) the validation stream and its prior. */
export interface RunInputs {
  readonly stream: LabelledStream;
  readonly prior: ResolvedPrior;
  readonly validation: { readonly stream: LabelledStream; readonly prior: ResolvedPrior } | undefined;
  readonly isDemo: boolean;
}

/** Default run directory: deterministic, no timestamp (the method's grid values and K, e.g. online-demo-a1-b5-k8). */
export function defaultOutDir(config: EvalConfig, bundleName: string, params: MethodParams = {}): string {
  const method = config.method === "skeleton-cache" ? "" : `${config.method}-`;
  const spec = getMethodSpec(config.method === "all" ? "skeleton-cache" : config.method);
  const keys = config.protocol === "reference" ? [] : Object.keys(spec.grid);
  if ("K" in spec.params) keys.push("K");
  const short: Record<string, string> = { alpha: "a", beta: "b", K: "k" };
  const tail = keys.filter((k) => params[k] !== undefined).map((k) => `${short[k] ?? k}${params[k]}`);
  const name = [`${config.protocol}-${method}${bundleName}`, ...tail].join("-");
  return path.join("runs", name.replace(/[^A-Za-z0-9._-]/g, "_"));
}

/** How a run directory names its bundle. */
export function bundleName(stream: LabelledStream, isDemo: boolean): string {
  if (isDemo)
    return stream.meta?.synthetic === true
      ? "demo-synthetic"
      : `demo-${String(stream.meta?.dataset ?? "real")}`;
  return path.basename(stream.source ?? "").replace(/\.(npz|safetensors|pt)$/i, "") || "bundle";
}

/** Where a one-step run (dataset + backbone) writes its bundle when `extract.out` is not given. */
export function defaultExtractOut(config: EvalConfig): string | undefined {
  if (!config.extract) return undefined;
  if (config.extract.out !== undefined) return config.extract.out;
  const split = config.extract.split ?? config.split;
  const model = config.extract.model ?? config.extract.backboneConfig ?? config.extract.backbone;
  return path.join(
    "runs",
    `bundle-${path.basename(model).replace(/\.(onnx|json|ya?ml)$/i, "")}-${split ?? "classes"}`,
  );
}

/** Default folder of a comparison: runs/compare-<protocol>-<bundle>. */
export function compareOutDir(config: EvalConfig): string {
  const bundle = config.bundle
    ? path.basename(config.bundle).replace(/\.(npz|safetensors|pt)$/i, "")
    : config.extract
      ? path.basename(defaultExtractOut(config)!)
      : `demo-${config.demo}`;
  return path.join("runs", `compare-${config.protocol}-${bundle}`.replace(/[^A-Za-z0-9._-]/g, "_"));
}

/** A dataset + backbone instead of a bundle: encode it first (skc extract); returns the bundle path. */
async function extractFirst(config: EvalConfig, progress: Progress): Promise<string | undefined> {
  if (!config.extract) return config.bundle;
  if (config.bundle !== undefined) {
    throw new ValueError("give either bundle or extract (dataset + backbone), not both", {
      field: "extract",
    });
  }
  const split = config.extract.split ?? config.split;
  const out = defaultExtractOut(config)!;
  const { runExtraction } = await import("./extraction.js"); // onnxruntime and the workers load only when a run encodes
  const interrupt = currentInterrupt();
  await runExtraction({ ...config.extract, ...(split ? { split } : {}), out }, progress, interrupt.signal);
  interrupt.keeping(
    `the bundle ${out} is complete (a rerun reuses it), no run was written; rerun the same command`,
  );
  return out;
}

/** The validation bundle and its prior (protocol validation): a dataset prior covers it too, a split prior does not (then uniform). */
function validationInputs(
  config: EvalConfig,
  test: LabelledStream,
  prior: ResolvedPrior,
  isDemo: boolean,
): RunInputs["validation"] {
  const source = config.validationBundle ?? (isDemo ? DEMOS[config.demo].validation : undefined);
  if (!source) {
    throw new ValueError("protocol validation needs a validation bundle: --validation-bundle DIR|FILE", {
      field: "validationBundle",
    });
  }
  const demo = isDemo && config.validationBundle === undefined;
  const stream = loadStream(source, demo, "validationBundle", { layout: config.layout });
  checkValidationStream(test, stream);
  const spec = config.validationPrior ?? (prior.fromDatasetPrior ? prior.source : "uniform");
  return {
    stream,
    prior: resolvePrior(spec, {
      key: "validationPrior",
      uniformGamma: config.uniformGamma,
      candidates: priorCandidates(stream),
    }),
  };
}

/** The bundle (a demo's without one), its prior and split checks, and the validation inputs. */
function loadInputs(config: EvalConfig, bundlePath: string | undefined): RunInputs {
  const isDemo = bundlePath === undefined;
  const stream = loadStream(bundlePath ?? DEMOS[config.demo].dir, isDemo, "bundle", {
    layout: config.layout,
  });
  if (config.split) checkStreamSplit(stream, config.split, config.gzsl ? "gzsl" : "zsl");
  const prior = resolvePrior(config.prior ?? (isDemo ? DEMOS[config.demo].prior : undefined), {
    key: "prior",
    uniformGamma: config.uniformGamma,
    candidates: priorCandidates(stream, config.split),
  });
  const validation =
    config.protocol === "validation" ? validationInputs(config, stream, prior, isDemo) : undefined;
  return { stream, prior, validation, isDemo };
}

/** The setup @skeleton-cache/evaluate runs: the config's setup keys, the prior and the validation inputs. */
export function setupOf(config: EvalConfig, inputs: RunInputs): EvalSetup {
  const keys = Object.keys(SETUP_CONFIG_KEYS) as (keyof typeof SETUP_CONFIG_KEYS)[];
  const picked = Object.fromEntries(
    keys.flatMap((key) => (config[key] === undefined ? [] : [[key, config[key]]])),
  );
  return {
    ...(picked as Omit<EvalSetup, "prior" | "validation">),
    prior: inputs.prior,
    ...(inputs.validation ? { validation: inputs.validation } : {}),
  };
}

/** Runs `body`; when it fails (not interrupted), removes the default one-step bundle folder it created. */
async function withOneStepCleanup<T>(config: EvalConfig, body: () => Promise<T>): Promise<T> {
  const created = config.extract?.out === undefined ? defaultExtractOut(config) : undefined;
  const existed = created !== undefined && fs.existsSync(created);
  try {
    return await body();
  } catch (error) {
    if (created && !existed && !(error instanceof InterruptedError))
      fs.rmSync(created, { recursive: true, force: true });
    throw error;
  }
}

/**
 * What report.json records of the config: what decides the figures and where
 * they came from — not how the CLI showed them (quiet, plots: the report's
 * file list says what was written), nor the demo a bundle replaced.
 */
function recordedConfig(config: EvalConfig): Record<string, unknown> {
  const { quiet: _quiet, plots: _plots, demo, ...recorded } = config;
  return config.bundle === undefined && config.extract === undefined ? { ...recorded, demo } : recorded;
}

/** Reads the inputs (encoded first for a one-step run), timing the load; how `evaluate` reports and records. */
async function prepare(config: EvalConfig, progress: Progress) {
  const started = performance.now();
  const inputs = loadInputs(config, await extractFirst(config, progress));
  const load = Math.round(performance.now() - started) / 1000;
  const options: EvaluateOptions = {
    onProgress: ({ done, total, protocol }: EvalProgress) => {
      if (done > 0) return progress.tick();
      progress.stop(); // the previous method's bar (--method all)
      progress.start(total, protocol);
    },
    tool: toolVersions(),
    config: recordedConfig(config),
  };
  return { inputs, setup: setupOf(config, inputs), options, started, load };
}

/** Writes one evaluation's run folder, report.html included, published whole; returns its report with the files written. */
async function writeRun(
  config: EvalConfig,
  evaluation: Evaluation,
  outDir: string,
  clock: { readonly started: number; readonly load: number },
): Promise<EvalReport> {
  const timing: Record<string, number> = { load: clock.load, ...evaluation.report.timing };
  const report = { ...evaluation.report, timing };
  const interrupt = currentInterrupt();
  const written = await writeRunDirectory(outDir, report, evaluation.files, {
    plots: config.plots,
    onTiming: (seconds) => {
      timing.write = seconds;
      timing.total = Math.round(performance.now() - clock.started) / 1000;
    },
    complete: async (staged) => {
      const page = { stream: evaluation.stream, prior: evaluation.prior.prior, displayDir: outDir };
      interrupt.runSync(() => buildReportHtml(staged, page), "page"); // named as the folder it becomes
      await interrupt.checkpoint("after-temp-written");
    },
  });
  return { ...report, files: written };
}

/**
 * Runs the configured protocol with the configured method and writes the run
 * directory. A one-step run (dataset + backbone) that fails leaves no bundle
 * behind in the default `runs/bundle-*` folder it created (an interrupted one
 * keeps it, to be resumed).
 */
export async function runEval(
  config: EvalConfig,
  progress: Progress,
): Promise<{ readonly report: EvalReport; readonly outDir: string }> {
  const interrupt = currentInterrupt();
  return withOneStepCleanup(config, async () => {
    const { inputs, setup, options, ...clock } = await prepare(config, progress);
    const evaluation = interrupt.runSync(() => evaluate(inputs.stream, setup, options), "compute");
    progress.stop();
    await interrupt.checkpoint("after-compute");
    const name = bundleName(inputs.stream, inputs.isDemo);
    const outDir = config.out ?? defaultOutDir(config, name, evaluation.report.params);
    if (!config.extract) interrupt.keeping(nothingWritten(outDir, fs.existsSync(outDir)));
    const report = await writeRun(config, evaluation, outDir, clock);
    interrupt.keeping(
      `the run folder ${outDir} is complete (its summary: ${path.join(outDir, "report.md")})`,
    );
    await interrupt.checkpoint("after-rename");
    return { report, outDir };
  });
}

/** Whether `outDir` is absent, or holds an earlier comparison (perhaps stopped before its page: method folders only). */
function earlierComparison(outDir: string): boolean {
  const entries = fs.existsSync(outDir) ? fs.readdirSync(outDir) : [];
  const runFolder = (name: string) =>
    /\.partial-\d+$/.test(name) || fs.existsSync(path.join(outDir, name, "report.json"));
  return entries.includes("compare.json") || entries.every(runFolder);
}

/**
 * `--method all`: every registered method under the configured protocol on
 * the same bundle, each into `<out>/<method>/` (a full run directory,
 * complete or absent), and last one table in `<out>/compare.md` and
 * `<out>/compare.json` (the comparison with each method's folder), then the
 * comparison page `<out>/compare.html`.
 */
export async function runCompare(
  config: EvalConfig,
  progress: Progress,
): Promise<{ readonly result: CompareResult; readonly outDir: string; readonly page: ComparisonHtmlResult }> {
  const outDir = config.out ?? compareOutDir(config);
  const interrupt = currentInterrupt();
  if (!earlierComparison(outDir)) {
    throw new ValueError(
      `out ${outDir}: exists and is not a previous comparison (no compare.json); choose another --out`,
      { file: outDir, field: "out" },
    );
  }
  return withOneStepCleanup(config, async () => {
    const { inputs, setup, options, ...clock } = await prepare(config, progress);
    const { result, evaluations } = interrupt.runSync(
      () => compare(inputs.stream, setup, options),
      "compute",
    );
    progress.stop();
    await interrupt.checkpoint("after-compute");
    const dirs: string[] = [];
    for (const evaluation of evaluations) {
      const dir = path.join(outDir, evaluation.report.method.name);
      const report = { ...evaluation.report, config: { ...evaluation.report.config, out: dir } };
      await writeRun(config, { ...evaluation, report }, dir, clock);
      dirs.push(dir);
      const names = dirs.map((done) => path.basename(done)).join(", ");
      interrupt.keeping(
        `${dirs.length} of ${evaluations.length} methods are complete in ${outDir} (${names}); the comparison was not written; rerun the same command`,
      );
      await interrupt.checkpoint("after-rename");
    }
    await interrupt.checkpoint("before-comparison");
    const written = { ...result, rows: result.rows.map((row, i) => ({ ...row, dir: dirs[i]! })) };
    writeFileAtomic(path.join(outDir, "compare.md"), compareText(result));
    writeFileAtomic(path.join(outDir, "compare.json"), `${JSON.stringify(written, null, 1)}\n`);
    const page = writeComparisonHtml(outDir, dirs); // the comparison page, from the methods' report.json
    interrupt.keeping(`the comparison in ${outDir} is complete (its page: ${page.file})`);
    return { result, outDir, page };
  });
}
