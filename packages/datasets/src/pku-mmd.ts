import fs from "node:fs";
import path from "node:path";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import { listDirectory } from "@skeleton-cache/formats";
import { classCatalog, NTU25 } from "@skeleton-cache/skeleton";
import { readAsset } from "./assets.js";
import { LineReader } from "./text.js";
import type { SampleInfo, SkeletonDataset, SkeletonSequence } from "./types.js";

/** A PKU-MMD skeleton file: (frames, 2 bodies, 25 joints, xyz) float32. */
export interface PkuSkeleton {
  readonly file: string;
  readonly frames: number;
  readonly joints: Float32Array;
}

/** One labelled action instance of a PKU-MMD video. */
export interface PkuLabel {
  /** 1-based action id (1..51). */
  readonly action: number;
  /** First frame (0-based line index in the skeleton file). */
  readonly start: number;
  /** End frame: the clip is frames [start, end), as the common PKU `gendata` scripts slice `frames[start:end]`. */
  readonly end: number;
  /** 0, 1 (slight) or 2 (strong recommendation); 0 does occur. */
  readonly confidence: number;
}

const VALUES_PER_FRAME = 2 * 25 * 3;

/**
 * Parses a PKU-MMD skeleton file: one frame per line, 150 numbers = 2 bodies
 * × 25 joints × (x, y, z); an absent body is all zeros. Errors name the line.
 */
export function parsePkuSkeleton(text: string, file = "<pku skeleton>"): PkuSkeleton {
  const reader = new LineReader(text, file);
  const rows: Float32Array[] = [];
  while (!reader.atEnd()) {
    const tokens = reader.next("a frame");
    if (tokens.length === 0) reader.fail("blank line inside the frames");
    if (tokens.length !== VALUES_PER_FRAME)
      reader.fail(`expected ${VALUES_PER_FRAME} values (2 bodies × 25 joints × xyz), found ${tokens.length}`);
    const row = new Float32Array(VALUES_PER_FRAME);
    for (let k = 0; k < VALUES_PER_FRAME; k++) row[k] = reader.number(tokens[k]!, `value ${k}`);
    rows.push(row);
  }
  const joints = new Float32Array(rows.length * VALUES_PER_FRAME);
  for (const [t, row] of rows.entries()) joints.set(row, t * VALUES_PER_FRAME);
  return { file, frames: rows.length, joints };
}

/**
 * Parses a PKU-MMD label file: one `label,start,end,confidence` line per
 * action instance. A malformed line is a FormatError naming the line. A
 * well-formed line whose end is not after its start (the released labels
 * hold one: 0043-L.txt line 21) is an error too, unless `onSkip` is given:
 * then it is reported there and left out.
 */
export function parsePkuLabels(
  text: string,
  file = "<pku labels>",
  onSkip?: (line: number, message: string) => void,
): PkuLabel[] {
  const lines = text.split("\n");
  const labels: PkuLabel[] = [];
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "") continue;
    const fail = (message: string): never => {
      throw new FormatError(`${file}: line ${i + 1}: ${message}`, {
        file,
        position: `line ${i + 1}`,
        value: line,
      });
    };
    const parts = line.split(",").map((p) => p.trim());
    if (parts.length !== 4) fail(`expected label,start,end,confidence, found ${parts.length} fields`);
    const ints = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));
    const [action, start, end, confidence] = ints as [number, number, number, number];
    if (ints.some((v) => !Number.isSafeInteger(v))) fail("fields must be non-negative integers");
    if (action < 1 || action > 51) fail(`action ${action} is outside 1..51`);
    if (confidence > 2) fail(`confidence ${confidence} is outside 0..2`);
    if (end <= start) {
      const message = `end ${end} is not after start ${start}`;
      if (!onSkip) fail(message);
      else onSkip(i + 1, `${file}: line ${i + 1}: ${message}`);
      continue;
    }
    labels.push({ action, start, end, confidence });
  }
  return labels;
}

/** A PKU-MMD benchmark split: video names (e.g. "0002-L") for training and testing. */
export interface PkuSplit {
  readonly train: readonly string[];
  readonly test: readonly string[];
}

/** Parses the official cross-subject.txt / cross-view.txt ("Training videos:" / "Validataion videos:" lists). */
export function parsePkuSplitFile(text: string, file = "<pku split>"): PkuSplit {
  const train: string[] = [];
  const test: string[] = [];
  let current: string[] | undefined;
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (/^Training videos:/i.test(line)) current = train;
    else if (/^Valid\w* videos:/i.test(line) || /^Test\w* videos:/i.test(line)) current = test;
    else if (line !== "") {
      if (!current)
        throw new FormatError(`${file}: line ${i + 1}: video names before a "Training videos:" heading`, {
          file,
          position: `line ${i + 1}`,
        });
      for (const token of line.split(",")) {
        const name = token.trim();
        if (name === "") continue;
        if (!/^\d{4}-[LMR]$/.test(name))
          throw new FormatError(
            `${file}: line ${i + 1}: ${JSON.stringify(name)} is not a video name like 0002-L`,
            {
              file,
              position: `line ${i + 1}`,
              value: name,
            },
          );
        current.push(name);
      }
    }
  }
  return { train, test };
}

let shippedSplits: Record<string, PkuSplit> | undefined;

