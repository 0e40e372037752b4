import fs from "node:fs";
import path from "node:path";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import { listDirectory } from "@skeleton-cache/formats";
import { classCatalog, NTU25 } from "@skeleton-cache/skeleton";
import { isMissingSkeleton } from "./missing.js";
import { type NtuSampleName, ntuBareName, parseNtuSampleName } from "./ntu-name.js";
import { LineReader } from "./text.js";
import type { SampleInfo, SkeletonDataset, SkeletonSequence } from "./types.js";

/** Per-joint fields of the .skeleton format, in file order (`NtuBody.joints` stride). */
export const NTU_JOINT_FIELDS = [
  "x",
  "y",
  "z",
  "depthX",
  "depthY",
  "colorX",
  "colorY",
  "orientationW",
  "orientationX",
  "orientationY",
  "orientationZ",
] as const;
/** Number of numeric per-joint fields (the 12th, the joint's trackingState, is kept apart). */
export const NTU_JOINT_STRIDE = NTU_JOINT_FIELDS.length;

/** One tracked body in one frame, every field of the official format. */
export interface NtuBody {
  /** Kinect tracking id (a 64-bit integer: kept as its decimal text). */
  readonly bodyId: string;
  readonly clippedEdges: number;
  readonly handLeftConfidence: number;
  readonly handLeftState: number;
  readonly handRightConfidence: number;
  readonly handRightState: number;
  /** The official reader calls it `isResticted` (sic). */
  readonly isRestricted: number;
  readonly leanX: number;
  readonly leanY: number;
  readonly trackingState: number;
  readonly jointCount: number;
  /** (jointCount, 11) float64: see NTU_JOINT_FIELDS. */
  readonly joints: Float64Array;
  /** Per joint: 0 not tracked, 1 inferred, 2 tracked. */
  readonly jointTrackingState: Uint8Array;
}

export interface NtuFrame {
  readonly bodies: readonly NtuBody[];
}

/** A whole .skeleton file. */
export interface NtuSkeletonRecord {
  readonly file: string;
  readonly frameCount: number;
  readonly frames: readonly NtuFrame[];
}

/** Limits that keep a corrupted count from being believed. */
const MAX_FRAMES = 100_000;
const MAX_BODIES = 16;
const MAX_JOINTS = 64;

/**
 * Parses the text of an NTU RGB+D `.skeleton` file (the format read by the
 * dataset's official `read_skeleton_file`): frame count; per frame a body
 * count; per body a line of 10 tracking fields, a joint count and one line of
 * 12 values per joint. Any deviation → FormatError naming file and line.
 */
export function parseNtuSkeleton(text: string, file = "<skeleton>"): NtuSkeletonRecord {
  const reader = new LineReader(text, file);
  const frameCount = reader.count("frame count", 0, MAX_FRAMES);
  const frames: NtuFrame[] = [];
  for (let frame = 0; frame < frameCount; frame++) {
    const bodyCount = reader.count(`frame ${frame} body count`, 0, MAX_BODIES);
    const bodies: NtuBody[] = [];
    for (let body = 0; body < bodyCount; body++) {
      const where = `frame ${frame} body ${body}`;
      const info = reader.tokens(10, `${where} info`);
      const bodyId = info[0]!;
      if (!/^\d+$/.test(bodyId)) reader.fail(`${where} body id is not an unsigned integer`, bodyId);
      const num = (i: number, name: string) => reader.number(info[i]!, `${where} ${name}`);
      const int = (i: number, name: string) => reader.integer(info[i]!, `${where} ${name}`, 0, 0xffffffff);
      const clippedEdges = int(1, "clippedEdges");
      const handLeftConfidence = int(2, "handLeftConfidence");
      const handLeftState = int(3, "handLeftState");
      const handRightConfidence = int(4, "handRightConfidence");
      const handRightState = int(5, "handRightState");
      const isRestricted = int(6, "isResticted");
      const leanX = num(7, "leanX");
      const leanY = num(8, "leanY");
      const trackingState = int(9, "trackingState");
      const jointCount = reader.count(`${where} joint count`, 0, MAX_JOINTS);
      const joints = new Float64Array(jointCount * NTU_JOINT_STRIDE);
      const jointTrackingState = new Uint8Array(jointCount);
      for (let joint = 0; joint < jointCount; joint++) {
        const tokens = reader.tokens(NTU_JOINT_STRIDE + 1, `${where} joint ${joint}`);
        for (let field = 0; field < NTU_JOINT_STRIDE; field++) {
          joints[joint * NTU_JOINT_STRIDE + field] = reader.number(
            tokens[field]!,
            `${where} joint ${joint} ${NTU_JOINT_FIELDS[field]}`,
          );
        }
        jointTrackingState[joint] = reader.integer(
          tokens[NTU_JOINT_STRIDE]!,
          `${where} joint ${joint} trackingState`,
          0,
          2,
        );
      }
      bodies.push({
        bodyId,
        clippedEdges,
        handLeftConfidence,
        handLeftState,
        handRightConfidence,
        handRightState,
        isRestricted,
        leanX,
        leanY,
        trackingState,
        jointCount,
        joints,
        jointTrackingState,
      });
    }
    frames.push({ bodies });
  }
  if (!reader.atEnd())
    reader.fail(
      `unexpected content after the last of ${frameCount} frames`,
      undefined,
      reader.firstContentLine(),
    );
  return { file, frameCount, frames };
}

/** Reads and parses an NTU `.skeleton` file. */
export function readNtuSkeleton(file: string): NtuSkeletonRecord {
  let text: string;
  try {
    text = fs.readFileSync(file, "latin1");
  } catch (error) {
    throw new FormatError(`${file}: cannot read (${(error as Error).message})`, { file }, { cause: error });
  }
  return parseNtuSkeleton(text, file);
}

