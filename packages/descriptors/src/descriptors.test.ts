import { NonFiniteError, ShapeError, ValueError } from "@skeleton-cache/errors";
import { COCO17, DESCRIPTOR_SLOTS, KINECT_V1_20, NTU25, NUM_SLOTS } from "@skeleton-cache/skeleton";
import { seededRandom } from "@skeleton-cache/tensor";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DescriptorExtractor, extractDescriptors, phaseRanges } from "./index.js";

/** Straight from the definition: mean of F over a set of (t, v) cells, per channel. */
function naiveMean(
  data: Float32Array,
  shape: readonly number[],
  sample: number,
  channel: number,
  steps: number[],
  joints: number[],
): number {
  const [, C, T, V] = shape as [number, number, number, number];
  let sum = 0;
  for (const t of steps) for (const v of joints) sum += data[((sample * C + channel) * T + t) * V + v]!;
  return sum / (steps.length * joints.length);
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe("phase ranges (SPEC §2)", () => {
  it("splits T = 12 into 0:4, 4:8, 8:12 and T = 13 into SMIE's 0:4, 4:9, 9:13", () => {
    expect(phaseRanges(12)).toEqual([
      { start: 0, end: 4 },
      { start: 4, end: 8 },
      { start: 8, end: 12 },
    ]);
    expect(phaseRanges(13)).toEqual([
      { start: 0, end: 4 },
      { start: 4, end: 9 },
      { start: 9, end: 13 },
    ]);
  });
  it("keeps one step per phase for tiny T (the max(e_{z+1}, e_z + 1) rule)", () => {
    expect(phaseRanges(3)).toEqual([
      { start: 0, end: 1 },
      { start: 1, end: 2 },
      { start: 2, end: 3 },
    ]);
    // T = 4: e = 0, 1, 3, 4
    expect(phaseRanges(4)).toEqual([
      { start: 0, end: 1 },
      { start: 1, end: 3 },
      { start: 3, end: 4 },
    ]);
  });
  it("covers every step and never leaves a phase empty", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 400 }), (phases, extra) => {
        const T = phases + extra;
        const ranges = phaseRanges(T, phases);
        expect(ranges[0]!.start).toBe(0);
        expect(ranges[phases - 1]!.end).toBe(T);
        for (const r of ranges) {
          expect(r.end).toBeGreaterThan(r.start);
          expect(r.end).toBeLessThanOrEqual(T);
        }
      }),
    );
  });
  it("refuses T shorter than the number of phases", () => {
    expect(() => phaseRanges(2)).toThrow(/T = 2 time steps is too short for 3 temporal phases/);
  });
});

