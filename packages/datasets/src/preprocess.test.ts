import { NonFiniteError, ValueError } from "@skeleton-cache/errors";
import { NTU25 } from "@skeleton-cache/skeleton";
import { dataPath, itWithData } from "@skeleton-cache/test-support";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bodyMotionEnergy,
  loadNtuSkeleton,
  NTU_JOINT_STRIDE,
  preprocessSequence,
  readNtuSkeleton,
  type SkeletonSequence,
} from "./index.js";

const NTU_DIR = `${dataPath("real/ntu")}/`;

const A058 = `${NTU_DIR}S001C003P008R002A058.skeleton`;
const A001 = `${NTU_DIR}S001C001P001R001A001.skeleton`;

function synthetic(
  frames: number,
  bodies: number,
  fill: (t: number, m: number, v: number, c: number) => number,
) {
  const joints = new Float32Array(frames * bodies * 25 * 3);
  for (let t = 0; t < frames; t++)
    for (let m = 0; m < bodies; m++)
      for (let v = 0; v < 25; v++)
        for (let c = 0; c < 3; c++) joints[((t * bodies + m) * 25 + v) * 3 + c] = fill(t, m, v, c);
  return {
    name: "synthetic",
    dataset: "ntu60",
    layout: "ntu25",
    shape: [frames, bodies, 25, 3],
    joints,
  } satisfies SkeletonSequence;
}
const at = (T: number, M: number) => (c: number, t: number, v: number, m: number) =>
  ((c * T + t) * 25 + v) * M + m;

