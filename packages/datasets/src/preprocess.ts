import { ValueError } from "@skeleton-cache/errors";
import { LAYOUTS, type SkeletonLayout } from "@skeleton-cache/skeleton";
import { assertFinite } from "@skeleton-cache/tensor";
import { PREPROCESS_DEFAULTS, type Preprocessing } from "./preprocessing.js";
import type { SkeletonSequence } from "./types.js";

/** A preprocessed sample: (3, T, V, M) float32 in C order. */
export interface BackboneInput {
  readonly shape: readonly [3, number, number, number];
  readonly data: Float32Array;
}

function layoutOf(seq: SkeletonSequence): SkeletonLayout {
  const layout = LAYOUTS[seq.layout];
  if (!layout)
    throw new ValueError(`${seq.name}: unknown layout ${JSON.stringify(seq.layout)}`, {
      field: "layout",
      value: seq.layout,
      expected: Object.keys(LAYOUTS),
    });
  return layout;
}

function positiveInt(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new ValueError(`preprocess: ${field} must be a positive integer, got ${value}`, { field, value });
  return value;
}

/** Body slots ranked by 2s-AGCN's motion energy: Σ over x, y, z of the std over non-zero frames × joints. */
export function bodyMotionEnergy(seq: SkeletonSequence): Float64Array {
  const [frames, bodies, joints] = seq.shape;
  const energy = new Float64Array(bodies);
  for (let m = 0; m < bodies; m++) {
    for (let c = 0; c < 3; c++) {
      let count = 0;
      let sum = 0;
      let sumSq = 0;
      for (let t = 0; t < frames; t++) {
        const base = (t * bodies + m) * joints * 3;
        let frameSum = 0;
        for (let k = 0; k < joints * 3; k++) frameSum += seq.joints[base + k]!;
        if (frameSum === 0) continue; // 2s-AGCN: a frame is present when its values do not sum to 0
        for (let v = 0; v < joints; v++) {
          const x = seq.joints[base + v * 3 + c]!;
          count++;
          sum += x;
          sumSq += x * x;
        }
      }
      if (count > 0) {
        const mean = sum / count;
        energy[m]! += Math.sqrt(Math.max(0, sumSq / count - mean * mean));
      }
    }
  }
  return energy;
}

/** Working copy: (T, M, V, 3) float64 of the chosen body slots. */
function selectBodies(seq: SkeletonSequence, bodiesOut: number, mode: string): Float64Array {
  const [frames, bodies, joints] = seq.shape;
  let order: number[];
  if (mode === "file-order") order = Array.from({ length: bodies }, (_, m) => m);
  else if (mode === "motion-energy") {
    const energy = bodyMotionEnergy(seq);
    order = Array.from({ length: bodies }, (_, m) => m).sort((a, b) => energy[b]! - energy[a]! || a - b);
  } else
    throw new ValueError(`preprocess: bodySelection must be file-order or motion-energy, got ${mode}`, {
      field: "bodySelection",
      value: mode,
    });
  const out = new Float64Array(frames * bodiesOut * joints * 3);
  for (let slot = 0; slot < Math.min(bodiesOut, order.length); slot++) {
    const m = order[slot]!;
    for (let t = 0; t < frames; t++) {
      const src = (t * bodies + m) * joints * 3;
      const dst = (t * bodiesOut + slot) * joints * 3;
      for (let k = 0; k < joints * 3; k++) out[dst + k] = seq.joints[src + k]!;
    }
  }
  return out;
}

const isPresent = (x: Float64Array, at: number) => x[at]! + x[at + 1]! + x[at + 2]! !== 0;

/** First frame where body slot 0 holds a non-zero joint, or −1. */
function firstPresentFrame(x: Float64Array, frames: number, bodies: number, joints: number): number {
  for (let t = 0; t < frames; t++) {
    const base = t * bodies * joints * 3;
    for (let v = 0; v < joints; v++) if (isPresent(x, base + v * 3)) return t;
  }
  return -1;
}

function centre(
  x: Float64Array,
  shape: [number, number, number],
  spine: number,
  mode: "first-frame" | "per-frame",
): void {
  const [frames, bodies, joints] = shape;
  const first = firstPresentFrame(x, frames, bodies, joints);
  if (first < 0) return; // nothing present: nothing to move
  const at = (t: number) => t * bodies * joints * 3 + spine * 3;
  for (let t = 0; t < frames; t++) {
    const ref = at(mode === "first-frame" ? first : t);
    const cx = x[ref]!;
    const cy = x[ref + 1]!;
    const cz = x[ref + 2]!;
    for (let m = 0; m < bodies; m++) {
      for (let v = 0; v < joints; v++) {
        const i = ((t * bodies + m) * joints + v) * 3;
        if (!isPresent(x, i)) continue;
        x[i] = x[i]! - cx;
        x[i + 1] = x[i + 1]! - cy;
        x[i + 2] = x[i + 2]! - cz;
      }
    }
  }
}

