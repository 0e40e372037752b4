/**
 * `extractBundle` (what `skc extract` runs) on every core: UTD-MHAD (all 861 samples, every class of
 * the model, the folder linked `copies` times under new subject numbers so
 * that start-up does not dominate: 5 166 samples by default) through a
 * committed UTD-MHAD ST-GCN, descriptors-only, written to a temporary
 * folder. Five ways, interleaved in one run (best of `rounds`): everything on
 * one thread; one 2-thread session with parsing inline; one or two workers
 * that parse + preprocess feeding one 2-thread session ("preprocess");
 * workers that each run a 1-thread session ("sessions").
 * Reported: wall time of the whole command (model load, worker start-up,
 * listing included) and the steady rate over the second half of the chunks
 * (what a dataset-scale run sees once start-up and warm-up are behind);
 * ratios against the single thread of the same run.
 *
 *   node --conditions=@skc/source --import tsx packages/extract/bench/extract.bench.ts [--rounds 2] [--copies 6]
 *
 * Workers run the compiled worker (packages/extract/dist) when it is built, so build
 * first (`pnpm build`); from source they start through tsx, which adds about
 * a second of start-up per worker. Not a test: figures depend on the machine
 * and its load (reported).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { preprocessSequence, resolvePreprocessing, UtdMhadDataset } from "@skeleton-cache/datasets";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const MODEL = path.join(REPO, "benchmarks/utd-mhad/models/utd_mhad_22_5/seed0/model.onnx");
const DATA = path.join(
  path.resolve(process.env.SKC_DATA ?? path.join(REPO, "..", "shared", "data")),
  "real/utd-mhad",
);

export interface ExtractBenchRow {
  readonly name: string;
  readonly mode: string;
  readonly samples: number;
  readonly wallSeconds: number;
  readonly samplesPerSecond: number;
  readonly steadySamplesPerSecond: number;
  readonly ratioToSingleThread: number;
  readonly steadyRatioToSingleThread: number;
  readonly loadAverage: number;
}

interface Mode {
  readonly name: string;
  readonly options: Record<string, unknown>;
}

const MODES: readonly Mode[] = [
  { name: "single thread (parse + 1-thread session)", options: { workers: 0, threads: 1 } },
  { name: "one 2-thread session, parsing inline", options: { workers: 0, threads: 2 } },
  {
    name: "one worker parses + preprocesses, one 2-thread session",
    options: { workers: 1, parallel: "preprocess", threads: 2 },
  },
  {
    name: "two workers parse + preprocess, one 2-thread session",
    options: { workers: 2, parallel: "preprocess", threads: 2 },
  },
  { name: "two workers, a 1-thread session each", options: { workers: 2, parallel: "sessions" } },
];

/** The package: compiled when built (workers start fast), else the source. */
async function extractModule() {
  const dist = path.join(REPO, "packages/extract/dist/index.js");
  const source = path.join(REPO, "packages/extract/src/index.ts");
  return (await import(
    pathToFileURL(fs.existsSync(dist) ? dist : source).href
  )) as typeof import("../src/index.js");
}

/** A folder of links to the UTD-MHAD files, `copies` times (copy c: subject s → s + 8c). */
function linkedData(dir: string, copies: number): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const entry of fs.readdirSync(DATA)) {
    const match = /^a(\d+)_s(\d+)_t(\d+)_skeleton\.mat$/.exec(entry);
    if (!match) continue;
    for (let copy = 0; copy < copies; copy++)
      fs.symlinkSync(
        path.join(DATA, entry),
        path.join(dir, `a${match[1]}_s${Number(match[2]) + 8 * copy}_t${match[3]}_skeleton.mat`),
      );
  }
  return dir;
}

/** Parsing + preprocessing alone, one thread: ms per sample. */
function parseCost(): number {
  const dataset = new UtdMhadDataset(DATA);
  const preprocessing = resolvePreprocessing({
    frames: 64,
    bodies: 1,
    temporal: "resample",
    center: "first-frame",
  });
  const start = process.hrtime.bigint();
  const names = dataset.list().map((s) => s.name);
  for (const name of names) preprocessSequence(dataset.load(name), preprocessing);
  return Number(process.hrtime.bigint() - start) / 1e6 / names.length;
}

