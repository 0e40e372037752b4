import type { SkeletonLayout } from "@skeleton-cache/skeleton";

/** Metadata of one sample, known without reading its joints. */
export interface SampleInfo {
  /** Sample name, e.g. "S001C001P001R001A001" or "0005-L#3". */
  readonly name: string;
  /** Dataset id, e.g. "ntu60", "ntu120", "pku-mmd", "utd-mhad". */
  readonly dataset: string;
  /** Action id in the dataset's own 1-based convention (A001 → 1), where known. */
  readonly action?: number;
  /** 0-based class label = action − 1, where known. */
  readonly label?: number;
  /** Class name from the dataset's catalog, where known. */
  readonly className?: string;
  /** Subject (performer) number, where known. */
  readonly subject?: number;
  /** Camera / view number, where known (NTU C001 → 1; PKU-MMD L, M, R → 1, 2, 3). */
  readonly camera?: number;
  /** Setup number (NTU Sxxx), where known. */
  readonly setup?: number;
  /** Replication (NTU Rxxx) or trial (UTD-MHAD tT), where known. */
  readonly replication?: number;
  /** The file the sample comes from, where it comes from one. */
  readonly file?: string;
}

/**
 * A skeleton sequence: `joints` holds (frames T, bodies M, joints V, 3)
 * float32 in C order — index ((t·M + m)·V + v)·3 + c, c = x, y, z. A body
 * slot that is absent in a frame holds zeros.
 */
export interface SkeletonSequence extends SampleInfo {
  /** Joint layout id (a key of LAYOUTS from @skeleton-cache/skeleton). */
  readonly layout: string;
  readonly shape: readonly [frames: number, bodies: number, joints: number, channels: 3];
  readonly joints: Float32Array;
}

/** A dataset: list its samples, load one by name. */
export interface SkeletonDataset {
  /** Dataset id. */
  readonly dataset: string;
  readonly layout: SkeletonLayout;
  /** Every sample, in a stable order. */
  list(): readonly SampleInfo[];
  /** Loads one sample by name (as `list()` gives it); unknown name → ValueError. */
  load(name: string): SkeletonSequence;
}
