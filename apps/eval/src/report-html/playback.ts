/**
 * Skeleton playback for the report: where the bundle's meta.json names its
 * samples and the folder of raw skeleton files, the raw sequences of a capped
 * set of samples are read and packed compactly (≤ 48 frames, ≤ 2 bodies,
 * x and y quantised to one byte). Nothing here throws: whatever is missing
 * becomes the section's note, and the page shows no player.
 *
 * meta.json keys read (the ones `skc extract` writes, @skeleton-cache/bundle's BundleMetaSchema):
 *   sample names   meta.sampleNames                  (array of N strings, bundle sample order)
 *   raw folder     meta.data                         (string; `skc report --data DIR` overrides)
 *   dataset        meta.dataset                      ("ntu60", "ntu120", "utd-mhad" or "pku-mmd")
 *   joint layout   meta.layout                       (a layout id, e.g. "ntu25"; else the dataset's, else NTU-25)
 */
import fs from "node:fs";
import type { SkeletonDataset } from "@skeleton-cache/datasets";
import { LAYOUTS, NTU25, type SkeletonLayout } from "@skeleton-cache/skeleton";
import { EXTRACT_DATASETS } from "../extract/options.js";
import { openDataset } from "../extract/plan.js";

/** The meta.json keys playback reads, in order of preference (documented in apps/eval/README.md). */
export const PLAYBACK_META_KEYS = {
  sampleNames: ["sampleNames"],
  dataDir: ["data"],
  dataset: ["dataset"],
  layout: ["layout"],
} as const;

/** Frames kept per clip at most (evenly spaced), bodies per frame at most. */
export const MAX_FRAMES = 48;
export const MAX_BODIES = 2;
/** Byte marking an absent body in a frame. */
const ABSENT = 255;

/** One packed sequence: `data` = base64 of (frames, bodies, V, 2) bytes, x then y, 0..254 over the clip's box. */
export interface Clip {
  readonly sample: number;
  readonly name: string;
  readonly frames: number;
  readonly sourceFrames: number;
  readonly bodies: number;
  readonly data: string;
}

export interface Playback {
  readonly available: boolean;
  /** Why there is no player, or what was left out. */
  readonly note: string;
  readonly layout: {
    readonly id: string;
    readonly numJoints: number;
    readonly bones: readonly (readonly [number, number])[];
  };
  /** Frames per second of the raw recordings (after subsampling, the player stretches time to match). */
  readonly fps: number;
  readonly clips: Clip[];
  /** The samples offered in the player, each with the cached neighbours shown beside it. */
  readonly subjects: { readonly sample: number; readonly neighbours: number[] }[];
}

function firstKey(
  meta: Record<string, unknown>,
  keys: readonly string[],
): { key: string; value: unknown } | null {
  for (const key of keys) if (meta[key] !== undefined) return { key, value: meta[key] };
  return null;
}

function layoutOf(meta: Record<string, unknown>, dataset: SkeletonDataset | null): SkeletonLayout {
  const named = firstKey(meta, PLAYBACK_META_KEYS.layout)?.value;
  if (typeof named === "string" && LAYOUTS[named]) return LAYOUTS[named]!;
  return dataset?.layout ?? NTU25;
}

function packLayout(layout: SkeletonLayout): Playback["layout"] {
  return { id: layout.id, numJoints: layout.numJoints, bones: layout.bones };
}

/** The dataset that reads the raw files, opened as `skc extract` opens it (every file listed, missing ones too). */
function datasetOf(kind: unknown, dir: string): SkeletonDataset | string {
  const known = EXTRACT_DATASETS.find((id) => id === kind);
  if (known === undefined)
    return `meta.dataset is ${JSON.stringify(kind)}; playback reads the raw files of ${EXTRACT_DATASETS.join(", ")}`;
  return openDataset({ dataset: known, data: dir, keepMissing: true });
}

