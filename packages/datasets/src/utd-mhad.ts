import path from "node:path";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import { listDirectory } from "@skeleton-cache/formats";
import { classCatalog, KINECT_V1_20 } from "@skeleton-cache/skeleton";
import { findNonFinite } from "@skeleton-cache/tensor";
import { type MatArray, readMat } from "./mat.js";
import type { SampleInfo, SkeletonDataset, SkeletonSequence } from "./types.js";

/** Fields of a UTD-MHAD file name `aA_sS_tT_skeleton.mat`. */
export interface UtdMhadName {
  /** Bare name, e.g. "a1_s1_t1". */
  readonly name: string;
  /** 1-based action (1..27). */
  readonly action: number;
  /** Subject 1..8. */
  readonly subject: number;
  /** Trial 1..4. */
  readonly trial: number;
}

const PATTERN = /^a(\d+)_s(\d+)_t(\d+)(?:_skeleton(?:\.mat)?)?$/;

/** Parses `aA_sS_tT_skeleton.mat` (path allowed); anything else → ValueError. */
export function parseUtdMhadName(file: string): UtdMhadName {
  const base = path.basename(file);
  const match = PATTERN.exec(base);
  if (!match)
    throw new ValueError(`${JSON.stringify(file)} is not a UTD-MHAD skeleton name (aA_sS_tT_skeleton.mat)`, {
      field: "name",
      value: file,
    });
  const [action, subject, trial] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (action < 1 || action > 27)
    throw new ValueError(`${file}: action ${action} is outside 1..27`, { field: "action", value: action });
  return { name: `a${action}_s${subject}_t${trial}`, action, subject, trial };
}

function sampleInfo(file: string): SampleInfo {
  const parsed = parseUtdMhadName(file);
  return {
    name: parsed.name,
    dataset: "utd-mhad",
    action: parsed.action,
    label: parsed.action - 1,
    className: classCatalog("utd-mhad").names[parsed.action - 1]!,
    subject: parsed.subject,
    replication: parsed.trial,
    file,
  };
}

/**
 * Converts `d_skel` (20 joints, 3, frames; column-major float64, Kinect v1
 * joint order) into a sequence (frames, 1 body, 20 joints, xyz).
 */
export function utdSequence(array: MatArray, info: SampleInfo): SkeletonSequence {
  const file = info.file ?? info.name;
  const [joints, channels, frames = 1, ...rest] = array.dims;
  if (joints !== 20 || channels !== 3 || rest.some((d) => d !== 1))
    throw new FormatError(`${file}: d_skel has dims (${array.dims.join(", ")}); expected (20, 3, frames)`, {
      file,
      field: "d_skel",
      value: array.dims,
    });
  const bad = findNonFinite(array.data);
  if (bad >= 0)
    throw new FormatError(
      `${file}: d_skel element ${bad} is ${array.data[bad]}; finite numbers are required`,
      {
        file,
        field: "d_skel",
        position: bad,
      },
    );
  const out = new Float32Array(frames * 20 * 3);
  for (let t = 0; t < frames; t++)
    for (let v = 0; v < 20; v++)
      for (let c = 0; c < 3; c++) out[(t * 20 + v) * 3 + c] = array.data[v + 20 * c + 60 * t]!; // MATLAB (v, c, t), column-major
  return { ...info, layout: KINECT_V1_20.id, shape: [frames, 1, 20, 3], joints: out };
}

/** Loads a UTD-MHAD `aA_sS_tT_skeleton.mat` file. */
export function loadUtdMhad(file: string): SkeletonSequence {
  const info = sampleInfo(file);
  const vars = readMat(file);
  const skel = vars.get("d_skel");
  if (!skel)
    throw new FormatError(`${file}: no variable d_skel (found: ${[...vars.keys()].join(", ") || "none"})`, {
      file,
      field: "d_skel",
    });
  return utdSequence(skel, info);
}

/** A folder of UTD-MHAD skeleton files, sorted by action, subject, trial. */
export class UtdMhadDataset implements SkeletonDataset {
  readonly dataset = "utd-mhad";
  readonly layout = KINECT_V1_20;
  private readonly samples: SampleInfo[];
  private readonly byName: Map<string, SampleInfo>;

  constructor(readonly dir: string) {
    const entries = listDirectory(dir, "UTD-MHAD folder");
    this.samples = entries
      .filter((e) => /^a\d+_s\d+_t\d+_skeleton\.mat$/.test(e))
      .map((e) => sampleInfo(path.join(dir, e)))
      .sort((a, b) => a.action! - b.action! || a.subject! - b.subject! || a.replication! - b.replication!);
    this.byName = new Map(this.samples.map((s) => [s.name, s]));
  }

  list(): readonly SampleInfo[] {
    return this.samples;
  }

  load(name: string): SkeletonSequence {
    const info = this.byName.get(name.replace(/_skeleton(\.mat)?$/, ""));
    if (!info)
      throw new ValueError(`${this.dir}: no UTD-MHAD sample ${JSON.stringify(name)}`, {
        field: "name",
        value: name,
      });
    const vars = readMat(info.file!);
    const skel = vars.get("d_skel");
    if (!skel)
      throw new FormatError(`${info.file}: no variable d_skel`, { file: info.file!, field: "d_skel" });
    return utdSequence(skel, info);
  }
}
