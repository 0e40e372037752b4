/**
 * `pnpm bench`: how fast Skeleton-Cache runs and how it grows.
 * Writes bench/results.json and bench/results.md and prints the table.
 * Every figure comes from this one run on this machine; ratios compare
 * measurements taken in the same run.
 *
 *   pnpm bench [--quick] [--only SECTION,...]
 *     --quick: shorter timings and small data-path bundles, for a smoke run (writes nothing)
 *     --only: run only these sections (adapt, extract, kernels, e2e, memory, onnx, data, report,
 *       extract-cores, slurm); writes nothing
 * The slurm section (bench/slurm.ts) also writes the scale sheet, docs/scale.md.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeBundleDir } from "@skeleton-cache/bundle";
import { SkeletonCache } from "@skeleton-cache/cache";
import { DescriptorExtractor } from "@skeleton-cache/descriptors";
import { writeFileAtomic } from "@skeleton-cache/formats";
import { uniformPrior } from "@skeleton-cache/prior";
import { NUM_SLOTS } from "@skeleton-cache/skeleton";
import { seededRandom } from "@skeleton-cache/tensor";
import { onlinePass, SkeletonCacheMethod } from "@skeleton-cache/tta";
import { dataPathBench } from "./data-path.js";
import { kernelBench } from "./kernels.js";
import { reportHtmlBench } from "./report-html.js";
import { type SlurmBenchResult, scaleSheet, slurmBench } from "./slurm.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const QUICK = process.argv.includes("--quick");
const ONLY = (() => {
  const at = process.argv.indexOf("--only");
  return at >= 0 ? new Set((process.argv[at + 1] ?? "").split(",")) : null;
})();
const runs = (section: string) => ONLY === null || ONLY.has(section);
const SECONDS = QUICK ? 0.25 : 1.2;

interface Row {
  readonly group: string;
  readonly name: string;
  readonly [key: string]: string | number | boolean;
}
const rows: Row[] = [];

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function randomArray(length: number, seed: number, relu = false): Float32Array {
  const random = seededRandom(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const v = random.normal();
    out[i] = relu ? Math.max(0, v) : v;
  }
  return out;
}

/** Runs `body(count)` repeatedly for at least `seconds`; returns seconds per unit. */
function measure(body: (count: number) => void, unitsPerCall: number, seconds = SECONDS): number {
  body(1); // warm-up (JIT, caches)
  let calls = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds || calls < 3) {
    body(unitsPerCall);
    calls++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return elapsed / (calls * unitsPerCall);
}

// ---------------------------------------------------------------- adapt loop
function adaptLoop(): void {
  const C = 256;
  const D = 8;
  for (const kernel of ["wasm", "js"] as const) {
    for (const U of kernel === "js" ? [24] : [5, 24, 120, 1000]) {
      for (const K of kernel === "js" ? [8] : [8, 16]) {
        const pool = 512;
        const descriptors = randomArray(pool * D * C, U * 31 + K);
        const logits = randomArray(pool * U, U * 7 + K);
        const method = new SkeletonCacheMethod({
          numClasses: U,
          channels: C,
          prior: uniformPrior(U, 0.3),
          alpha: 1,
          beta: 5,
          K,
          hedge: "off",
          kernel,
        });
        // Fill every block so retrieval walks U·K keys (steady state).
        for (let block = 0; block < U; block++) {
          for (let position = 0; position < K; position++) {
            const keyOffset = ((block * K + position) % pool) * D * C;
            method.cache.insert({ block, key: descriptors, keyOffset, entropy: 1, id: -1 });
          }
        }
        let next = 0;
        const secondsPerSample = measure(
          (count) => {
            for (let i = 0; i < count; i++) {
              const sample = next++ % pool;
              method.stepDescriptors(logits, sample * U, descriptors, sample * D * C, sample);
            }
          },
          Math.max(1, Math.round(20000 / (U * K))),
        );
        const macs = D * U * K * C;
        rows.push({
          group: "adapt",
          name: `adapt U=${U} K=${K} C=${C} (${kernel})`,
          kernel,
          U,
          K,
          C,
          samplesPerSecond: 1 / secondsPerSample,
          nsPerSlotKeyChannel: (secondsPerSample * 1e9) / macs,
          gflops: (2 * macs) / secondsPerSample / 1e9,
          cacheBytes: method.cache.byteLength,
        });
        log(`adapt ${kernel} U=${U} K=${K}: ${(1 / secondsPerSample).toFixed(0)} samples/s`);
      }
    }
  }
}

