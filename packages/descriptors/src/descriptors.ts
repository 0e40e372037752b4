import { ValueError } from "@skeleton-cache/errors";
import { BODY_PARTS, NTU25, NUM_PHASES, NUM_SLOTS, type SkeletonLayout } from "@skeleton-cache/skeleton";
import { assertFinite, assertShape, findNonFinite, type Tensor } from "@skeleton-cache/tensor";
import { createDescriptorKernel, type DescriptorKernel, hasDescriptorKernel } from "./kernel/kernel.js";

export interface DescriptorOptions {
  /** "wasm" (WebAssembly SIMD, the default where available) or "js" (plain loops); same results up to float32 rounding. */
  readonly kernel?: "wasm" | "js";
  /** Joint layout whose four body parts give the spatial slots. Default NTU25. */
  readonly layout?: SkeletonLayout;
}

/**
 * Room for a chunk of samples: F is written straight into `input` (for the
 * WebAssembly kernel, its own memory), `extract(count)` computes the first
 * `count` samples' descriptors into `output`. Reading F from a file into
 * `input` means each byte of F is copied once, by the read itself.
 */
export interface DescriptorBatch {
  /** Samples the batch holds. */
  readonly capacity: number;
  /** (capacity, C, T, V): the feature volumes to describe. */
  readonly input: Float32Array;
  /** (capacity, slots, C): the descriptors, after `extract`. */
  readonly output: Float32Array;
  /** Descriptors of samples 0..count-1 of `input` into `output`; values are not checked. */
  extract(count: number): void;
}

/** A half-open range [start, end) of time steps. */
export interface PhaseRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Phase z covers [e_z, max(e_{z+1}, e_z + 1)) with e_z = round(T·z/P) and
 * e_P = T (SPEC §2): for tiny T a phase still covers one step. P is the slot
 * layout's phase count (3); other values serve tests of the rule itself.
 */
export function phaseRanges(timeSteps: number, phases: number = NUM_PHASES): PhaseRange[] {
  if (!Number.isInteger(phases) || phases < 1) {
    throw new ValueError(`phases must be a positive integer, got ${phases}`, {
      field: "phases",
      value: phases,
    });
  }
  if (!Number.isInteger(timeSteps) || timeSteps < phases) {
    throw new ValueError(
      `T = ${timeSteps} time steps is too short for ${phases} temporal phases (need T ≥ ${phases})`,
      {
        field: "T",
        value: timeSteps,
        expected: `>= ${phases}`,
      },
    );
  }
  const edges: number[] = [];
  for (let z = 0; z < phases; z++) edges.push(Math.round((timeSteps * z) / phases));
  edges.push(timeSteps);
  const ranges: PhaseRange[] = [];
  for (let z = 0; z < phases; z++) {
    const start = edges[z]!;
    ranges.push({ start, end: Math.max(edges[z + 1]!, start + 1) });
  }
  return ranges;
}

/**
 * Computes Skeleton-Cache's structured descriptors (Eq. 3–4) from feature
 * volumes F (C, T, V) in one pass over F. Reusable: its scratch buffers are
 * allocated once, so extracting a sample allocates nothing.
 */
export class DescriptorExtractor {
  readonly channels: number;
  readonly timeSteps: number;
  readonly joints: number;
  readonly phases: readonly PhaseRange[];
  /** Number of descriptor slots D (the slot layout's, SPEC §2). */
  readonly numSlots = NUM_SLOTS;
  private readonly parts: readonly Int32Array[];
  private readonly jointSum: Float64Array;
  private readonly phaseJointSum: Float64Array;
  /** JS path: one channel's (P, V) table. */
  private readonly table64: Float64Array;
  /** The one-sample kernel of `extractInto`, made on first use. */
  private wasm: DescriptorKernel | null = null;
  private readonly kernelShape: Parameters<typeof createDescriptorKernel>[1];
  /** Which kernel extraction uses. */
  readonly kernel: "wasm" | "js";

