import path from "node:path";
import { generateSynthetic, SYNTHETIC_DEFAULTS, type SyntheticOptions } from "@skeleton-cache/evaluate";
import { encodeNpy, writeFileAtomic } from "@skeleton-cache/formats";

/** The shipped demo: a test bundle (the unseen classes of NTU60 55/5) and a validation bundle (its validation classes). */
export const DEMO_SPEC = {
  test: {
    dir: ".",
    options: { seed: 2025, samples: 600, classIds: [10, 11, 19, 26, 56], channels: 64 },
    candidates: "unseen classes of ntu60_55_5",
  },
  validation: {
    dir: "validation",
    options: { seed: 2026, samples: 250, classIds: [16, 21, 25, 31, 48], channels: 64 },
    candidates: "validation (pseudo-unseen) classes of ntu60_55_5",
  },
} as const;

/**
 * The shipped GZSL demo (assets/demo-gzsl): every NTU60 class a candidate —
 * the 55 seen and 5 unseen classes of ntu60_55_5 — so `--gzsl` can be tried
 * on something shipped: `skc eval --demo synthetic-gzsl --gzsl`.
 */
export const GZSL_DEMO_SPEC = {
  options: { seed: 2027, samples: 600, classIds: Array.from({ length: 60 }, (_, id) => id), channels: 64 },
  candidates: "seen + unseen classes of ntu60_55_5 (GZSL: every NTU60 class)",
} as const;

function toInt64(values: Int32Array): BigInt64Array {
  return BigInt64Array.from(values, (v) => BigInt(v));
}

/** The files of a synthetic bundle directory, as bytes (deterministic). */
export function syntheticBundleFiles(
  options: SyntheticOptions,
  extraMeta: Record<string, unknown> = {},
): Map<string, Uint8Array> {
  const stream = generateSynthetic(options);
  const generator = { ...SYNTHETIC_DEFAULTS, ...options };
  const meta = {
    synthetic: true,
    note: "SYNTHETIC encoder outputs from the project's seeded generator (@skeleton-cache/evaluate's generateSynthetic): not a real backbone, not real skeletons.",
    source:
      "packages/evaluate/src/synthetic.ts (generateSynthetic); regenerate with `pnpm --filter @skeleton-cache/skc make-demo`",
    ...extraMeta,
    generator,
  };
  const { descriptors, logits } = stream;
  const files = new Map<string, Uint8Array>();
  files.set("descriptors.npy", encodeNpy(descriptors!.data, descriptors!.shape, "f4"));
  files.set("logits.npy", encodeNpy(logits.data, logits.shape, "f4"));
  files.set("labels.npy", encodeNpy(toInt64(stream.labels), [stream.labels.length], "i8"));
  files.set("class_ids.npy", encodeNpy(toInt64(stream.classIds!), [stream.classIds!.length], "i8"));
  files.set("meta.json", new TextEncoder().encode(`${JSON.stringify(meta, null, 1)}\n`));
  return files;
}

/** Writes a synthetic bundle directory (each file atomically). */
export function writeSyntheticBundle(
  dir: string,
  options: SyntheticOptions,
  extraMeta: Record<string, unknown> = {},
): string[] {
  const written: string[] = [];
  for (const [name, bytes] of syntheticBundleFiles(options, extraMeta)) {
    writeFileAtomic(path.join(dir, name), bytes);
    written.push(path.join(dir, name));
  }
  return written;
}

/** The demo's files per sub-directory of assets/demo. */
export function demoFiles(): Map<string, Map<string, Uint8Array>> {
  const out = new Map<string, Map<string, Uint8Array>>();
  for (const part of [DEMO_SPEC.test, DEMO_SPEC.validation]) {
    out.set(
      part.dir,
      syntheticBundleFiles(
        { ...part.options, classIds: [...part.options.classIds] },
        { dataset: "ntu60", split: "ntu60_55_5", candidates: part.candidates },
      ),
    );
  }
  return out;
}

/** The GZSL demo's files (one bundle directory, assets/demo-gzsl). */
export function gzslDemoFiles(): Map<string, Map<string, Uint8Array>> {
  const files = syntheticBundleFiles(
    { ...GZSL_DEMO_SPEC.options, classIds: [...GZSL_DEMO_SPEC.options.classIds] },
    { dataset: "ntu60", split: "ntu60_55_5", candidates: GZSL_DEMO_SPEC.candidates },
  );
  return new Map([[".", files]]);
}