/** Least-squares fit of seconds per sample against U·K (wasm rows, C = 256). */
function fitGrowth(): Record<string, number> {
  const points = rows
    .filter((r) => r.group === "adapt" && r.kernel === "wasm")
    .map((r) => ({ x: (r.U as number) * (r.K as number), y: 1e6 / (r.samplesPerSecond as number) }));
  const n = points.length;
  const meanX = points.reduce((a, p) => a + p.x, 0) / n;
  const meanY = points.reduce((a, p) => a + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const p of points) {
    sxy += (p.x - meanX) * (p.y - meanY);
    sxx += (p.x - meanX) ** 2;
    syy += (p.y - meanY) ** 2;
  }
  const slope = sxy / sxx;
  // Exponent b of time ∝ (U·K)^b on log–log axes: 1 means linear growth.
  const logs = points.map((p) => ({ x: Math.log(p.x), y: Math.log(p.y) }));
  const mlx = logs.reduce((a, p) => a + p.x, 0) / n;
  const mly = logs.reduce((a, p) => a + p.y, 0) / n;
  let lxy = 0;
  let lxx = 0;
  for (const p of logs) {
    lxy += (p.x - mlx) * (p.y - mly);
    lxx += (p.x - mlx) ** 2;
  }
  return {
    usPerKey: slope,
    usIntercept: meanY - slope * meanX,
    r2: (sxy * sxy) / (sxx * syy),
    exponent: lxy / lxx,
  };
}

// ---------------------------------------------------- descriptor extraction
function extraction(): void {
  const C = 256;
  const V = 25;
  for (const T of [13, 25, 75]) {
    const samples = 64;
    const perSample = C * T * V;
    const features = randomArray(samples * perSample, T, true);
    const out = new Float32Array(8 * C);
    const copyTarget = new Float32Array(perSample);
    let next = 0;
    // The floors: one plain streaming pass over the same F.
    let sink = 0;
    const sumPass = measure((count) => {
      for (let i = 0; i < count; i++) {
        const base = (next++ % samples) * perSample;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let j = 0; j < perSample - 3; j += 4) {
          s0 += features[base + j]!;
          s1 += features[base + j + 1]!;
          s2 += features[base + j + 2]!;
          s3 += features[base + j + 3]!;
        }
        sink += s0 + s1 + s2 + s3;
      }
    }, 16);
    const copyPass = measure((count) => {
      for (let i = 0; i < count; i++) {
        const base = (next++ % samples) * perSample;
        copyTarget.set(features.subarray(base, base + perSample));
      }
    }, 16);
    const result: Record<string, number> = {};
    for (const kernel of ["wasm", "js"] as const) {
      const extractor = new DescriptorExtractor(C, T, V, { kernel });
      result[kernel] = measure((count) => {
        for (let i = 0; i < count; i++)
          extractor.extractInto(features, (next++ % samples) * perSample, out, 0);
      }, 16);
    }
    if (sink === 42) log("");
    rows.push({
      group: "extract",
      name: `extract C=${C} T=${T} V=${V}`,
      C,
      T,
      V,
      samplesPerSecond: 1 / result.wasm!,
      jsKernelSamplesPerSecond: 1 / result.js!,
      plainSumPassSamplesPerSecond: 1 / sumPass,
      copyPassSamplesPerSecond: 1 / copyPass,
      ratioToSumPass: result.wasm! / sumPass,
      ratioToCopyPass: result.wasm! / copyPass,
      gigabytesPerSecond: (perSample * 4) / result.wasm! / 1e9,
    });
    log(`extract T=${T}: ${(1 / result.wasm!).toFixed(0)} samples/s (sum pass ${(1 / sumPass).toFixed(0)})`);
  }
}