  constructor(channels: number, timeSteps: number, joints: number, options: DescriptorOptions = {}) {
    const layout = options.layout ?? NTU25;
    if (joints !== layout.numJoints) {
      throw new ValueError(
        `feature volume has V = ${joints} joints but layout "${layout.id}" has ${layout.numJoints}; pass the matching layout`,
        { field: "V", value: joints, expected: layout.numJoints },
      );
    }
    if (!Number.isInteger(channels) || channels < 1) {
      throw new ValueError(`C must be a positive integer, got ${channels}`, { field: "C", value: channels });
    }
    this.channels = channels;
    this.timeSteps = timeSteps;
    this.joints = joints;
    this.phases = phaseRanges(timeSteps);
    this.parts = BODY_PARTS.map((part) => {
      const members = layout.parts[part];
      if (members.length === 0) {
        throw new ValueError(`layout "${layout.id}": part "${part}" has no joints`, {
          field: `parts.${part}`,
        });
      }
      for (const joint of members) {
        if (!Number.isInteger(joint) || joint < 0 || joint >= joints) {
          throw new ValueError(
            `layout "${layout.id}": part "${part}" names joint ${joint}, outside 0..${joints - 1}`,
            {
              field: `parts.${part}`,
              value: joint,
            },
          );
        }
      }
      return Int32Array.from(members);
    });
    this.jointSum = new Float64Array(joints);
    this.phaseJointSum = new Float64Array(joints);
    this.table64 = new Float64Array(this.phases.length * joints);
    this.kernelShape = {
      timeSteps,
      joints,
      phases: this.phases,
      parts: this.parts.map((members) => Array.from(members)),
    };
    const wasm = options.kernel !== "js" && hasDescriptorKernel(this.kernelShape);
    if (options.kernel === "wasm" && !wasm) {
      throw new ValueError('WebAssembly SIMD is not available in this runtime; use kernel: "js"', {
        field: "kernel",
        value: options.kernel,
      });
    }
    this.kernel = wasm ? "wasm" : "js";
  }

  /**
   * Descriptors of one sample: reads F (C, T, V) at `featureOffset`, writes
   * (numSlots, C) at `outOffset` (slot-major: out[slot·C + c]).
   */
  extractInto(features: Float32Array, featureOffset: number, out: Float32Array, outOffset: number): void {
    if (this.kernel === "wasm") {
      this.extractWasm(features, featureOffset, out, outOffset);
      return;
    }
    const { channels, timeSteps, joints, phaseJointSum } = this;
    const numPhases = this.phases.length;
    const perChannel = timeSteps * joints;
    for (let channel = 0; channel < channels; channel++) {
      const channelBase = featureOffset + channel * perChannel;
      // The phases partition [0, T) (T ≥ phases): one pass over the (T, V) plane,
      // summing each phase's rows per joint.
      for (let phase = 0; phase < numPhases; phase++) {
        const { start, end } = this.phases[phase]!;
        phaseJointSum.fill(0);
        for (let step = start; step < end; step++) {
          const rowBase = channelBase + step * joints;
          for (let joint = 0; joint < joints; joint++) phaseJointSum[joint] += features[rowBase + joint]!;
        }
        this.table64.set(phaseJointSum, phase * joints);
      }
      this.descriptorsFromTable(this.table64, 0, channel, out, outOffset);
    }
  }

