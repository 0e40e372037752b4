/**
 * The descriptor kernel two ways, in one run: the product's kernel,
 * specialised to (T, V, phases, parts) at run time by the descriptors
 * package's private assembler, against the same computation written once as
 * WebAssembly text that loops over them (`descriptors-generic.wat`, compiled
 * here by wabt). Both describe F in place in their own memory; the outputs
 * are compared bit for bit.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DescriptorExtractor, phaseRanges } from "@skeleton-cache/descriptors";
import { BODY_PARTS, NTU25 } from "@skeleton-cache/skeleton";
import { seededRandom } from "@skeleton-cache/tensor";
import initWabt from "wabt";

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface KernelRow {
  readonly group: "kernels";
  readonly name: string;
  readonly [key: string]: string | number | boolean;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
}
const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

async function compileGeneric(): Promise<object> {
  const wabt = await initWabt();
  const text = fs.readFileSync(path.join(HERE, "descriptors-generic.wat"), "utf8");
  const module = wabt.parseWat("descriptors-generic.wat", text, { simd: true });
  try {
    module.validate();
    return new api.Module(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/** The generic kernel over its own memory: config, scratch, input for `samples`, output. */
function genericKernel(module: object, channels: number, timeSteps: number, samples: number) {
  const joints = NTU25.numJoints;
  const phases = phaseRanges(timeSteps);
  const parts = BODY_PARTS.map((part) => [...NTU25.parts[part]]);
  const configBytes = 28 + 12 * (phases.length + parts.length) + 4 * parts.flat().length;
  const scratch = Math.ceil(configBytes / 16) * 16;
  const input = scratch + joints * 16 + 4 * phases.length * Math.ceil(joints / 4) * 16 + 128;
  const inputFloats = samples * channels * timeSteps * joints;
  const output = input + 4 * inputFloats + 128;
  const pages = Math.ceil((output + 4 * samples * 8 * channels) / 65536);
  const memory = new api.Memory({ initial: pages, maximum: pages });
  const view = new DataView(memory.buffer);
  for (const [at, value] of [
    [0, channels],
    [4, timeSteps],
    [8, joints],
    [12, phases.length],
    [16, parts.length],
    [20, scratch],
  ])
    view.setInt32(at!, value!, true);
  view.setFloat32(24, 1 / (timeSteps * joints), true);
  let record = 28;
  for (const { start, end } of phases) {
    view.setInt32(record, start, true);
    view.setInt32(record + 4, end, true);
    view.setFloat32(record + 8, 1 / ((end - start) * joints), true);
    record += 12;
  }
  let members = 28 + 12 * (phases.length + parts.length);
  for (const part of parts) {
    view.setInt32(record, part.length, true);
    view.setInt32(record + 4, members, true);
    view.setFloat32(record + 8, 1 / (part.length * timeSteps), true);
    record += 12;
    for (const joint of part) {
      view.setInt32(members, joint, true);
      members += 4;
    }
  }
  const instance = new api.Instance(module, { env: { memory } });
  const run = instance.exports.descriptors as (i: number, o: number, n: number, c: number) => void;
  return {
    input: new Float32Array(memory.buffer, input, inputFloats),
    output: new Float32Array(memory.buffer, output, samples * 8 * channels),
    run: (count: number) => run(input, output, count, 0),
  };
}

function secondsPer(body: () => void, calls: number): number {
  body();
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) body();
  return Number(process.hrtime.bigint() - start) / 1e9 / calls;
}

export async function kernelBench(quick: boolean, log: (m: string) => void): Promise<KernelRow[]> {
  const module = await compileGeneric();
  const rows: KernelRow[] = [];
  const C = 256;
  const samples = 64;
  for (const T of [13, 25, 75]) {
    const perSample = C * T * NTU25.numJoints;
    const random = seededRandom(T);
    const data = new Float32Array(samples * perSample);
    for (let i = 0; i < data.length; i++) data[i] = random.normal();
    const extractor = new DescriptorExtractor(C, T, NTU25.numJoints);
    const specialisedBatch = extractor.createBatch(samples);
    const specialisedOne = extractor.createBatch(1);
    const genericBatch = genericKernel(module, C, T, samples);
    const genericOne = genericKernel(module, C, T, 1);
    specialisedBatch.input.set(data);
    genericBatch.input.set(data);
    specialisedOne.input.set(data.subarray(0, perSample));
    genericOne.input.set(data.subarray(0, perSample));
    specialisedBatch.extract(samples);
    genericBatch.run(samples);
    const same = Buffer.from(
      specialisedBatch.output.buffer,
      specialisedBatch.output.byteOffset,
      specialisedBatch.output.byteLength,
    ).equals(
      Buffer.from(genericBatch.output.buffer, genericBatch.output.byteOffset, genericBatch.output.byteLength),
    );
    // Interleaved rounds, best of each: the machine's load moves both alike.
    const times = {
      specialisedOne: Infinity,
      genericOne: Infinity,
      specialisedBatch: Infinity,
      genericBatch: Infinity,
    };
    const oneCalls = quick ? 50 : 200;
    for (let round = 0; round < (quick ? 2 : 6); round++) {
      times.specialisedOne = Math.min(
        times.specialisedOne,
        secondsPer(() => specialisedOne.extract(1), oneCalls),
      );
      times.genericOne = Math.min(
        times.genericOne,
        secondsPer(() => genericOne.run(1), oneCalls),
      );
      times.specialisedBatch = Math.min(
        times.specialisedBatch,
        secondsPer(() => specialisedBatch.extract(samples), 4) / samples,
      );
      times.genericBatch = Math.min(
        times.genericBatch,
        secondsPer(() => genericBatch.run(samples), 4) / samples,
      );
    }
    rows.push({
      group: "kernels",
      name: `descriptor kernel C=${C} T=${T} V=25`,
      T,
      bitIdentical: same,
      specialisedResidentPerSecond: 1 / times.specialisedOne,
      genericResidentPerSecond: 1 / times.genericOne,
      residentRatio: times.genericOne / times.specialisedOne,
      specialisedBatchPerSecond: 1 / times.specialisedBatch,
      genericBatchPerSecond: 1 / times.genericBatch,
      batchRatio: times.genericBatch / times.specialisedBatch,
    });
    log(
      `kernels T=${T}: text/specialised time ${(times.genericOne / times.specialisedOne).toFixed(2)} (one resident sample), ${(times.genericBatch / times.specialisedBatch).toFixed(2)} (batch of ${samples}); same bits: ${same}`,
    );
  }
  return rows;
}