export async function runExtractBench(
  options: { rounds?: number; copies?: number } = {},
): Promise<{ rows: ExtractBenchRow[]; parseMsPerSample: number; compiledWorkers: boolean } | null> {
  if (!fs.existsSync(DATA) || !fs.existsSync(MODEL)) return null;
  const { extractBundle } = await extractModule();
  const compiledWorkers = fs.existsSync(path.join(REPO, "packages/extract/dist/worker.js"));
  // The "onnx" adapter, on this thread and in every worker: compiled for compiled workers (they load no TypeScript).
  const onnx = compiledWorkers
    ? "packages/backbone-onnx/dist/index.js"
    : "packages/backbone-onnx/src/index.ts";
  const pluginModules = [pathToFileURL(path.join(REPO, onnx)).href];
  const rounds = options.rounds ?? 2;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skc-extract-bench-"));
  const data = linkedData(path.join(tmp, "utd-mhad"), options.copies ?? 6);
  const best = new Map<string, { wall: number; steady: number; samples: number; load: number }>();
  try {
    const parseMsPerSample = parseCost();
    for (let round = 0; round < rounds; round++) {
      for (const [m, mode] of MODES.entries()) {
        const out = path.join(tmp, `r${round}-m${m}`);
        const { threads, ...rest } = mode.options as { threads?: number };
        const config = path.join(tmp, `config-${m}.json`);
        fs.writeFileSync(config, JSON.stringify({ model: MODEL, ...(threads ? { threads } : {}) }));
        const ticks: { at: number; count: number }[] = [];
        let done = 0;
        const onProgress = (progress: { done: number }) => {
          if (progress.done > done) ticks.push({ at: performance.now(), count: progress.done - done });
          done = progress.done;
        };
        const load = os.loadavg()[0]!;
        const started = performance.now();
        const result = await extractBundle(
          {
            backboneConfig: config,
            data,
            dataset: "utd-mhad",
            classes: "all",
            descriptorsOnly: true,
            out,
            ...rest,
          },
          { pluginModules, onProgress },
        );
        const wall = (performance.now() - started) / 1000;
        // The second half of the chunks: start-up and warm-up (module loading, JIT, first model runs) are behind.
        const half = Math.floor(ticks.length / 2);
        const late = ticks.slice(half + 1).reduce((sum, t) => sum + t.count, 0);
        const steady = late / ((ticks.at(-1)!.at - ticks[half]!.at) / 1000);
        const previous = best.get(mode.name);
        best.set(mode.name, {
          wall: Math.min(wall, previous?.wall ?? Number.POSITIVE_INFINITY),
          steady: Math.max(steady, previous?.steady ?? 0),
          samples: result.numSamples,
          load: Math.max(load, previous?.load ?? 0),
        });
        fs.rmSync(out, { recursive: true, force: true });
        process.stderr.write(
          `extract bench: ${mode.name}: ${wall.toFixed(2)} s (${(result.numSamples / wall).toFixed(0)} samples/s, steady ${steady.toFixed(0)}), load ${load.toFixed(2)}\n`,
        );
      }
    }
    const single = best.get(MODES[0]!.name)!;
    const rows = MODES.map((mode): ExtractBenchRow => {
      const b = best.get(mode.name)!;
      return {
        name: `extract utd-mhad: ${mode.name}`,
        mode: mode.name,
        samples: b.samples,
        wallSeconds: b.wall,
        samplesPerSecond: b.samples / b.wall,
        steadySamplesPerSecond: b.steady,
        ratioToSingleThread: single.wall / b.wall,
        steadyRatioToSingleThread: b.steady / single.steady,
        loadAverage: b.load,
      };
    });
    return { rows, parseMsPerSample, compiledWorkers };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const flag = (name: string, fallback: number) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? Number(process.argv[at + 1]) : fallback;
  };
  const result = await runExtractBench({ rounds: flag("--rounds", 2), copies: flag("--copies", 6) });
  if (!result) process.stderr.write(`extract bench: no UTD-MHAD data at ${DATA}; skipped\n`);
  else process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
}