  /**
   * A batch for `capacity` samples (see `DescriptorBatch`): with the
   * WebAssembly kernel its input and output live in the kernel's own memory,
   * so F read into `input` is described in place.
   */
  createBatch(capacity: number): DescriptorBatch {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new ValueError(`batch capacity must be a positive integer, got ${capacity}`, {
        field: "capacity",
        value: capacity,
      });
    }
    const perSample = this.channels * this.timeSteps * this.joints;
    const perOutput = this.numSlots * this.channels;
    const kernel =
      this.kernel === "wasm" ? createDescriptorKernel(this.channels, this.kernelShape, capacity) : null;
    if (kernel)
      return { capacity, input: kernel.input, output: kernel.output, extract: (n) => kernel.run(n) };
    const input = new Float32Array(capacity * perSample);
    const output = new Float32Array(capacity * perOutput);
    return {
      capacity,
      input,
      output,
      extract: (count) => {
        for (let sample = 0; sample < count; sample++)
          this.extractInto(input, sample * perSample, output, sample * perOutput);
      },
    };
  }

  /** Copies F into the kernel's memory, runs it, copies the descriptors out. */
  private extractWasm(
    features: Float32Array,
    featureOffset: number,
    out: Float32Array,
    outOffset: number,
  ): void {
    this.wasm ??= createDescriptorKernel(this.channels, this.kernelShape);
    const kernel = this.wasm!;
    kernel.input.set(features.subarray(featureOffset, featureOffset + kernel.input.length));
    kernel.run(1);
    out.set(kernel.output, outOffset);
  }

  /**
   * One channel's descriptors from its (P, V) table of phase-by-joint sums at
   * `tableOffset`: parts from the joint sums, phases from the phase sums.
   */
  private descriptorsFromTable(
    table: Float32Array | Float64Array,
    tableOffset: number,
    channel: number,
    out: Float32Array,
    outOffset: number,
  ): void {
    const { channels, timeSteps, joints, jointSum } = this;
    const numParts = this.parts.length;
    const numPhases = this.phases.length;
    const globalSlot = numParts + numPhases;
    jointSum.fill(0);
    let total = 0;
    for (let phase = 0; phase < numPhases; phase++) {
      const { start, end } = this.phases[phase]!;
      const rowBase = tableOffset + phase * joints;
      let phaseTotal = 0;
      for (let joint = 0; joint < joints; joint++) {
        const value = table[rowBase + joint]!;
        phaseTotal += value;
        jointSum[joint] += value;
      }
      total += phaseTotal;
      // Eq. 4: phase descriptor = mean over all joints and the phase's time steps.
      out[outOffset + (numParts + phase) * channels + channel] = phaseTotal / ((end - start) * joints);
    }
    // Eq. 3: part descriptor = mean over all t and the part's joints.
    for (let part = 0; part < numParts; part++) {
      const members = this.parts[part]!;
      let sum = 0;
      for (let m = 0; m < members.length; m++) sum += jointSum[members[m]!]!;
      out[outOffset + part * channels + channel] = sum / (members.length * timeSteps);
    }
    // Global descriptor = mean over all t and all joints.
    out[outOffset + globalSlot * channels + channel] = total / (timeSteps * joints);
  }
}

/**
 * Batch extraction: F of shape (N, C, T, V) → descriptors (N, slots, C).
 * Throws on a wrong rank, a joint count that does not match the layout, or a
 * non-finite feature (naming its index).
 */
export function extractDescriptors(features: Tensor, options: DescriptorOptions = {}): Tensor {
  assertShape(features.shape, ["N", "C", "T", "V"], "features");
  const [samples, channels, timeSteps, joints] = features.shape as [number, number, number, number];
  const extractor = new DescriptorExtractor(channels, timeSteps, joints, options);
  const slots = extractor.numSlots;
  const out = new Float32Array(samples * slots * channels);
  const perSample = channels * timeSteps * joints;
  for (let sample = 0; sample < samples; sample++) {
    extractor.extractInto(features.data, sample * perSample, out, sample * slots * channels);
  }
  // Every value of F reaches a descriptor, so NaN / ±Infinity in F shows in the
  // (much smaller) output; only then is F searched, to name the exact index.
  if (findNonFinite(out) >= 0) {
    assertFinite(features.data, "features", features.shape);
    assertFinite(out, "descriptors (float32 overflow of finite features)", [samples, slots, channels]);
  }
  return { data: out, shape: [samples, slots, channels] };
}
