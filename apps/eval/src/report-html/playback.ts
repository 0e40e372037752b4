/**
 * Skeleton playback for the report: where the bundle's meta.json names its
 * samples and the folder of raw skeleton files, the raw sequences of a capped
 * set of samples are read and packed by @skeleton-cache/report's `packClip`.
 * Nothing here throws: whatever is missing becomes the section's note, and
 * the page shows no player.
 *
 * meta.json keys read (the ones `skc extract` writes, @skeleton-cache/bundle's BundleMetaSchema):
 *   sample names   meta.sampleNames                  (array of N strings, bundle sample order)
 *   raw folder     meta.data                         (string; `skc report --data DIR` overrides)
 *   dataset        meta.dataset                      ("ntu60", "ntu120", "utd-mhad" or "pku-mmd")
 *   joint layout   meta.layout                       (a layout id, e.g. "ntu25"; else the dataset's, else NTU-25)
 */
import fs from "node:fs";
import type { SkeletonDataset } from "@skeleton-cache/datasets";
import { EXTRACT_DATASETS, openDataset } from "@skeleton-cache/extract";
import {
  type Clip,
  noPlayback,
  type Playback,
  type PlaybackSubject,
  packClip,
  playbackLayout,
} from "@skeleton-cache/report";
import { LAYOUTS, NTU25, type SkeletonLayout } from "@skeleton-cache/skeleton";

/** The meta.json keys playback reads, in order of preference (documented in apps/eval/README.md). */
export const PLAYBACK_META_KEYS = {
  sampleNames: ["sampleNames"],
  dataDir: ["data"],
  dataset: ["dataset"],
  layout: ["layout"],
} as const;

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

/** The dataset that reads the raw files, opened as `skc extract` opens it (every file listed, missing ones too). */
function datasetOf(kind: unknown, dir: string): SkeletonDataset | string {
  const known = EXTRACT_DATASETS.find((id) => id === kind);
  if (known === undefined)
    return `meta.dataset is ${JSON.stringify(kind)}; playback reads the raw files of ${EXTRACT_DATASETS.join(", ")}`;
  return openDataset({ dataset: known, data: dir, keepMissing: true });
}

/**
 * Reads the raw sequences of `samples` (bundle sample indices) named by the
 * bundle meta; `dataDir` overrides meta's folder. Never throws.
 */
export function loadPlayback(
  meta: Record<string, unknown>,
  numSamples: number,
  subjects: readonly PlaybackSubject[],
  options: { dataDir?: string | undefined } = {},
): Playback {
  const samples = [...new Set(subjects.flatMap((s) => [s.sample, ...s.neighbours]))];
  const names = firstKey(meta, PLAYBACK_META_KEYS.sampleNames);
  if (!names || !Array.isArray(names.value) || names.value.some((n) => typeof n !== "string"))
    return noPlayback(
      "No skeleton playback: the bundle's meta.json does not name its samples (meta.sampleNames), so they cannot be matched to raw skeleton files. Bundles written by `skc extract` record them.",
      layoutOf(meta, null),
    );
  if (names.value.length !== numSamples)
    return noPlayback(
      `No skeleton playback: meta.${names.key} lists ${names.value.length} names for ${numSamples} samples.`,
      layoutOf(meta, null),
    );
  const given = options.dataDir ?? firstKey(meta, PLAYBACK_META_KEYS.dataDir)?.value;
  if (typeof given !== "string")
    return noPlayback(
      "No skeleton playback: the bundle's meta.json does not say where its raw skeleton files are (meta.data); pass `skc report RUN_DIR --data DIR`.",
      layoutOf(meta, null),
    );
  if (!fs.existsSync(given) || !fs.statSync(given).isDirectory())
    return noPlayback(
      `No skeleton playback: the raw skeleton folder ${given} does not exist (moved or on another machine?); pass \`skc report RUN_DIR --data DIR\` with its new place.`,
      layoutOf(meta, null),
    );
  let dataset: SkeletonDataset | string;
  try {
    dataset = datasetOf(firstKey(meta, PLAYBACK_META_KEYS.dataset)?.value, given);
  } catch (error) {
    dataset = `cannot list ${given}: ${(error as Error).message}`;
  }
  if (typeof dataset === "string")
    return noPlayback(`No skeleton playback: ${dataset}.`, layoutOf(meta, null));
  const layout = layoutOf(meta, dataset);
  if (subjects.length === 0)
    return noPlayback(
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
  return {
    available: shown.length > 0,
    note,
    layout: playbackLayout(layout),
    fps: 30,
    clips,
    subjects: shown,
  };
}
