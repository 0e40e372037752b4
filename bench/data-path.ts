/**
 * The data path at the paper's scale: a feature-volume bundle (N × 256 × 25 ×
 * 25 float32, the authors' encoder's shape) is written to a temporary folder,
 * then the in-process data path (read F + descriptors, `readBundleDescriptors`)
 * is timed against a plain chunked `readSync` of the same files, warm and
 * cold; end to end from F (data path + online pass); peak RSS in a child
 * process at two sizes; and `skc eval` from start to the written report.
 * Every bundle is deleted after use.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { convertBundle, readBundleDescriptors } from "@skeleton-cache/bundle";
import { DescriptorExtractor } from "@skeleton-cache/descriptors";
import { createAtomicWriter, encodeNpy, encodeNpyHeader, writeFileAtomic } from "@skeleton-cache/formats";
import { uniformPrior } from "@skeleton-cache/prior";
import { seededRandom } from "@skeleton-cache/tensor";
import { onlinePass, SkeletonCacheMethod } from "@skeleton-cache/tta";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(HERE, "../apps/eval/dist/cli.js");
const C = 256;
const T = 25;
const V = 25;
const U = 24;

export interface DataPathRow {
  readonly group: "data";
  readonly name: string;
  readonly [key: string]: string | number | boolean;
}

/** Writes an N-sample bundle directory, F streamed (a seeded random block of 16 samples, repeated). */
export function writeBigBundle(dir: string, samples: number): number {
  fs.mkdirSync(dir, { recursive: true });
  const random = seededRandom(samples);
  const perSample = C * T * V;
  const block = new Float32Array(16 * perSample);
  for (let i = 0; i < block.length; i++) block[i] = Math.max(0, random.normal());
  const writer = createAtomicWriter(path.join(dir, "features.npy"));
  try {
    writer.write(encodeNpyHeader("f4", [samples, C, T, V]));
    for (let start = 0; start < samples; start += 16) {
      const count = Math.min(16, samples - start);
      writer.write(new Uint8Array(block.buffer, 0, 4 * count * perSample));
    }
    writer.commit();
  } catch (error) {
    writer.abort();
    throw error;
  }
  const logits = new Float32Array(samples * U);
  for (let i = 0; i < logits.length; i++) logits[i] = random.normal();
  const labels = BigInt64Array.from({ length: samples }, (_, i) => BigInt(i % U));
  writeFileAtomic(path.join(dir, "logits.npy"), encodeNpy(logits, [samples, U]));
  writeFileAtomic(path.join(dir, "labels.npy"), encodeNpy(labels, [samples]));
  writeFileAtomic(
    path.join(dir, "meta.json"),
    `${JSON.stringify({ synthetic: true, source: "bench/data-path.ts" })}\n`,
  );
  return bundleBytes(dir);
}

function bundleBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((total, name) => total + fs.statSync(path.join(dir, name)).size, 0);
}