/** Which NTU dataset an action id belongs to: A001–A060 → ntu60, A061–A120 → ntu120. */
function ntuDataset(action: number): "ntu60" | "ntu120" {
  return action <= 60 ? "ntu60" : "ntu120";
}

/** Sample metadata from an NTU name (dataset "ntu60" for A001–A060, else "ntu120", unless given). */
export function ntuSampleInfo(name: string, dataset?: "ntu60" | "ntu120", file?: string): SampleInfo {
  const parsed: NtuSampleName = parseNtuSampleName(name);
  const ds = dataset ?? ntuDataset(parsed.action);
  const names = classCatalog(ds).names;
  if (parsed.action > names.length)
    throw new ValueError(`${parsed.name}: action ${parsed.action} is outside ${ds} (1..${names.length})`, {
      field: "action",
      value: parsed.action,
    });
  return {
    name: parsed.name,
    dataset: ds,
    action: parsed.action,
    label: parsed.action - 1,
    className: names[parsed.action - 1]!,
    subject: parsed.subject,
    camera: parsed.camera,
    setup: parsed.setup,
    replication: parsed.replication,
    ...(file === undefined ? {} : { file }),
  };
}

/**
 * Turns a parsed record into a SkeletonSequence (T frames, M = the most
 * bodies any frame holds, V joints, xyz). Body slot m of frame t is the m-th
 * body listed in that frame (the convention of ST-GCN's `read_xyz`).
 */
export function ntuSequence(record: NtuSkeletonRecord, info: SampleInfo): SkeletonSequence {
  let bodies = 0;
  let jointCount = -1;
  for (const [t, frame] of record.frames.entries()) {
    bodies = Math.max(bodies, frame.bodies.length);
    for (const body of frame.bodies) {
      if (jointCount < 0) jointCount = body.jointCount;
      else if (body.jointCount !== jointCount)
        throw new FormatError(
          `${record.file}: frame ${t}: body ${body.bodyId} has ${body.jointCount} joints, earlier bodies ${jointCount}`,
          { file: record.file, position: `frame ${t}`, value: body.jointCount, expected: jointCount },
        );
    }
  }
  const numJoints = jointCount < 0 ? NTU25.numJoints : jointCount;
  if (numJoints !== NTU25.numJoints)
    throw new FormatError(`${record.file}: bodies have ${numJoints} joints; the NTU layout has 25`, {
      file: record.file,
      field: "jointCount",
      value: numJoints,
      expected: 25,
    });
  const frames = record.frameCount;
  const joints = new Float32Array(frames * bodies * numJoints * 3);
  for (let t = 0; t < frames; t++) {
    const frame = record.frames[t]!;
    for (let m = 0; m < frame.bodies.length; m++) {
      const src = frame.bodies[m]!.joints;
      const base = (t * bodies + m) * numJoints * 3;
      for (let v = 0; v < numJoints; v++) {
        joints[base + v * 3] = src[v * NTU_JOINT_STRIDE]!;
        joints[base + v * 3 + 1] = src[v * NTU_JOINT_STRIDE + 1]!;
        joints[base + v * 3 + 2] = src[v * NTU_JOINT_STRIDE + 2]!;
      }
    }
  }
  return { ...info, layout: NTU25.id, shape: [frames, bodies, numJoints, 3], joints };
}

/** Reads an NTU `.skeleton` file as a SkeletonSequence with metadata from its name. */
export function loadNtuSkeleton(file: string, dataset?: "ntu60" | "ntu120"): SkeletonSequence {
  return ntuSequence(readNtuSkeleton(file), ntuSampleInfo(path.basename(file), dataset, file));
}

export interface NtuSkeletonDatasetOptions {
  /** "ntu60" keeps A001–A060 only; "ntu120" (default) keeps every action. */
  readonly dataset?: "ntu60" | "ntu120";
  /** Leave out the official missing-skeleton samples (default true). */
  readonly skipMissing?: boolean;
}

/** A folder of raw NTU RGB+D `.skeleton` files, listed by name (sorted). */
export class NtuSkeletonDataset implements SkeletonDataset {
  readonly dataset: "ntu60" | "ntu120";
  readonly layout = NTU25;
  private readonly samples: SampleInfo[];
  private readonly byName: Map<string, SampleInfo>;

  constructor(
    readonly dir: string,
    options: NtuSkeletonDatasetOptions = {},
  ) {
    this.dataset = options.dataset ?? "ntu120";
    const skipMissing = options.skipMissing ?? true;
    const entries = listDirectory(dir, "NTU .skeleton folder");
    this.samples = entries
      .filter((entry) => entry.endsWith(".skeleton"))
      .sort()
      .map((entry) => ({ entry, parsed: parseNtuSampleName(entry) }))
      .filter(({ parsed }) => this.dataset === "ntu120" || parsed.action <= 60)
      .filter(({ parsed }) => !(skipMissing && isMissingSkeleton(parsed.name)))
      .map(({ entry }) => ntuSampleInfo(entry, this.dataset, path.join(dir, entry)));
    this.byName = new Map(this.samples.map((s) => [s.name, s]));
  }

  list(): readonly SampleInfo[] {
    return this.samples;
  }

  load(name: string): SkeletonSequence {
    const info = this.byName.get(ntuBareName(name));
    if (!info)
      throw new ValueError(`${this.dir}: no sample ${JSON.stringify(name)} in this dataset`, {
        field: "name",
        value: name,
      });
    return ntuSequence(readNtuSkeleton(info.file!), info);
  }
}