// ------------------------------------------------------------- end to end
function endToEnd(tmp: string): string {
  const N = 10000;
  const U = 24;
  const C = 256;
  const random = seededRandom(5);
  const labels = new Int32Array(N);
  for (let i = 0; i < N; i++) labels[i] = random.int(U);
  const descriptors = randomArray(N * 8 * C, 17, true);
  const logits = randomArray(N * U, 18);
  const dir = path.join(tmp, "bundle-10k");
  writeBundleDir(dir, {
    kind: "descriptors",
    logits: { data: logits, shape: [N, U] },
    descriptors: { data: descriptors, shape: [N, NUM_SLOTS, C] },
    labels,
    classIds: Int32Array.from({ length: U }, (_, u) => u),
    meta: { synthetic: true, source: "bench/run.ts, random descriptors" },
  });
  const input = {
    logits: { data: logits, shape: [N, U] },
    descriptors: { data: descriptors, shape: [N, NUM_SLOTS, C] },
  };
  const options = { numClasses: U, channels: C, prior: uniformPrior(U, 0.3), alpha: 1, beta: 5, K: 8 };
  const seconds = measure(() => onlinePass(input, new SkeletonCacheMethod(options)), 1, QUICK ? 0.5 : 2);
  rows.push({
    group: "e2e",
    name: `onlinePass over an in-memory bundle N=${N} U=${U} K=8 C=${C}`,
    samplesPerSecond: N / seconds,
    seconds,
  });
  // F volumes, descriptors extracted on the way: a smaller bundle.
  const NF = 600;
  const T = 25;
  const features = randomArray(NF * C * T * 25, 19, true);
  const inputF = {
    logits: { data: logits.subarray(0, NF * U), shape: [NF, U] },
    features: { data: features, shape: [NF, C, T, 25] },
  };
  const secondsF = measure(() => onlinePass(inputF, new SkeletonCacheMethod(options)), 1, QUICK ? 0.5 : 2);
  rows.push({
    group: "e2e",
    name: `onlinePass from F volumes N=${NF} U=${U} C=${C} T=${T} V=25 (extraction included)`,
    samplesPerSecond: NF / secondsF,
    seconds: secondsF,
  });
  log(
    `e2e: ${(N / seconds).toFixed(0)} samples/s (descriptors), ${(NF / secondsF).toFixed(0)} samples/s (F)`,
  );
  return dir;
}

// ---------------------------------------------------------------- memory
function memory(bundleDir: string): void {
  for (const [U, K] of [
    [5, 8],
    [24, 8],
    [120, 8],
    [1000, 16],
  ] as const) {
    const cache = new SkeletonCache({ numClasses: U, K, numSlots: 8, channels: 256, kernel: "js" });
    rows.push({
      group: "memory",
      name: `cache bytes U=${U} K=${K} C=256`,
      U,
      K,
      bytes: cache.byteLength,
      entries: U * K,
    });
  }
  const child = spawnSync(
    process.execPath,
    ["--conditions=@skc/source", "--import", "tsx", path.join(HERE, "stream-eval.ts"), bundleDir],
    { cwd: HERE, encoding: "utf8" },
  );
  if (child.status !== 0) throw new Error(`stream-eval failed: ${child.stderr}`);
  const report = JSON.parse(child.stdout.trim().split("\n").pop()!);
  rows.push({
    group: "memory",
    name: "peak RSS, streaming eval of a 10 000-sample descriptor bundle",
    ...report,
  });
  log(`peak RSS ${(report.maxRssBytes / 2 ** 20).toFixed(0)} MiB`);
  // Allocation in the per-sample loop: garbage collections forced by allocation during 100 000 steps.
  const gcRun = spawnSync(
    process.execPath,
    [
      "--expose-gc",
      "--trace-gc",
      "--conditions=@skc/source",
      "--import",
      "tsx",
      path.join(HERE, "alloc-check.ts"),
      "100000",
    ],
    { cwd: HERE, encoding: "utf8" },
  );
  if (gcRun.status !== 0) throw new Error(`alloc-check failed: ${gcRun.stderr}`);
  const measured = gcRun.stdout.split("ALLOC-CHECK-START")[1]?.split("ALLOC-CHECK-END")[0] ?? "";
  const collections = measured.split("\n").filter((line) => line.includes("allocation failure")).length;
  rows.push({
    group: "alloc",
    name: "allocation-triggered GCs during 100 000 adapt steps (12 500 of them from F)",
    collections,
  });
  log(`allocation-triggered GCs in the adapt loop: ${collections}`);
}

// ------------------------------------------------------------------ onnx
async function onnx(): Promise<void> {
  const modulePath = path.join(HERE, "../packages/backbone-onnx/bench/onnx-adapter.bench.ts");
  if (!fs.existsSync(modulePath)) return;
  const { runOnnxAdapterBench } = (await import(modulePath)) as {
    runOnnxAdapterBench: (o: { seconds?: number; threads?: number }) => Promise<Record<string, unknown>[]>;
  };
  for (const threads of [1, 2]) {
    for (const row of await runOnnxAdapterBench({ seconds: QUICK ? 0.3 : 1.5, threads })) {
      rows.push({
        group: "onnx",
        name: `onnx adapter stgcn-tiny batch ${row.batch} threads ${threads}`,
        ...(row as object),
      } as Row);
    }
  }
}