/** A plain chunked `readSync` of every file of the bundle into one buffer of `bufferBytes`; seconds. */
export function plainRead(dir: string, bufferBytes: number): number {
  const buffer = Buffer.allocUnsafe(bufferBytes);
  const start = process.hrtime.bigint();
  for (const name of fs.readdirSync(dir)) {
    const fd = fs.openSync(path.join(dir, name), "r");
    try {
      let position = 0;
      for (;;) {
        const n = fs.readSync(fd, buffer, 0, bufferBytes, position);
        if (n === 0) break;
        position += n;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function timed(body: () => void): number {
  const start = process.hrtime.bigint();
  body();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Drops the page cache of every file of the bundle (GNU dd iflag=nocache); false when that is not possible. */
function dropCache(dir: string): boolean {
  for (const name of fs.readdirSync(dir)) {
    const result = spawnSync("dd", [`if=${path.join(dir, name)}`, "iflag=nocache", "count=0"], {
      stdio: "ignore",
    });
    if (result.status !== 0) return false;
  }
  return true;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const best = (values: number[]) => Math.min(...values);

const ONLINE = { numClasses: U, channels: C, prior: uniformPrior(U, 0.3), alpha: 1, beta: 5, K: 8 };

/** Seconds to write a fresh (N, 8, C) float32 array once: the first touch of its pages (the descriptors' cost beyond the read). */
function firstTouch(samples: number): number {
  return timed(() => new Float32Array(samples * 8 * C).fill(1));
}

/**
 * The same first write in a fresh process (as `skc eval` is one): its pages
 * were never this process's, so each is faulted in, and on a VM backed by the host on first touch.
 */
function freshProcessTouch(samples: number): number {
  const child = spawnSync(
    process.execPath,
    [
      "-e",
      `const t = process.hrtime.bigint(); new Float32Array(${samples * 8 * C}).fill(1); console.log(Number(process.hrtime.bigint() - t) / 1e9);`,
    ],
    { encoding: "utf8" },
  );
  if (child.status !== 0) throw new Error(`fresh-process touch failed: ${child.stderr}`);
  return Number(child.stdout.trim());
}

/** Seconds the descriptor kernel alone takes for N samples, each resident in cache (as right after its read). */
function kernelOnly(samples: number): number {
  const batch = new DescriptorExtractor(C, T, V).createBatch(1);
  batch.input.fill(0.5);
  batch.extract(1);
  return timed(() => {
    for (let sample = 0; sample < samples; sample++) batch.extract(1);
  });
}

function warmTimings(dir: string, samples: number, rounds: number) {
  const times = {
    plain8M: [] as number[],
    plainChunk: [] as number[],
    dataPath: [] as number[],
    e2e: [] as number[],
    firstTouch: [] as number[],
    freshTouch: [] as number[],
    kernel: [] as number[],
  };
  plainRead(dir, 8 << 20); // warm the page cache
  for (let round = 0; round < rounds; round++) {
    times.plain8M.push(plainRead(dir, 8 << 20));
    times.plainChunk.push(plainRead(dir, 4 * C * T * V));
    times.dataPath.push(timed(() => readBundleDescriptors(dir)));
    times.firstTouch.push(firstTouch(samples));
    times.freshTouch.push(freshProcessTouch(samples));
    times.kernel.push(kernelOnly(samples));
    times.e2e.push(
      timed(() => {
        const bundle = readBundleDescriptors(dir);
        onlinePass(
          { logits: bundle.logits, descriptors: bundle.descriptors },
          new SkeletonCacheMethod(ONLINE),
        );
      }),
    );
  }
  return times;
}

function coldTimings(dir: string, rounds: number): { cat: number[]; dataPath: number[] } | null {
  const cat: number[] = [];
  const dataPath: number[] = [];
  for (let round = 0; round < rounds; round++) {
    if (!dropCache(dir)) return null;
    cat.push(
      timed(() => {
        for (const name of fs.readdirSync(dir))
          spawnSync("sh", ["-c", `cat "${path.join(dir, name)}" > /dev/null`], { stdio: "ignore" });
      }),
    );
    if (!dropCache(dir)) return null;
    dataPath.push(timed(() => readBundleDescriptors(dir)));
  }
  return { cat, dataPath };
}

/** Peak RSS (and seconds) of a child that streams the bundle's descriptors and runs the online pass. */
function childRun(dir: string): { maxRssBytes: number; seconds: number; samples: number } {
  const child = spawnSync(
    process.execPath,
    ["--conditions=@skc/source", "--import", "tsx", path.join(HERE, "data-path-child.ts"), dir],
    { cwd: HERE, encoding: "utf8" },
  );
  if (child.status !== 0) throw new Error(`data-path-child failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop()!);
}

function cliSeconds(args: string[], rounds: number): number[] {
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [CLI, ...args], {
      encoding: "utf8",
      env: { ...process.env, CI: "true" },
    });
    if (result.status !== 0) throw new Error(`skc ${args.join(" ")} failed: ${result.stderr}`);
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return times;
}

/** `skc eval` end to end on the bundle, on its descriptors-only conversion, and `skc --help`, when the CLI is built. */
function cliTimings(dir: string, tmp: string, samples: number, log: (m: string) => void): DataPathRow[] {
  if (!fs.existsSync(CLI)) {
    log(`data path: ${CLI} is not built (pnpm build); skc timings skipped`);
    return [];
  }
  const descriptors = path.join(tmp, "descriptors.safetensors");
  convertBundle(dir, descriptors, { descriptorsOnly: true });
  const evalArgs = (bundle: string, out: string, extra: readonly string[] = []) => [
    "eval",
    "--bundle",
    bundle,
    "--prior",
    "uniform",
    "--no-plots",
    "--quiet",
    ...extra,
    "--out",
    path.join(tmp, out),
  ];
  const online = ["--orders", "0", "--no-ablations"];
  const mb = (fs.statSync(descriptors).size / 1e6).toFixed(0);
  const rows: DataPathRow[] = [];
  for (const [name, args] of [
    [
      `skc eval --bundle <F, N=${samples}> --prior uniform --no-plots --orders 0 --no-ablations (one online pass + report.html)`,
      evalArgs(dir, "run-f1", online),
    ],
    [`skc eval --bundle <its descriptors, ${mb} MB> (same flags)`, evalArgs(descriptors, "run-d1", online)],
    [
      `skc eval --bundle <F, N=${samples}> --prior uniform --no-plots (default: online + 10-order spread + ablations + report.html)`,
      evalArgs(dir, "run-f"),
    ],
    [`skc eval --bundle <its descriptors, ${mb} MB> (default, same flags)`, evalArgs(descriptors, "run-d")],
    ["skc --help", ["--help"]],
  ] as const) {
    const times = cliSeconds([...args], 3);
    rows.push({ group: "data", name, kind: "cli", bestSeconds: best(times), medianSeconds: median(times) });
    log(`data path: ${name}: ${best(times).toFixed(2)} s`);
  }
  fs.rmSync(descriptors, { force: true });
  return rows;
}

/** Free bytes where `dir` lives. */
function freeBytes(dir: string): number {
  const stat = fs.statfsSync(dir);
  return stat.bavail * stat.bsize;
}

export function dataPathBench(tmp: string, quick: boolean, log: (m: string) => void): DataPathRow[] {
  const rows: DataPathRow[] = [];
  const [small, large] = quick ? [200, 800] : [2000, 16000];
  const dir = path.join(tmp, `bundle-${small}`);
  const bytes = writeBigBundle(dir, small);
  try {
    const warm = warmTimings(dir, small, quick ? 2 : 5);
    const gb = bytes / 1e9;
    rows.push({
      group: "data",
      name: `warm cache, N=${small} (${gb.toFixed(2)} GB)`,
      kind: "warm",
      samples: small,
      bytes,
      plain8MSeconds: best(warm.plain8M),
      plain8MMedian: median(warm.plain8M),
      plainChunkSeconds: best(warm.plainChunk),
      dataPathSeconds: best(warm.dataPath),
      dataPathMedian: median(warm.dataPath),
      e2eSeconds: best(warm.e2e),
      firstTouchSeconds: best(warm.firstTouch),
      freshTouchSeconds: median(warm.freshTouch),
      kernelSeconds: best(warm.kernel),
      ratioToPlain8M: best(warm.dataPath) / best(warm.plain8M),
      ratioToPlain8MMedian: median(warm.dataPath) / median(warm.plain8M),
      ratioToPlainChunk: best(warm.dataPath) / best(warm.plainChunk),
    });
    log(
      `data path N=${small}: ${(gb / best(warm.dataPath)).toFixed(2)} GB/s vs plain 8 MB readSync ${(gb / best(warm.plain8M)).toFixed(2)} GB/s (ratio ${(best(warm.dataPath) / best(warm.plain8M)).toFixed(2)})`,
    );
    const cold = quick ? null : coldTimings(dir, 3);
    if (cold) {
      rows.push({
        group: "data",
        name: `cold cache, N=${small}`,
        kind: "cold",
        samples: small,
        bytes,
        catSeconds: best(cold.cat),
        catMedian: median(cold.cat),
        dataPathSeconds: best(cold.dataPath),
        dataPathMedian: median(cold.dataPath),
        ratioToCat: median(cold.dataPath) / median(cold.cat),
      });
      log(`data path cold: ${median(cold.dataPath).toFixed(2)} s vs cat ${median(cold.cat).toFixed(2)} s`);
    }
    const run = childRun(dir);
    rows.push({ group: "data", name: `peak RSS, N=${small}`, kind: "rss", ...run, fileBytes: bytes });
    log(`data path N=${small}: peak RSS ${(run.maxRssBytes / 2 ** 20).toFixed(0)} MiB`);
    rows.push(...cliTimings(dir, tmp, small, log));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // The large bundle: the biggest that fits in the free space, leaving 4 GB.
  const perSample = 4 * C * T * V + 4 * U + 8;
  const fits = Math.floor((freeBytes(tmp) - 4e9) / perSample);
  const samples = Math.min(large, fits);
  if (samples < large) log(`data path: only ${samples} samples fit in ${tmp} (wanted ${large})`);
  const bigDir = path.join(tmp, `bundle-${samples}`);
  try {
    const bigBytes = writeBigBundle(bigDir, samples);
    const run = childRun(bigDir);
    rows.push({
      group: "data",
      name: `peak RSS, N=${samples}${samples < large ? ` (largest that fits; wanted ${large})` : ""}`,
      kind: "rss",
      ...run,
      fileBytes: bigBytes,
    });
    log(
      `data path N=${samples} (${(bigBytes / 1e9).toFixed(1)} GB): peak RSS ${(run.maxRssBytes / 2 ** 20).toFixed(0)} MiB, ${run.seconds.toFixed(1)} s`,
    );
  } finally {
    fs.rmSync(bigDir, { recursive: true, force: true });
  }
  return rows;
}
