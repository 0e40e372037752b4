/**
 * The real-data demo: one UTD-MHAD bundle of the benchmark in
 * benchmarks/utd-mhad (real Kinect v1 skeletons → this project's own seen-class
 * ST-GCN, exported to ONNX → descriptors), copied into assets/demo-utd-mhad/
 * with its samples in a seeded random order, so that the online protocol's
 * stream is not sorted by class. The test bundle is the zero-shot bundle of
 * split 22/5, seed 0; the validation bundle is the same split's fold 0
 * (held-out seen classes, its own backbone).
 */
import fs from "node:fs";
import path from "node:path";
import { encodeNpy, readNpy, writeFileAtomic } from "@skeleton-cache/formats";
import { permutation, shapeSize } from "@skeleton-cache/tensor";

/** Which benchmark bundles the demo copies, and the seed of their stream order. */
export const UTD_DEMO_SPEC = {
  test: { dir: ".", from: "benchmarks/utd-mhad/bundles/utd_mhad_22_5/seed0", orderSeed: 22_5 },
  validation: {
    dir: "validation",
    from: "benchmarks/utd-mhad/bundles/utd_mhad_22_5/fold0",
    orderSeed: 22_50,
  },
} as const;

/** Rows of a C-order array reordered: out[i] = in[order[i]]. */
function reorderRows<
  T extends { length: number; subarray(a: number, b: number): T; set(src: T, at: number): void },
>(data: T, make: (length: number) => T, rowSize: number, order: readonly number[]): T {
  const out = make(data.length);
  for (let row = 0; row < order.length; row++) {
    const from = order[row]! * rowSize;
    out.set(data.subarray(from, from + rowSize), row * rowSize);
  }
  return out;
}

/** The files of one demo bundle, as bytes (deterministic), from the benchmark bundle at `source`. */
export function utdDemoBundleFiles(
  repoRoot: string,
  source: string,
  orderSeed: number,
): Map<string, Uint8Array> {
  const dir = path.join(repoRoot, source);
  const descriptors = readNpy(path.join(dir, "descriptors.npy"));
  const logits = readNpy(path.join(dir, "logits.npy"));
  const labels = readNpy(path.join(dir, "labels.npy"));
  const classIds = fs.readFileSync(path.join(dir, "class_ids.npy"));
  const meta = JSON.parse(fs.readFileSync(path.join(dir, "meta.json"), "utf8")) as Record<string, unknown>;
  const samples = descriptors.shape[0]!;
  const order = permutation(samples, orderSeed);
  const perDescriptor = shapeSize(descriptors.shape) / samples;
  const perLogits = shapeSize(logits.shape) / samples;
  const files = new Map<string, Uint8Array>();
  files.set(
    "descriptors.npy",
    encodeNpy(
      reorderRows(descriptors.data as Float32Array, (n) => new Float32Array(n), perDescriptor, order),
      descriptors.shape,
      "f4",
    ),
  );
  files.set(
    "logits.npy",
    encodeNpy(
      reorderRows(logits.data as Float32Array, (n) => new Float32Array(n), perLogits, order),
      logits.shape,
      "f4",
    ),
  );
  files.set(
    "labels.npy",
    encodeNpy(
      reorderRows(labels.data as BigInt64Array, (n) => new BigInt64Array(n), 1, order),
      labels.shape,
      "i8",
    ),
  );
  files.set("class_ids.npy", new Uint8Array(classIds));
  const names = Array.isArray(meta.sampleNames) ? (meta.sampleNames as string[]) : [];
  const demoMeta = {
    ...meta,
    demo: `skc eval's real-data demo: a copy of ${source} with its samples in a seeded random stream order (permutation(N, ${orderSeed}) of tensor's seededRandom); made by apps/eval/scripts/make-demo.ts`,
    samples: `all ${samples} samples of the candidate classes, in a seeded random order`,
    sampleNames: order.map((i) => names[i] ?? String(i)),
  };
  files.set("meta.json", new TextEncoder().encode(`${JSON.stringify(demoMeta, null, 1)}\n`));
  return files;
}

/** The real-data demo's files per sub-directory of assets/demo-utd-mhad. */
export function utdDemoFiles(repoRoot: string): Map<string, Map<string, Uint8Array>> {
  const out = new Map<string, Map<string, Uint8Array>>();
  for (const part of [UTD_DEMO_SPEC.test, UTD_DEMO_SPEC.validation]) {
    out.set(part.dir, utdDemoBundleFiles(repoRoot, part.from, part.orderSeed));
  }
  return out;
}

/** Writes the real-data demo (each file atomically). */
export function writeUtdDemo(repoRoot: string, target: string): string[] {
  const written: string[] = [];
  for (const [dir, files] of utdDemoFiles(repoRoot)) {
    for (const [name, bytes] of files) {
      writeFileAtomic(path.join(target, dir, name), bytes);
      written.push(path.join(target, dir, name));
    }
  }
  return written;
}