// ------------------------------------------------------- extraction (extractBundle, what skc extract runs)
let extractMeta: { parseMsPerSample: number; compiledWorkers: boolean } | null = null;
async function extractOnCores(): Promise<void> {
  const modulePath = path.join(HERE, "../packages/extract/bench/extract.bench.ts");
  if (!fs.existsSync(modulePath)) return;
  const { runExtractBench } = (await import(modulePath)) as {
    runExtractBench: (o: { rounds?: number; copies?: number }) => Promise<{
      rows: Record<string, unknown>[];
      parseMsPerSample: number;
      compiledWorkers: boolean;
    } | null>;
  };
  const result = await runExtractBench({ rounds: QUICK ? 1 : 2, copies: QUICK ? 1 : 6 });
  if (!result) {
    log("extract: no UTD-MHAD data (SKC_DATA); section skipped");
    return;
  }
  extractMeta = { parseMsPerSample: result.parseMsPerSample, compiledWorkers: result.compiledWorkers };
  for (const row of result.rows) rows.push({ group: "extract-cores", ...(row as object) } as Row);
}

// ------------------------------------------------------- the cluster path (a job array on a local Slurm)
let slurm: SlurmBenchResult | { readonly skipped: string } | null = null;
async function slurmSection(tmp: string): Promise<void> {
  slurm = await slurmBench(tmp, QUICK, log);
  if ("skipped" in slurm) {
    log(`slurm: section skipped: ${slurm.skipped}`);
    return;
  }
  for (const run of slurm.tasks)
    for (const [i, task] of run.perTask.entries())
      rows.push({ group: "slurm", name: `${run.tasks} array task(s), task ${i}`, ...task });
  rows.push({ group: "slurm", name: "merge", ...slurm.merge });
}