describe("preprocessSequence", () => {
  itWithData(
    ["real/ntu"],
    "with every step off is ST-GCN's layout: file-order bodies, raw xyz, zero-padded to 300",
    () => {
      const record = readNtuSkeleton(A058);
      const { shape, data } = preprocessSequence(loadNtuSkeleton(A058));
      expect(shape).toEqual([3, 300, 25, 2]);
      const idx = at(300, 2);
      let checked = 0;
      for (let t = 0; t < 300; t++)
        for (let m = 0; m < 2; m++)
          for (let v = 0; v < 25; v++)
            for (let c = 0; c < 3; c++) {
              const body = t < record.frameCount ? record.frames[t]!.bodies[m] : undefined;
              const expected = body ? Math.fround(body.joints[v * NTU_JOINT_STRIDE + c]!) : 0;
              if (data[idx(c, t, v, m)] === expected) checked++;
            }
      expect(checked).toBe(3 * 300 * 25 * 2);
      // a one-body file: slot 1 is all zeros
      const single = preprocessSequence(loadNtuSkeleton(A001));
      const i1 = at(300, 2);
      let slot1 = 0;
      for (let t = 0; t < 300; t++)
        for (let v = 0; v < 25; v++) slot1 += Math.abs(single.data[i1(0, t, v, 1)]!);
      expect(slot1).toBe(0);
    },
  );

  it("keeps the first T frames when the sequence is longer", () => {
    const seq = synthetic(10, 1, (t) => t + 1);
    const { data } = preprocessSequence(seq, { frames: 4, bodies: 1 });
    expect(Array.from({ length: 4 }, (_, t) => data[at(4, 1)(0, t, 0, 0)])).toEqual([1, 2, 3, 4]);
  });

  it("repeat-pad repeats from the start; resample keeps the ends and interpolates", () => {
    const seq = synthetic(3, 1, (t) => 10 * (t + 1));
    const rep = preprocessSequence(seq, { frames: 7, bodies: 1, temporal: "repeat-pad" });
    expect(Array.from({ length: 7 }, (_, t) => rep.data[at(7, 1)(2, t, 5, 0)])).toEqual([
      10, 20, 30, 10, 20, 30, 10,
    ]);
    const res = preprocessSequence(seq, { frames: 5, bodies: 1, temporal: "resample" });
    expect(Array.from({ length: 5 }, (_, t) => res.data[at(5, 1)(1, t, 3, 0)])).toEqual([10, 15, 20, 25, 30]);
  });

  it("motion-energy puts the most active body first", () => {
    const seq = synthetic(20, 3, (t, m, v, c) =>
      m === 0 ? 1 + v * 0.01 : m === 1 ? 1 + Math.sin(t) * (c + 1) : 2 + 0.1 * t,
    );
    const energy = bodyMotionEnergy(seq);
    expect(energy[1]).toBeGreaterThan(energy[2]!);
    expect(energy[2]).toBeGreaterThan(energy[0]!);
    const { data } = preprocessSequence(seq, { frames: 20, bodySelection: "motion-energy" });
    expect(data[at(20, 2)(0, 3, 0, 0)]).toBeCloseTo(1 + Math.sin(3), 5);
    expect(data[at(20, 2)(0, 3, 0, 1)]).toBeCloseTo(2.3, 5);
  });

  itWithData(
    ["real/ntu"],
    "centres on the spine joint of body 0's first frame; absent joints stay zero",
    () => {
      const { data } = preprocessSequence(loadNtuSkeleton(A058), { center: "first-frame" });
      const idx = at(300, 2);
      for (let c = 0; c < 3; c++) expect(data[idx(c, 0, NTU25.spineJoint, 0)]).toBeCloseTo(0, 6);
      expect(data[idx(0, 299, 3, 1)]).toBe(0);
      const perFrame = preprocessSequence(loadNtuSkeleton(A058), { center: "per-frame" });
      for (let c = 0; c < 3; c++) expect(perFrame.data[idx(c, 50, NTU25.spineJoint, 0)]).toBeCloseTo(0, 6);
    },
  );

  itWithData(
    ["real/ntu"],
    "view alignment puts the spine on +z and the hips on +x, and preserves distances",
    () => {
      const seq = loadNtuSkeleton(A001);
      const raw = preprocessSequence(seq, { center: "first-frame" });
      const { data } = preprocessSequence(seq, { center: "first-frame", align: true });
      const idx = at(300, 2);
      const p = (d: Float32Array, t: number, v: number) => [0, 1, 2].map((c) => d[idx(c, t, v, 0)]!);
      const { hipLeft, hipRight, spineLow, spineHigh } = NTU25.alignJoints!;
      const spine = p(data, 0, spineHigh).map((x, c) => x - p(data, 0, spineLow)[c]!);
      expect(Math.abs(spine[0]!)).toBeLessThan(1e-5);
      expect(Math.abs(spine[1]!)).toBeLessThan(1e-5);
      expect(spine[2]).toBeGreaterThan(0);
      const hip = p(data, 0, hipRight).map((x, c) => x - p(data, 0, hipLeft)[c]!);
      expect(hip[0]).toBeGreaterThan(0);
      expect(Math.abs(hip[1]!)).toBeLessThan(1e-5);
      const dist = (d: Float32Array, t: number, a: number, b: number) =>
        Math.hypot(...p(d, t, a).map((x, c) => x - p(d, t, b)[c]!));
      fc.assert(
        fc.property(fc.nat(102), fc.nat(24), fc.nat(24), (t, a, b) => {
          expect(dist(data, t, a, b)).toBeCloseTo(dist(raw.data, t, a, b), 4);
        }),
        { numRuns: 100 },
      );
    },
  );

  it("refuses bad options and non-finite joints", () => {
    const seq = synthetic(2, 1, () => 1);
    expect(() => preprocessSequence(seq, { frames: 0 })).toThrow(ValueError);
    expect(() => preprocessSequence(seq, { temporal: "loop" as never })).toThrow(/temporal/);
    expect(() => preprocessSequence({ ...seq, layout: "coco17" }, { align: true })).toThrow(ValueError);
    const bad = synthetic(2, 1, (_t, _m, v) => (v === 3 ? Number.NaN : 1));
    expect(() => preprocessSequence(bad)).toThrow(NonFiniteError);
    // degenerate view: every joint at the same point
    expect(() => preprocessSequence(seq, { align: true })).toThrow(/cannot align/);
  });

  itWithData(["real/ntu"], "output is finite and the right size for any options", () => {
    const seq = loadNtuSkeleton(A058);
    fc.assert(
      fc.property(
        fc.record({
          frames: fc.integer({ min: 1, max: 120 }),
          bodies: fc.integer({ min: 1, max: 3 }),
          temporal: fc.constantFrom("zero-pad", "repeat-pad", "resample"),
          center: fc.constantFrom("none", "first-frame", "per-frame"),
          bodySelection: fc.constantFrom("file-order", "motion-energy"),
          align: fc.boolean(),
        }),
        (options) => {
          const { shape, data } = preprocessSequence(seq, options);
          expect(shape).toEqual([3, options.frames, 25, options.bodies]);
          expect(data.length).toBe(3 * options.frames * 25 * options.bodies);
          expect(data.every(Number.isFinite)).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });
});