describe("extractDescriptors (Eq. 3–4)", () => {
  it("matches the definition on random NTU-25 volumes, slot by slot", () => {
    const random = seededRandom(11);
    const shape = [3, 5, 13, 25];
    const data = new Float32Array(shape.reduce((a, b) => a * b));
    for (let i = 0; i < data.length; i++) data[i] = random.normal();
    const out = extractDescriptors({ data, shape });
    expect(out.shape).toEqual([3, 8, 5]);
    const allSteps = range(0, 13);
    const allJoints = range(0, 25);
    const phases = [range(0, 4), range(4, 9), range(9, 13)];
    for (let n = 0; n < 3; n++) {
      for (let c = 0; c < 5; c++) {
        const expected = [
          naiveMean(data, shape, n, c, allSteps, [...NTU25.parts.head]),
          naiveMean(data, shape, n, c, allSteps, [...NTU25.parts.torso]),
          naiveMean(data, shape, n, c, allSteps, [...NTU25.parts.arms]),
          naiveMean(data, shape, n, c, allSteps, [...NTU25.parts.feet]),
          naiveMean(data, shape, n, c, phases[0]!, allJoints),
          naiveMean(data, shape, n, c, phases[1]!, allJoints),
          naiveMean(data, shape, n, c, phases[2]!, allJoints),
          naiveMean(data, shape, n, c, allSteps, allJoints),
        ];
        for (let slot = 0; slot < 8; slot++) {
          expect(out.data[(n * 8 + slot) * 5 + c]).toBeCloseTo(expected[slot]!, 5);
        }
      }
    }
  });

  it("descriptor of a constant F equals that constant (property)", () => {
    fc.assert(
      fc.property(
        fc.float({ min: -1000, max: 1000, noNaN: true }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 3, max: 20 }),
        fc.constantFrom(NTU25, KINECT_V1_20, COCO17),
        (value, C, T, layout) => {
          const shape = [2, C, T, layout.numJoints];
          const data = new Float32Array(2 * C * T * layout.numJoints).fill(value);
          const out = extractDescriptors({ data, shape }, { layout });
          for (const d of out.data) expect(d).toBeCloseTo(Math.fround(value), 3);
        },
      ),
    );
  });

  it("the WebAssembly SIMD and plain-loop kernels agree on every layout and T (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(NTU25, KINECT_V1_20, COCO17),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer(),
        (layout, extra, C, seed) => {
          const T = 3 + extra;
          const random = seededRandom(seed);
          const data = new Float32Array(2 * C * T * layout.numJoints);
          for (let i = 0; i < data.length; i++) data[i] = random.normal();
          const shape = [2, C, T, layout.numJoints];
          const wasm = extractDescriptors({ data, shape }, { layout, kernel: "wasm" });
          const js = extractDescriptors({ data, shape }, { layout, kernel: "js" });
          expect(wasm.shape).toEqual(js.shape);
          for (let i = 0; i < js.data.length; i++) expect(wasm.data[i]).toBeCloseTo(js.data[i]!, 4);
        },
      ),
      { numRuns: 40 },
    );
    expect(new DescriptorExtractor(2, 5, 25).kernel).toBe("wasm");
    expect(new DescriptorExtractor(2, 5, 25, { kernel: "js" }).kernel).toBe("js");
  });

  it("writes the 8 slots of the layout in skeleton's slot order", () => {
    const shape = [1, 1, 6, 25];
    const data = new Float32Array(6 * 25);
    // F[t, v] = t: phases are [0,2), [2,4), [4,6) → 0.5, 2.5, 4.5; every part and global → 2.5
    for (let t = 0; t < 6; t++) for (let v = 0; v < 25; v++) data[t * 25 + v] = t;
    const out = extractDescriptors({ data, shape });
    expect(out.shape).toEqual([1, NUM_SLOTS, 1]);
    expect(DESCRIPTOR_SLOTS).toHaveLength(8);
    const bySlot = Object.fromEntries(
      DESCRIPTOR_SLOTS.map((name, slot) => [name, Number(out.data[slot]!.toFixed(5))]),
    );
    expect(bySlot).toEqual({
      "spatial.head": 2.5,
      "spatial.torso": 2.5,
      "spatial.arms": 2.5,
      "spatial.feet": 2.5,
      "temporal.begin": 0.5,
      "temporal.middle": 2.5,
      "temporal.end": 4.5,
      global: 2.5,
    });
  });

  it("gives clear errors for a wrong rank, a wrong joint count and NaN", () => {
    expect(() => extractDescriptors({ data: new Float32Array(6), shape: [2, 3] })).toThrow(ShapeError);
    expect(() =>
      extractDescriptors({ data: new Float32Array(1 * 2 * 3 * 20), shape: [1, 2, 3, 20] }),
    ).toThrow(/V = 20 joints but layout "ntu25" has 25/);
    const data = new Float32Array(1 * 2 * 3 * 25);
    data[2 * 3 * 25 - 1] = Number.NaN;
    expect(() => extractDescriptors({ data, shape: [1, 2, 3, 25] })).toThrow(NonFiniteError);
    expect(() => extractDescriptors({ data, shape: [1, 2, 3, 25] })).toThrow(
      /features\[0, 1, 2, 24\] is NaN/,
    );
    expect(() => new DescriptorExtractor(0, 3, 25)).toThrow(ValueError);
    const infinite = new Float32Array(2 * 2 * 3 * 25);
    infinite[2 * 3 * 25 + 7] = Number.NEGATIVE_INFINITY;
    expect(() => extractDescriptors({ data: infinite, shape: [2, 2, 3, 25] })).toThrow(
      /features\[1, 0, 0, 7\] is -Infinity/,
    );
    // finite features whose float32 sums overflow
    const huge = new Float32Array(1 * 1 * 3 * 25).fill(3e38);
    expect(() => extractDescriptors({ data: huge, shape: [1, 1, 3, 25] })).toThrow(
      /descriptors \(float32 overflow/,
    );
  });
});

describe("DescriptorExtractor.createBatch (F read in place)", () => {
  it("describes a chunk in place, bit for bit as one sample at a time, on both kernels (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(NTU25, KINECT_V1_20, COCO17),
        fc.integer({ min: 3, max: 20 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom("wasm" as const, "js" as const),
        fc.integer(),
        (layout, T, C, capacity, kernel, seed) => {
          const V = layout.numJoints;
          const extractor = new DescriptorExtractor(C, T, V, { layout, kernel });
          const batch = extractor.createBatch(capacity);
          expect(batch.input.length).toBe(capacity * C * T * V);
          expect(batch.output.length).toBe(capacity * NUM_SLOTS * C);
          const random = seededRandom(seed);
          for (let i = 0; i < batch.input.length; i++) batch.input[i] = random.normal();
          const count = Math.max(1, capacity - 1);
          batch.extract(count);
          const one = new Float32Array(NUM_SLOTS * C);
          for (let sample = 0; sample < count; sample++) {
            extractor.extractInto(batch.input, sample * C * T * V, one, 0);
            const got = batch.output.subarray(sample * NUM_SLOTS * C, (sample + 1) * NUM_SLOTS * C);
            expect(Array.from(got)).toEqual(Array.from(one));
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("keeps a WebAssembly batch's input in the kernel's own memory", () => {
    const wasm = new DescriptorExtractor(4, 6, 25).createBatch(3);
    expect(wasm.input.buffer).toBe(wasm.output.buffer);
    expect(wasm.input.buffer).toBeInstanceOf(ArrayBuffer);
    expect(() => new DescriptorExtractor(4, 6, 25).createBatch(0)).toThrow(/batch capacity/);
  });
});