function fmt(value: number, digits = 0): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function markdown(growth: Record<string, number>, meta: Record<string, unknown>): string {
  const lines: string[] = [];
  lines.push("# Benchmarks", "");
  lines.push(
    `Machine: ${meta.cpu}, ${meta.cores} cores, Node ${meta.node}; one thread unless said. ${meta.date}. Load average (1 min, other processes included) ${fmt(meta.loadAverageAtStart as number, 1)} at the start, ${fmt(meta.loadAverageAtEnd as number, 1)} at the end: figures measured on a busy machine are slower and noisier; ratios within one run stay comparable.`,
    "",
  );
  lines.push("## Adapt loop (retrieval + fusion + cache update; descriptors given; every block full)", "");
  lines.push(
    "| U | K | C | kernel | samples/s | ns per slot·key·channel | GFLOP/s |",
    "|---|---|---|---|---|---|---|",
  );
  for (const r of rows.filter((row) => row.group === "adapt")) {
    lines.push(
      `| ${r.U} | ${r.K} | ${r.C} | ${r.kernel} | ${fmt(r.samplesPerSecond as number)} | ${fmt(r.nsPerSlotKeyChannel as number, 3)} | ${fmt(r.gflops as number, 2)} |`,
    );
  }
  if (growth.r2 !== undefined) {
    lines.push(
      "",
      `Growth: time per sample = ${fmt(growth.usIntercept!, 2)} µs + ${fmt(growth.usPerKey! * 1000, 2)} ns × U·K (least squares over the wasm rows, R² = ${fmt(growth.r2!, 4)}); on log–log axes time ∝ (U·K)^${fmt(growth.exponent!, 3)}.`,
      "Keys take 8·U·K·C·4 bytes: up to U·K = 1920 they fit in the 32 MiB L3 cache; at U = 1000 (32–64 MB of keys) retrieval streams from memory, which raises the ns per slot·key·channel.",
      "The arithmetic floor is 8·U·K·C multiply-adds per sample.",
      "",
    );
  }
  lines.push("## Descriptor extraction (C = 256, V = 25)", "");
  lines.push(
    "| T | samples/s (wasm) | samples/s (js) | plain sum pass | TypedArray copy pass | ratio to sum pass | ratio to copy pass | GB/s of F |",
    "|---|---|---|---|---|---|---|---|",
  );
  for (const r of rows.filter((row) => row.group === "extract")) {
    lines.push(
      `| ${r.T} | ${fmt(r.samplesPerSecond as number)} | ${fmt(r.jsKernelSamplesPerSecond as number)} | ${fmt(r.plainSumPassSamplesPerSecond as number)} | ${fmt(r.copyPassSamplesPerSecond as number)} | ${fmt(r.ratioToSumPass as number, 2)} | ${fmt(r.ratioToCopyPass as number, 2)} | ${fmt(r.gigabytesPerSecond as number, 2)} |`,
    );
  }
  const kernelRows = rows.filter((row) => row.group === "kernels");
  if (kernelRows.length > 0) {
    lines.push(
      "",
      "## Kernels: run-time specialised against WebAssembly text (descriptor kernel, C = 256, V = 25)",
      "",
      "The product's descriptor kernel is assembled at run time, specialised to (T, V, phases, parts); the same computation written once as WebAssembly text looping over them (`bench/descriptors-generic.wat`, compiled here by wabt) gives the same bits. Time ratio text / specialised, best of interleaved rounds: one sample resident in cache (as after a chunk is read, the data path) and a batch of 64 samples streamed from memory.",
      "",
      "| T | specialised, resident (samples/s) | text, resident | ratio | specialised, batch of 64 | text, batch of 64 | ratio | same bits |",
      "|---|---|---|---|---|---|---|---|",
    );
    for (const r of kernelRows) {
      lines.push(
        `| ${r.T} | ${fmt(r.specialisedResidentPerSecond as number)} | ${fmt(r.genericResidentPerSecond as number)} | ${fmt(r.residentRatio as number, 2)} | ${fmt(r.specialisedBatchPerSecond as number)} | ${fmt(r.genericBatchPerSecond as number)} | ${fmt(r.batchRatio as number, 2)} | ${r.bitIdentical ? "yes" : "NO"} |`,
      );
    }
  }
  lines.push("", "## End to end", "", "| run | samples/s |", "|---|---|");
  for (const r of rows.filter((row) => row.group === "e2e"))
    lines.push(`| ${r.name} | ${fmt(r.samplesPerSecond as number)} |`);
  const onnxRows = rows.filter((row) => row.group === "onnx");
  if (onnxRows.length > 0) {
    lines.push("", "## ONNX adapter (committed tiny ST-GCN fixture, T = 64, V = 25, M = 2)", "");
    lines.push("| batch | threads | samples/s | ms per batch |", "|---|---|---|---|");
    for (const r of onnxRows) {
      lines.push(
        `| ${r.batch} | ${r.threads} | ${fmt(r.samplesPerSecond as number)} | ${fmt(r.msPerBatch as number, 2)} |`,
      );
    }
  }
  const html = rows.filter((row) => row.group === "report-html");
  if (html.length > 0) {
    const size = html.find((row) => row.name === "size")!;
    lines.push(
      "",
      `## report.html (N = ${size.N}, U = ${size.U}, C = ${size.C}, SYNTHETIC run with skeleton files)`,
      "",
    );
    lines.push(
      `Size ${fmt((size.total as number) / 1e6, 2)} MB: inlined vega + vega-lite + vega-embed ${fmt((size.libraries as number) / 1e6, 2)} MB, chart data ${fmt((size["data.charts"] as number) / 1e6, 2)} MB, per-sample columns ${fmt((size["data.samples"] as number) / 1e6, 2)} MB, traced samples ${fmt((size["data.trace"] as number) / 1e6, 2)} MB, skeleton clips ${fmt((size["data.playback"] as number) / 1e6, 2)} MB, page code ${fmt((size.client as number) / 1e3, 0)} kB.`,
      "",
      "| what | seconds | ratio |",
      "|---|---|---|",
    );
    for (const r of html.filter((row) => row.name !== "size"))
      lines.push(
        `| ${r.name} | ${fmt(r.seconds as number, 3)} | ${r.ratio === undefined ? "" : fmt(r.ratio as number, 2)} |`,
      );
  }
  const extractRows = rows.filter((row) => row.group === "extract-cores");
  if (extractRows.length > 0 && extractMeta) {
    lines.push(
      "",
      `## skc extract on every core (UTD-MHAD × ${extractRows[0]!.samples === 861 ? 1 : Math.round((extractRows[0]!.samples as number) / 861)} = ${extractRows[0]!.samples} samples, utd_mhad_22_5/seed0 model, descriptors only)`,
      "",
    );
    lines.push(
      `Parsing + preprocessing alone: ${fmt(extractMeta.parseMsPerSample, 3)} ms per sample (one thread). Workers ran ${extractMeta.compiledWorkers ? "the compiled worker" : "from source through tsx (slower start-up)"}. Best of the rounds, interleaved; 1-minute load average when each started.`,
      "",
      "| how | wall s | samples/s | steady samples/s | × single thread (wall) | × single thread (steady) | load |",
      "|---|---|---|---|---|---|---|",
    );
    for (const r of extractRows) {
      lines.push(
        `| ${r.mode} | ${fmt(r.wallSeconds as number, 2)} | ${fmt(r.samplesPerSecond as number)} | ${fmt(r.steadySamplesPerSecond as number)} | ${fmt(r.ratioToSingleThread as number, 2)} | ${fmt(r.steadyRatioToSingleThread as number, 2)} | ${fmt(r.loadAverage as number, 2)} |`,
      );
    }
  }
  if (slurm && "skipped" in slurm)
    lines.push("", `## skc extract as a Slurm job array`, "", `Skipped: ${slurm.skipped}.`);
  else if (slurm) {
    lines.push(
      "",
      "## skc extract as a Slurm job array (local single-node Slurm, 2 CPUs; the scale sheet: docs/scale.md)",
      "",
      "| array tasks | samples per task | seconds per task | samples/s per task |",
      "|---|---|---|---|",
    );
    for (const run of slurm.tasks)
      lines.push(
        `| ${run.tasks} | ${run.perTask.map((t) => fmt(t.samples)).join(", ")} | ${run.perTask.map((t) => fmt(t.seconds, 2)).join(", ")} | ${run.perTask.map((t) => fmt(t.samples / t.seconds)).join(", ")} |`,
      );
    lines.push(
      "",
      `Start-up of a task ${fmt(slurm.startupSeconds, 2)} s; \`skc bundle merge\` ${fmt(slurm.merge.secondsPerGB, 2)} s per GB (${fmt(slurm.merge.bytes / 1e9, 2)} GB synthetic F bundle, 4 parts).`,
    );
  }
  for (const r of rows.filter((row) => row.group === "alloc")) {
    lines.push("", `Allocation: ${r.collections} ${r.name} (\`bench/alloc-check.ts\`, \`node --trace-gc\`).`);
  }
  dataPathMarkdown(lines);
  lines.push("", "## Memory", "", "| what | bytes |", "|---|---|");
  for (const r of rows.filter((row) => row.group === "memory")) {
    lines.push(`| ${r.name} | ${fmt((r.bytes ?? r.maxRssBytes) as number)} |`);
  }
  lines.push("");
  return lines.join("\n");
}