/** Packs a (T, M, V, 3) sequence: ≤ MAX_FRAMES evenly spaced frames, ≤ MAX_BODIES bodies, x and y as bytes. */
export function packClip(
  sample: number,
  name: string,
  joints: Float32Array,
  shape: readonly [number, number, number, number],
): Clip {
  const [T, M, V] = shape;
  const frames = Math.min(T, MAX_FRAMES);
  const bodies = Math.max(1, Math.min(M, MAX_BODIES));
  const frameAt = (k: number) => Math.floor((k * T) / frames);
  const present = (t: number, m: number) => {
    if (m >= M) return false;
    const base = (t * M + m) * V * 3;
    for (let i = 0; i < V * 3; i++) if (joints[base + i] !== 0) return true;
    return false;
  };
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < frames; k++)
    for (let m = 0; m < bodies; m++) {
      if (!present(frameAt(k), m)) continue;
      const base = (frameAt(k) * M + m) * V * 3;
      for (let v = 0; v < V; v++) {
        const x = joints[base + v * 3]!;
        const y = joints[base + v * 3 + 1]!;
        if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
    }
  // One scale for x and y keeps the figure's proportions; the box is centred.
  const span = Math.max(maxX - minX, maxY - minY, 1e-6);
  const offX = minX - (span - (maxX - minX)) / 2;
  const offY = minY - (span - (maxY - minY)) / 2;
  const bytes = new Uint8Array(frames * bodies * V * 2).fill(ABSENT);
  for (let k = 0; k < frames; k++)
    for (let m = 0; m < bodies; m++) {
      if (!present(frameAt(k), m)) continue;
      const base = (frameAt(k) * M + m) * V * 3;
      for (let v = 0; v < V; v++) {
        const at = ((k * bodies + m) * V + v) * 2;
        const x = joints[base + v * 3]!;
        const y = joints[base + v * 3 + 1]!;
        if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
        bytes[at] = Math.round(((x - offX) / span) * 254);
        bytes[at + 1] = Math.round(((y - offY) / span) * 254);
      }
    }
  return { sample, name, frames, sourceFrames: T, bodies, data: Buffer.from(bytes).toString("base64") };
}

function absent(note: string, layout: SkeletonLayout = NTU25): Playback {
  return { available: false, note, layout: packLayout(layout), fps: 30, clips: [], subjects: [] };
}

/**
 * Reads the raw sequences of `samples` (bundle sample indices) named by the
 * bundle meta; `dataDir` overrides meta's folder. Never throws.
 */
export function loadPlayback(
  meta: Record<string, unknown>,
  numSamples: number,
  subjects: readonly { readonly sample: number; readonly neighbours: number[] }[],
  options: { dataDir?: string | undefined } = {},
): Playback {
  const samples = [...new Set(subjects.flatMap((s) => [s.sample, ...s.neighbours]))];
  const names = firstKey(meta, PLAYBACK_META_KEYS.sampleNames);
  if (!names || !Array.isArray(names.value) || names.value.some((n) => typeof n !== "string"))
    return absent(
      "No skeleton playback: the bundle's meta.json does not name its samples (meta.sampleNames), so they cannot be matched to raw skeleton files. Bundles written by `skc extract` record them.",
      layoutOf(meta, null),
    );
  if (names.value.length !== numSamples)
    return absent(
      `No skeleton playback: meta.${names.key} lists ${names.value.length} names for ${numSamples} samples.`,
      layoutOf(meta, null),
    );
  const given = options.dataDir ?? firstKey(meta, PLAYBACK_META_KEYS.dataDir)?.value;
  if (typeof given !== "string")
    return absent(
      "No skeleton playback: the bundle's meta.json does not say where its raw skeleton files are (meta.data); pass `skc report RUN_DIR --data DIR`.",
      layoutOf(meta, null),
    );
  if (!fs.existsSync(given) || !fs.statSync(given).isDirectory())
    return absent(
      `No skeleton playback: the raw skeleton folder ${given} does not exist (moved or on another machine?); pass \`skc report RUN_DIR --data DIR\` with its new place.`,
      layoutOf(meta, null),
    );
  let dataset: SkeletonDataset | string;
  try {
    dataset = datasetOf(firstKey(meta, PLAYBACK_META_KEYS.dataset)?.value, given);
  } catch (error) {
    dataset = `cannot list ${given}: ${(error as Error).message}`;
  }
  if (typeof dataset === "string") return absent(`No skeleton playback: ${dataset}.`, layoutOf(meta, null));
  const layout = layoutOf(meta, dataset);
  if (subjects.length === 0)
    return absent(
      "No skeleton playback: no sample changed its prediction (the player shows flipped samples beside their nearest cached neighbours).",
      layout,
    );
  const clips: Clip[] = [];
  const failures: string[] = [];
  for (const sample of samples) {
    const name = (names.value as string[])[sample]!;
    try {
      const sequence = dataset.load(name);
      if (sequence.shape[2] !== layout.numJoints)
        throw new Error(`${sequence.shape[2]} joints, the layout ${layout.id} has ${layout.numJoints}`);
      clips.push(packClip(sample, name, sequence.joints, sequence.shape));
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  }
  const note =
    failures.length === 0
      ? `Raw skeletons from ${given} (${clips.length} clips: the flipped samples shown and their nearest cached neighbours).`
      : `Raw skeletons from ${given}: ${failures.length} of ${samples.length} clips could not be read (first: ${failures[0]}).`;
  const loaded = new Set(clips.map((clip) => clip.sample));
  const shown = subjects
    .filter((s) => loaded.has(s.sample))
    .map((s) => ({ sample: s.sample, neighbours: s.neighbours.filter((id) => loaded.has(id)) }));
  return { available: shown.length > 0, note, layout: packLayout(layout), fps: 30, clips, subjects: shown };
}
