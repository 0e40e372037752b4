/**
 * Skeleton playback on report.html, as plain data: which samples the player
 * offers (flipped ones, each beside its nearest cached neighbours), and each
 * raw sequence packed compactly (≤ 48 frames, ≤ 2 bodies, x and y quantised
 * to one byte). Reading the raw skeleton files is the producer's job (it
 * knows the datasets); it hands over the sequences packed with `packClip`,
 * or `noPlayback(why)`.
 */
import { NTU25 } from "@skeleton-cache/skeleton";
import type { RunPredictions } from "../run-folder.js";
import { evenlySpaced, type TracedOrNote } from "./trace.js";

/** Frames kept per clip at most (evenly spaced), bodies per frame at most. */
export const MAX_FRAMES = 48;
export const MAX_BODIES = 2;
/** Byte marking an absent body in a frame. */
const ABSENT = 255;
/** Flipped samples offered in the player at most, and cached neighbours shown beside each. */
export const PLAYBACK_SUBJECTS = 24;
export const PLAYBACK_NEIGHBOURS = 3;

/** One packed sequence: `data` = base64 of (frames, bodies, V, 2) bytes, x then y, 0..254 over the clip's box. */
export interface Clip {
  readonly sample: number;
  readonly name: string;
  readonly frames: number;
  readonly sourceFrames: number;
  readonly bodies: number;
  readonly data: string;
}

/** The joint layout the player draws: joint count and bones (pairs of joint indices). */
export interface PlaybackLayout {
  readonly id: string;
  readonly numJoints: number;
  readonly bones: readonly (readonly [number, number])[];
}

/** A sample the player offers, with the cached neighbours shown beside it. */
export interface PlaybackSubject {
  readonly sample: number;
  readonly neighbours: readonly number[];
}

export interface Playback {
  readonly available: boolean;
  /** Why there is no player, or what was left out. */
  readonly note: string;
  readonly layout: PlaybackLayout;
  /** Frames per second of the raw recordings (after subsampling, the player stretches time to match). */
  readonly fps: number;
  readonly clips: readonly Clip[];
  /** The samples offered in the player, each with the cached neighbours shown beside it. */
  readonly subjects: readonly PlaybackSubject[];
}

/** The layout as the player needs it. */
export function playbackLayout(layout: PlaybackLayout): PlaybackLayout {
  return { id: layout.id, numJoints: layout.numJoints, bones: layout.bones };
}

/** A page without a player, saying why (`layout`: the joints the bundle would have had; default NTU-25). */
export function noPlayback(note: string, layout: PlaybackLayout = NTU25): Playback {
  return { available: false, note, layout: playbackLayout(layout), fps: 30, clips: [], subjects: [] };
}

/**
 * The samples the player offers: flipped ones (the backbone or the reported
 * prediction right, not both), evenly spaced in stream order, each with its
 * distinct top cached matches (none where the run was not traced; only traced
 * samples where it was).
 */
export function playbackSubjects(predictions: RunPredictions, traced: TracedOrNote): PlaybackSubject[] {
  const traces = "traces" in traced ? traced.traces : null;
  const flipped = Array.from(predictions.order).filter((sample) => {
    const base = predictions.baselinePred[sample]!;
    const label = predictions.labels[sample]!;
    const reported = predictions.refinedPred[sample]!;
    return base !== reported && (reported === label || base === label) && (!traces || traces.has(sample));
  });
  return evenlySpaced(flipped, PLAYBACK_SUBJECTS).map((sample) => ({
    sample,
    // Distinct entries: with the hedge one sample can sit in two blocks.
    neighbours: traces
      ? [...new Set(traces.get(sample)!.matches.map((m) => m.id))].slice(0, PLAYBACK_NEIGHBOURS)
      : [],
  }));
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

/** One raw (T, M, V, 3) sequence of a bundle sample, as its producer read it. */
export interface PlaybackSequence {
  readonly sample: number;
  readonly name: string;
  readonly joints: Float32Array;
  readonly shape: readonly [number, number, number, number];
}

/**
 * The raw sequences behind a run's samples, or why there are none: the shape
 * extraction's `readRawSequences` returns (report reads no raw files itself).
 */
export type PlaybackSource =
  | { readonly found: false; readonly reason: string; readonly layout: PlaybackLayout }
  | {
      readonly found: true;
      readonly source: string;
      readonly layout: PlaybackLayout;
      readonly sequences: readonly PlaybackSequence[];
      readonly failures: readonly string[];
    };

/**
 * The player's data from the raw sequences of `subjects` and their
 * neighbours: each packed with `packClip`; the subjects whose clip could not
 * be read are left out, and the note says how many clips were read and from where.
 */
export function playbackFrom(source: PlaybackSource, subjects: readonly PlaybackSubject[]): Playback {
  if (!source.found) return noPlayback(`No skeleton playback: ${source.reason}`, source.layout);
  if (subjects.length === 0)
    return noPlayback(
      "No skeleton playback: no sample changed its prediction (the player shows flipped samples beside their nearest cached neighbours).",
      source.layout,
    );
  const clips = source.sequences.map((s) => packClip(s.sample, s.name, s.joints, s.shape));
  const requested = source.sequences.length + source.failures.length;
  const note =
    source.failures.length === 0
      ? `Raw skeletons from ${source.source} (${clips.length} clips: the flipped samples shown and their nearest cached neighbours).`
      : `Raw skeletons from ${source.source}: ${source.failures.length} of ${requested} clips could not be read (first: ${source.failures[0]}).`;
  const loaded = new Set(clips.map((clip) => clip.sample));
  const shown = subjects
    .filter((s) => loaded.has(s.sample))
    .map((s) => ({ sample: s.sample, neighbours: s.neighbours.filter((id) => loaded.has(id)) }));
  return {
    available: shown.length > 0,
    note,
    layout: playbackLayout(source.layout),
    fps: 30,
    clips,
    subjects: shown,
  };
}