function dataPathMarkdown(lines: string[]): void {
  const data = rows.filter((row) => row.group === "data");
  if (data.length === 0) return;
  lines.push(
    "",
    "## Data path: a feature-volume bundle (N × 256 × 25 × 25 float32, a directory of .npy) streamed and described",
    "",
    "In process: `readBundleDescriptors` reads F in chunks straight into the descriptor kernel's memory and describes each chunk (Eq. 3–4); against a plain chunked `readSync` of the same files into one 8 MB buffer (and into a buffer of one sample, the data path's chunk), best of interleaved rounds (median in brackets). End to end from F adds the online pass (U = 24, K = 8).",
    "",
    "| run | GB | plain readSync, 8 MB buffer | plain readSync, one-sample buffer | data path (read F + descriptors) | data path / 8 MB read | end to end from F |",
    "|---|---|---|---|---|---|---|",
  );
  for (const r of data.filter((row) => row.kind === "warm")) {
    const gb = (r.bytes as number) / 1e9;
    const rate = (seconds: number) => `${fmt(gb / seconds, 2)} GB/s (${fmt(seconds, 3)} s)`;
    lines.push(
      `| ${r.name} | ${fmt(gb, 2)} | ${rate(r.plain8MSeconds as number)} [${fmt(r.plain8MMedian as number, 3)} s] | ${rate(r.plainChunkSeconds as number)} | ${rate(r.dataPathSeconds as number)} [${fmt(r.dataPathMedian as number, 3)} s] | ${fmt(r.ratioToPlain8M as number, 2)} [${fmt(r.ratioToPlain8MMedian as number, 2)}] | ${fmt((r.samples as number) / (r.e2eSeconds as number))} samples/s |`,
    );
  }
  for (const r of data.filter((row) => row.kind === "warm")) {
    lines.push(
      "",
      `Where the data path's time goes beyond the read (same run, best of rounds): the descriptor kernel alone, each sample resident in cache, ${fmt(r.kernelSeconds as number, 3)} s; the first write to a fresh (N, 8, C) float32 array (${fmt(((r.samples as number) * 8 * 256 * 4) / 2 ** 20, 0)} MiB, where the descriptors go; its pages are faulted in on first touch) ${fmt(r.firstTouchSeconds as number, 3)} s in this process, whose allocator reuses pages it had before, but ${fmt(r.freshTouchSeconds as number, 3)} s (median) in a fresh process, as \`skc eval\` is one: ${fmt(((r.freshTouchSeconds as number) * 1e6) / (((r.samples as number) * 8 * 256 * 4) / 4096), 1)} µs per 4 KiB page on this machine (a VM that backs guest memory on first touch), so every array a fresh process creates pays it. The 8 MB read buffer of the plain read pays the same first touch for its own pages.`,
    );
  }
  for (const r of data.filter((row) => row.kind === "cold")) {
    lines.push(
      "",
      `Cold cache (page cache dropped with \`dd iflag=nocache\` before each run), ${r.name}: data path ${fmt(r.dataPathMedian as number, 2)} s against \`cat\` of the same files ${fmt(r.catMedian as number, 2)} s (medians of 3): ratio ${fmt(r.ratioToCat as number, 2)}.`,
    );
  }
  lines.push(
    "",
    "| peak RSS (child process: stream + describe + online pass) | bundle on disk | peak RSS | seconds |",
    "|---|---|---|---|",
  );
  for (const r of data.filter((row) => row.kind === "rss")) {
    lines.push(
      `| ${r.name} | ${fmt((r.fileBytes as number) / 1e9, 2)} GB | ${fmt((r.maxRssBytes as number) / 2 ** 20)} MiB | ${fmt(r.seconds as number, 2)} |`,
    );
  }
  const cli = data.filter((row) => row.kind === "cli");
  if (cli.length > 0) {
    lines.push(
      "",
      "| command (built CLI, spawned; wall time to the written report) | best | median of 3 |",
      "|---|---|---|",
    );
    for (const r of cli)
      lines.push(
        `| \`${r.name}\` | ${fmt(r.bestSeconds as number, 2)} s | ${fmt(r.medianSeconds as number, 2)} s |`,
      );
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = os.loadavg()[0]!;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "skc-bench-"));
  try {
    if (runs("adapt")) adaptLoop();
    const growth = runs("adapt") ? fitGrowth() : {};
    if (runs("extract")) extraction();
    if (runs("kernels")) for (const row of await kernelBench(QUICK, log)) rows.push(row);
    if (runs("e2e") || runs("memory")) {
      const bundleDir = endToEnd(tmp);
      if (runs("memory")) memory(bundleDir);
    }
    if (runs("onnx")) await onnx();
    if (runs("data")) for (const row of dataPathBench(tmp, QUICK, log)) rows.push(row);
    if (runs("report")) for (const row of await reportHtmlBench(tmp, QUICK)) rows.push(row as Row);
    if (runs("extract-cores")) await extractOnCores();
    if (runs("slurm")) await slurmSection(tmp);
    const meta = {
      date: new Date().toISOString(),
      node: process.version,
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      quick: QUICK,
      seconds: (Date.now() - started) / 1000,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: os.loadavg()[0]!,
    };
    const md = markdown(growth, meta);
    if (!QUICK && ONLY === null) {
      writeFileAtomic(
        path.join(HERE, "results.json"),
        `${JSON.stringify({ meta, growth, rows }, null, 1)}\n`,
      );
      writeFileAtomic(path.join(HERE, "results.md"), md);
      if (slurm && !("skipped" in slurm))
        writeFileAtomic(
          path.join(HERE, "..", "docs", "scale.md"),
          scaleSheet(slurm, `${meta.cpu}, ${meta.cores} cores, Node ${meta.node}, ${meta.date}`),
        );
    }
    process.stdout.write(md);
    log(`bench: ${meta.seconds.toFixed(0)} s`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