/** The official PKU-MMD phase-1 cross-subject or cross-view split (shipped with the package). */
export function pkuMmdSplit(benchmark: "cross-subject" | "cross-view"): PkuSplit {
  shippedSplits ??= readAsset("pku-mmd-splits.json") as Record<string, PkuSplit>;
  const split =
    benchmark === "cross-subject" || benchmark === "cross-view" ? shippedSplits[benchmark] : undefined;
  if (!split)
    throw new ValueError(
      `unknown PKU-MMD benchmark ${JSON.stringify(benchmark)}; use cross-subject or cross-view`,
      {
        field: "benchmark",
        value: benchmark,
      },
    );
  return split;
}

const CAMERA: Record<string, number> = { L: 1, M: 2, R: 3 };

function readText(file: string): string {
  try {
    return fs.readFileSync(file, "latin1");
  } catch (error) {
    throw new FormatError(`${file}: cannot read (${(error as Error).message})`, { file }, { cause: error });
  }
}

/** Cuts frames [label.start, label.end) of a video into a clip sequence (M = 2 bodies, NTU 25 joints). */
export function pkuClip(video: PkuSkeleton, label: PkuLabel, info: SampleInfo): SkeletonSequence {
  if (label.end > video.frames)
    throw new FormatError(
      `${video.file}: clip ${info.name} ends at frame ${label.end} but the skeleton file has ${video.frames} frames`,
      { file: video.file, position: label.end, value: label.end, expected: video.frames },
    );
  const frames = label.end - label.start;
  const joints = video.joints.slice(label.start * VALUES_PER_FRAME, label.end * VALUES_PER_FRAME);
  return { ...info, layout: NTU25.id, shape: [frames, 2, 25, 3], joints };
}

export interface PkuMmdDatasetOptions {
  /** Folder of label files (`XXXX-V.txt`); default `<dir>/labels`, else `<dir>/Label`. */
  readonly labelsDir?: string;
  /** Keep only one part of an official benchmark. */
  readonly benchmark?: "cross-subject" | "cross-view";
  readonly part?: "train" | "test";
  /** Drop instances whose confidence is below this (default 0: keep all). */
  readonly minConfidence?: number;
}

/**
 * PKU-MMD phase 1 as trimmed clips: each line of a video's label file is one
 * sample named `<video>#<index>` (e.g. "0005-L#3"; index among the video's
 * valid label lines), frames [start, end) of the
 * video's skeleton file (`XXXX-V.txt` or `XXXX-V.skeleton` in `dir`).
 */
export class PkuMmdDataset implements SkeletonDataset {
  readonly dataset = "pku-mmd";
  readonly layout = NTU25;
  private readonly clips: (SampleInfo & { readonly label: number })[] = [];
  private readonly byName = new Map<string, { info: SampleInfo; label: PkuLabel; skeleton: string }>();
  private cached: PkuSkeleton | undefined;
  /** Label lines left out because their end is not after their start ("file: line N: ..."). */
  readonly skippedLabels: string[] = [];

  constructor(
    readonly dir: string,
    options: PkuMmdDatasetOptions = {},
  ) {
    const labelsDir =
      options.labelsDir ??
      (fs.existsSync(path.join(dir, "labels")) ? path.join(dir, "labels") : path.join(dir, "Label"));
    const entries = listDirectory(dir, "PKU-MMD folder");
    let keep: Set<string> | undefined;
    if (options.benchmark) {
      const split = pkuMmdSplit(options.benchmark);
      keep = new Set(
        options.part === "test"
          ? split.test
          : options.part === "train"
            ? split.train
            : [...split.train, ...split.test],
      );
    }
    const names = classCatalog("pku-mmd").names;
    const minConfidence = options.minConfidence ?? 0;
    for (const entry of entries.sort()) {
      const match = /^(\d{4})-([LMR])\.(txt|skeleton)$/.exec(entry);
      if (!match) continue;
      const video = `${match[1]}-${match[2]}`;
      if (keep && !keep.has(video)) continue;
      const labelFile = path.join(labelsDir, `${video}.txt`);
      const labels = parsePkuLabels(readText(labelFile), labelFile, (_line, message) =>
        this.skippedLabels.push(message),
      );
      for (const [index, label] of labels.entries()) {
        if (label.confidence < minConfidence) continue;
        const info = {
          name: `${video}#${index}`,
          dataset: "pku-mmd",
          action: label.action,
          label: label.action - 1,
          className: names[label.action - 1]!,
          camera: CAMERA[match[2]!]!,
          file: path.join(dir, entry),
        };
        this.clips.push(info);
        this.byName.set(info.name, { info, label, skeleton: path.join(dir, entry) });
      }
    }
  }

  list(): readonly SampleInfo[] {
    return this.clips;
  }

  load(name: string): SkeletonSequence {
    const entry = this.byName.get(name);
    if (!entry)
      throw new ValueError(`${this.dir}: no PKU-MMD clip ${JSON.stringify(name)}`, {
        field: "name",
        value: name,
      });
    if (this.cached?.file !== entry.skeleton)
      this.cached = parsePkuSkeleton(readText(entry.skeleton), entry.skeleton);
    return pkuClip(this.cached, entry.label, entry.info);
  }
}
