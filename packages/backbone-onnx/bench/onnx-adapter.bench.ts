/**
 * Throughput of the ONNX adapter (samples/s) on the committed tiny ST-GCN
 * fixture at batch 1, 16 and 64: skeleton batch in, person-averaged features
 * (N, 64, 16, 25) and logits (N, 60) out, adapter overhead included.
 *
 *   node --conditions=@skc/source --import tsx packages/backbone-onnx/bench/onnx-adapter.bench.ts [--threads N] [--seconds S]
 *
 * Not a test: figures depend on the machine. `runOnnxAdapterBench` returns the
 * rows for a harness (`pnpm bench`).
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { seededRandom } from "@skeleton-cache/tensor";
import { loadOnnxBackbone } from "../src/index.js";

export interface OnnxBenchRow {
  readonly name: string;
  readonly batch: number;
  readonly threads: number | "default";
  readonly runs: number;
  readonly samplesPerSecond: number;
  readonly msPerBatch: number;
}

export interface OnnxBenchOptions {
  readonly batches?: readonly number[];
  /** onnxruntime intra-op threads; undefined = onnxruntime's default. */
  readonly threads?: number;
  /** Minimum measured time per batch size, in seconds. */
  readonly seconds?: number;
}

const MODEL = fileURLToPath(new URL("../fixtures/stgcn-tiny/model.onnx", import.meta.url));

export async function runOnnxAdapterBench(options: OnnxBenchOptions = {}): Promise<OnnxBenchRow[]> {
  const batches = options.batches ?? [1, 16, 64];
  const seconds = options.seconds ?? 2;
  const backbone = await loadOnnxBackbone({
    model: MODEL,
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
  });
  const rows: OnnxBenchRow[] = [];
  try {
    const random = seededRandom(42);
    for (const batch of batches) {
      const shape = [batch, 3, 64, 25, 2];
      const data = Float32Array.from({ length: batch * 3 * 64 * 25 * 2 }, () => random.normal());
      const x = { data, shape };
      for (let i = 0; i < 2; i++) await backbone.run(x); // warm-up
      let runs = 0;
      const start = process.hrtime.bigint();
      let elapsed = 0;
      while (elapsed < seconds || runs < 3) {
        await backbone.run(x);
        runs++;
        elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      }
      rows.push({
        name: "onnx-adapter/stgcn-tiny",
        batch,
        threads: options.threads ?? "default",
        runs,
        samplesPerSecond: (runs * batch) / elapsed,
        msPerBatch: (elapsed * 1000) / runs,
      });
    }
  } finally {
    await backbone.close();
  }
  return rows;
}

function printTable(rows: readonly OnnxBenchRow[]): void {
  console.log("| model | batch | threads | runs | samples/s | ms/batch |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.batch} | ${r.threads} | ${r.runs} | ${r.samplesPerSecond.toFixed(1)} | ${r.msPerBatch.toFixed(2)} |`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (flag: string): string | undefined => {
    const at = process.argv.indexOf(flag);
    return at >= 0 ? process.argv[at + 1] : undefined;
  };
  const threads = arg("--threads");
  const seconds = arg("--seconds");
  const rows = await runOnnxAdapterBench({
    ...(threads !== undefined ? { threads: Number(threads) } : {}),
    ...(seconds !== undefined ? { seconds: Number(seconds) } : {}),
  });
  printTable(rows);
}