function alignView(
  x: Float64Array,
  shape: [number, number, number],
  layout: SkeletonLayout,
  name: string,
): void {
  const [frames, bodies, joints] = shape;
  const alignJoints = layout.alignJoints;
  if (!alignJoints)
    throw new ValueError(`${name}: layout ${layout.id} has no alignJoints; view alignment needs them`, {
      field: "align",
      value: layout.id,
    });
  const first = firstPresentFrame(x, frames, bodies, joints);
  if (first < 0) return;
  const joint = (v: number) => {
    const i = (first * bodies * joints + v) * 3;
    return [x[i]!, x[i + 1]!, x[i + 2]!] as const;
  };
  const sub = (a: readonly number[], b: readonly number[]) => [a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!];
  const dot = (a: readonly number[], b: readonly number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
  const unit = (a: number[], what: string) => {
    const n = Math.sqrt(dot(a, a));
    if (!(n > 1e-9))
      throw new ValueError(
        `${name}: cannot align the view: the ${what} vector at frame ${first} has length ${n}`,
        {
          field: "align",
          position: first,
          value: n,
        },
      );
    return [a[0]! / n, a[1]! / n, a[2]! / n];
  };
  const ez = unit(sub(joint(alignJoints.spineHigh), joint(alignJoints.spineLow)), "spine");
  const hip = sub(joint(alignJoints.hipRight), joint(alignJoints.hipLeft));
  const along = dot(hip, ez);
  const ex = unit([hip[0]! - along * ez[0]!, hip[1]! - along * ez[1]!, hip[2]! - along * ez[2]!], "hip");
  // ey = ez × ex, so (ex, ey, ez) is a right-handed orthonormal basis.
  const ey = [
    ez[1]! * ex[2]! - ez[2]! * ex[1]!,
    ez[2]! * ex[0]! - ez[0]! * ex[2]!,
    ez[0]! * ex[1]! - ez[1]! * ex[0]!,
  ];
  for (let i = 0; i < x.length; i += 3) {
    if (!isPresent(x, i)) continue;
    const p = [x[i]!, x[i + 1]!, x[i + 2]!];
    x[i] = dot(ex, p);
    x[i + 1] = dot(ey, p);
    x[i + 2] = dot(ez, p);
  }
}

/**
 * Turns a sequence into the (3, T, V, M) float32 tensor backbones take.
 * Steps, in order, each optional (see `Preprocessing`): choose bodies,
 * centre, align the view, then pad or resample to T frames.
 */
export function preprocessSequence(
  seq: SkeletonSequence,
  options: Readonly<Preprocessing> = {},
): BackboneInput {
  const framesOut = positiveInt(options.frames ?? PREPROCESS_DEFAULTS.frames, "frames");
  const bodiesOut = positiveInt(options.bodies ?? PREPROCESS_DEFAULTS.bodies, "bodies");
  const temporal = options.temporal ?? PREPROCESS_DEFAULTS.temporal;
  const centerMode = options.center ?? PREPROCESS_DEFAULTS.center;
  const layout = layoutOf(seq);
  const [frames, , joints] = seq.shape;
  if (joints !== layout.numJoints)
    throw new ValueError(`${seq.name}: ${joints} joints but layout ${layout.id} has ${layout.numJoints}`, {
      field: "shape",
      value: joints,
      expected: layout.numJoints,
    });
  assertFinite(seq.joints, `${seq.name} joints`);
  const x = selectBodies(seq, bodiesOut, options.bodySelection ?? PREPROCESS_DEFAULTS.bodySelection);
  const workShape: [number, number, number] = [frames, bodiesOut, joints];
  if (centerMode === "first-frame" || centerMode === "per-frame")
    centre(x, workShape, layout.spineJoint, centerMode);
  else if (centerMode !== "none")
    throw new ValueError(`preprocess: center must be none, first-frame or per-frame, got ${centerMode}`, {
      field: "center",
      value: centerMode,
    });
  if (options.align) alignView(x, workShape, layout, seq.name);

  const out = new Float32Array(3 * framesOut * joints * bodiesOut);
  // Output index of (c, t, v, m) in (3, T, V, M).
  const put = (c: number, t: number, v: number, m: number, value: number) => {
    out[((c * framesOut + t) * joints + v) * bodiesOut + m] = value;
  };
  const copyFrame = (tOut: number, tIn: number) => {
    for (let m = 0; m < bodiesOut; m++)
      for (let v = 0; v < joints; v++) {
        const i = ((tIn * bodiesOut + m) * joints + v) * 3;
        for (let c = 0; c < 3; c++) put(c, tOut, v, m, x[i + c]!);
      }
  };
  if (frames === 0) return { shape: [3, framesOut, joints, bodiesOut], data: out };
  if (temporal === "zero-pad") {
    for (let t = 0; t < Math.min(frames, framesOut); t++) copyFrame(t, t);
  } else if (temporal === "repeat-pad") {
    for (let t = 0; t < framesOut; t++) copyFrame(t, t % frames);
  } else if (temporal === "resample") {
    for (let t = 0; t < framesOut; t++) {
      const pos = framesOut === 1 ? 0 : (t * (frames - 1)) / (framesOut - 1);
      const lo = Math.floor(pos);
      const hi = Math.min(lo + 1, frames - 1);
      const w = pos - lo;
      for (let m = 0; m < bodiesOut; m++)
        for (let v = 0; v < joints; v++) {
          const a = ((lo * bodiesOut + m) * joints + v) * 3;
          const b = ((hi * bodiesOut + m) * joints + v) * 3;
          for (let c = 0; c < 3; c++) put(c, t, v, m, (1 - w) * x[a + c]! + w * x[b + c]!);
        }
    }
  } else
    throw new ValueError(`preprocess: temporal must be zero-pad, repeat-pad or resample, got ${temporal}`, {
      field: "temporal",
      value: temporal,
    });
  return { shape: [3, framesOut, joints, bodiesOut], data: out };
}
