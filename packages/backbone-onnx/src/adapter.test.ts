import fs from "node:fs";
import path from "node:path";
import { createBackbone, encodeDataset, listBackbones, zeroShotLogits } from "@skeleton-cache/backbone";
import { FormatError, NonFiniteError, ShapeError, ValueError } from "@skeleton-cache/errors";
import { encodeNpy } from "@skeleton-cache/formats";
import type { Tensor } from "@skeleton-cache/tensor";
import { tempDir } from "@skeleton-cache/test-support";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  loadOnnxBackbone,
  ONNX_BACKBONE_CONFIG_FORMAT,
  type OnnxBackbone,
  type OnnxBackboneConfig,
} from "./index.js";
import {
  TINY,
  type TinyVariant,
  tinyInput,
  tinyModel,
  tinyReference,
  tinyWeights,
} from "./test-support/tiny-model.js";

const tmp = tempDir("skc-onnx-");

const weights = tinyWeights(11);

function config(overrides: Partial<OnnxBackboneConfig> = {}): OnnxBackboneConfig {
  return {
    format: ONNX_BACKBONE_CONFIG_FORMAT,
    input: { name: "x", frames: TINY.frames, joints: TINY.joints, persons: TINY.persons },
    features: { name: "features", persons: "separate" },
    output: { kind: "logits", name: "logits" },
    ...overrides,
  };
}

/** Writes `<name>.onnx` and `<name>.backbone.json`; returns the model path. */
function writeModel(name: string, variant: TinyVariant, cfg: unknown = config()): string {
  const model = path.join(tmp, `${name}.onnx`);
  fs.writeFileSync(model, tinyModel(variant, weights));
  fs.writeFileSync(path.join(tmp, `${name}.backbone.json`), JSON.stringify(cfg));
  return model;
}

function samplesOf(x: Tensor): Tensor[] {
  const [n, ...rest] = x.shape as number[];
  const size = x.data.length / n!;
  return Array.from({ length: n! }, (_, i) => ({
    data: x.data.slice(i * size, (i + 1) * size),
    shape: rest,
  }));
}

function expectClose(actual: Tensor, expected: Tensor, tolerance = 1e-4): void {
  expect(actual.shape).toEqual(expected.shape);
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++)
    worst = Math.max(worst, Math.abs(actual.data[i]! - expected.data[i]!));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

function selectColumns(t: Tensor, columns: number[]): Tensor {
  const [n, k] = t.shape as [number, number];
  const data = new Float32Array(n * columns.length);
  for (let i = 0; i < n; i++)
    for (let u = 0; u < columns.length; u++) data[i * columns.length + u] = t.data[i * k + columns[u]!]!;
  return { data, shape: [n, columns.length] };
}

describe("ONNX adapter on a graph built in TypeScript", () => {
  const separate = writeModel("separate", "separate");

  it("registers itself as 'onnx' and matches the JS reference (per-person features averaged)", async () => {
    expect(listBackbones()).toContain("onnx");
    const backbone = (await createBackbone<Tensor>("onnx", {
      model: separate,
      warmup: 1,
      threads: 1,
    })) as OnnxBackbone;
    try {
      expect(backbone.name).toBe("onnx");
      expect(backbone.candidateClasses).toEqual([0, 1, 2, 3, 4, 5, 6]);
      const x = tinyInput(5, 3);
      const want = tinyReference(x, weights);
      const out = await backbone.run(x);
      expectClose(out.features, want.features);
      expectClose(out.logits, want.output);
      const viaEncode = await backbone.encode(samplesOf(x));
      expect(Array.from(viaEncode.logits.data)).toEqual(Array.from(out.logits.data));
    } finally {
      await backbone.close();
    }
  });

  it("keeps the candidate classes' columns in order", async () => {
    const backbone = await loadOnnxBackbone({ model: separate, candidateClasses: [1, 4, 6] });
    try {
      const x = tinyInput(2, 4);
      const out = await backbone.run(x);
      expectClose(out.logits, selectColumns(tinyReference(x, weights).output, [1, 4, 6]));
      await expect(loadOnnxBackbone({ model: separate, candidateClasses: [2, 7] })).rejects.toThrow(
        /candidateClasses\[1\] is 7; the model has 7 classes/,
      );
    } finally {
      await backbone.close();
    }
  });

  it("batches a dataset without changing the results", async () => {
    const backbone = await loadOnnxBackbone({ model: separate, batchSize: 1 });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 7 }),
          fc.integer({ min: 1, max: 4 }),
          async (n, batchSize) => {
            const x = tinyInput(n, n * 31 + batchSize);
            const want = tinyReference(x, weights);
            const logits: number[] = [];
            const features: number[] = [];
            let expectedOffset = 0;
            for await (const batch of encodeDataset({ ...backbone, batchSize }, samplesOf(x))) {
              expect(batch.offset).toBe(expectedOffset);
              expect(batch.count).toBe(Math.min(batchSize, n - expectedOffset));
              expectedOffset += batch.count;
              logits.push(...batch.logits.data);
              features.push(...batch.features.data);
            }
            expect(expectedOffset).toBe(n);
            expectClose({ data: Float32Array.from(logits), shape: want.output.shape }, want.output);
            expectClose({ data: Float32Array.from(features), shape: want.features.shape }, want.features);
          },
        ),
        { numRuns: 8 },
      );
    } finally {
      await backbone.close();
    }
  });

  it("takes features already averaged in the graph", async () => {
    const model = writeModel(
      "averaged",
      "averaged",
      config({ features: { name: "features", persons: "averaged" } }),
    );
    const backbone = await loadOnnxBackbone({ model, warmup: 2 });
    try {
      const x = tinyInput(3, 5);
      const want = tinyReference(x, weights);
      const out = await backbone.run(x);
      expectClose(out.features, want.features);
      expectClose(out.logits, want.output);
    } finally {
      await backbone.close();
    }
  });

  it("scores an embedding output with a zero-shot head (cosine / τ and dot)", async () => {
    const text = new Float32Array(5 * TINY.classes);
    for (let i = 0; i < text.length; i++) text[i] = Math.sin(i * 0.37) + 0.1;
    fs.writeFileSync(path.join(tmp, "text.npy"), encodeNpy(text, [5, TINY.classes]));
    const cosineCfg = config({
      output: {
        kind: "embedding",
        name: "embedding",
        classEmbeddings: "text.npy",
        head: { metric: "cosine", temperature: 0.07 },
      },
    });
    const model = writeModel("embedding", "embedding", cosineCfg);
    const x = tinyInput(4, 6);
    const embedding = tinyReference(x, weights).output;
    const backbone = await loadOnnxBackbone({ model, candidateClasses: [0, 2, 3] });
    try {
      expect(backbone.candidateClasses).toEqual([0, 2, 3]);
      const picked = new Float32Array(3 * TINY.classes);
      [0, 2, 3].forEach((row, u) => {
        picked.set(text.subarray(row * TINY.classes, (row + 1) * TINY.classes), u * TINY.classes);
      });
      const want = zeroShotLogits(
        embedding,
        { data: picked, shape: [3, TINY.classes] },
        { metric: "cosine", temperature: 0.07 },
      );
      expectClose((await backbone.run(x)).logits, want, 1e-3);
    } finally {
      await backbone.close();
    }
    fs.writeFileSync(
      path.join(tmp, "embedding.backbone.json"),
      JSON.stringify(
        config({
          output: {
            kind: "embedding",
            name: "embedding",
            classEmbeddings: "text.npy",
            head: { metric: "dot" },
          },
        }),
      ),
    );
    const dotBackbone = await loadOnnxBackbone({ model });
    try {
      const want = zeroShotLogits(embedding, { data: text, shape: [5, TINY.classes] }, { metric: "dot" });
      expectClose((await dotBackbone.run(x)).logits, want);
    } finally {
      await dotBackbone.close();
    }
  });
});

describe("ONNX adapter errors", () => {
  const good = writeModel("good", "separate");

  it("names the config file, the wrong input name and the model's inputs", async () => {
    const model = writeModel("wrong-input", "separate", config({ input: { name: "skeleton" } }));
    const error = await loadOnnxBackbone({ model }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toContain("wrong-input.backbone.json");
    expect((error as Error).message).toContain(`input.name "skeleton" is not an input of ${model}`);
    expect((error as Error).message).toContain('["x"]');
  });

  it("names a wrong output name", async () => {
    const model = writeModel(
      "wrong-output",
      "separate",
      config({ features: { name: "feats", persons: "separate" } }),
    );
    await expect(loadOnnxBackbone({ model })).rejects.toThrow(
      /features.name "feats" is not an output of .*wrong-output.onnx; the model's outputs are \["features","logits"\]/,
    );
  });

  it("rejects a skeleton input of the wrong rank, naming model, tensor and shape", async () => {
    const model = writeModel("rank4", "rank4-input", config({ input: { name: "x" } }));
    const error = await loadOnnxBackbone({ model }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShapeError);
    expect((error as Error).message).toBe(
      `${model}: input "x" has rank 4 (N, 3, 6, 5); the skeleton input must be (N, 3, T, V, M) (a model that takes derived streams, e.g. (N, I, C, T, V, M), needs a wrapper that builds them in forward: tooling/export/README.md)`,
    );
  });

  it("rejects a batch of the wrong rank or size at encode time", async () => {
    const backbone = await loadOnnxBackbone({ model: good });
    try {
      await expect(backbone.run({ data: new Float32Array(3 * 6 * 5), shape: [1, 3, 6, 5] })).rejects.toThrow(
        /good.onnx: skeleton batch for input "x" has shape \(1, 3, 6, 5\); expected \(N, 3, T, V, M\)/,
      );
      await expect(
        backbone.run({ data: new Float32Array(3 * 6 * 4 * 2), shape: [1, 3, 6, 4, 2] }),
      ).rejects.toThrow(/has 4 at dimension 3 \(1, 3, 6, 4, 2\); the model needs 5/);
      const x = tinyInput(2, 1);
      await expect(
        backbone.encode([samplesOf(x)[0]!, { data: new Float32Array(3), shape: [3, 1, 1, 1] }]),
      ).rejects.toThrow(/sample 1 for input "x" has shape \(3, 1, 1, 1\) but sample 0 has \(3, 6, 5, 2\)/);
      x.data[7] = Number.NaN;
      await expect(backbone.run(x)).rejects.toThrow(NonFiniteError);
    } finally {
      await backbone.close();
    }
    await expect(backbone.run(tinyInput(1, 1))).rejects.toThrow(/is closed/);
  });

  it("rejects a file that is not ONNX with a FormatError naming it", async () => {
    const model = path.join(tmp, "notes.onnx");
    fs.writeFileSync(model, "these are not protobuf bytes, just text\n");
    fs.writeFileSync(path.join(tmp, "notes.backbone.json"), JSON.stringify(config()));
    const error = await loadOnnxBackbone({ model }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toContain(`${model}: not a loadable ONNX model`);
    await expect(
      loadOnnxBackbone({
        model: path.join(tmp, "missing.onnx"),
        config: path.join(tmp, "notes.backbone.json"),
      }),
    ).rejects.toThrow(/missing.onnx: cannot read the ONNX model/);
  });

  it("names a missing model before its config; a model without its config names the config and how to give one", async () => {
    const nope = path.join(tmp, "nope.onnx");
    const missing = (await loadOnnxBackbone({ model: nope }).catch((e: unknown) => e)) as Error;
    expect(missing).toBeInstanceOf(FormatError);
    expect(missing.message).toMatch(new RegExp(`^${nope}: cannot read the ONNX model: it does not exist`));
    expect(missing.message).not.toContain("backbone.json");

    const bare = path.join(tmp, "bare.onnx");
    fs.writeFileSync(bare, tinyModel("separate", weights));
    const noConfig = (await loadOnnxBackbone({ model: bare }).catch((e: unknown) => e)) as Error;
    expect(noConfig).toBeInstanceOf(FormatError);
    const expected = path.join(tmp, "bare.backbone.json");
    expect(noConfig.message).toMatch(
      new RegExp(`^${expected}: no backbone config for the ONNX model ${bare}`),
    );
    expect(noConfig.message).toContain("--model-config");
    expect(noConfig.message).toContain("export_onnx.py");

    const given = path.join(tmp, "elsewhere.json");
    const notThere = (await loadOnnxBackbone({ model: bare, config: given }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(notThere.message).toMatch(new RegExp(`^${given}: cannot read the ONNX backbone config`));
  });

  it("rejects a feature output without a joint axis (declared shape) at load", async () => {
    const model = writeModel("no-joints", "no-joint-axis");
    const error = await loadOnnxBackbone({ model }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShapeError);
    expect((error as Error).message).toMatch(
      /no-joints.onnx: feature output "features" has rank 3 \(NM, 4, 6\): no joint axis; expected \(N·M, C, T, V\)/,
    );
  });

  it("rejects a feature output without a joint axis when only onnxruntime's shape inference knows it", async () => {
    const model = writeModel("no-joints-dyn", "no-joint-axis-undeclared");
    await expect(loadOnnxBackbone({ model })).rejects.toThrow(
      /no-joints-dyn.onnx: feature output "features" has rank 3 \(\?, 4, 6\): no joint axis/,
    );
  });

  it("checks the feature rows against the config's person layout at run time", async () => {
    const model = writeModel(
      "layout",
      "separate",
      config({ features: { name: "features", persons: "averaged" } }),
    );
    const backbone = await loadOnnxBackbone({ model });
    try {
      await expect(backbone.run(tinyInput(3, 2))).rejects.toThrow(
        /layout.onnx: feature output "features" has shape \(6, 4, 6, 5\); expected \(3, C, T, V\) \(features.persons is "averaged"\)/,
      );
      await expect(loadOnnxBackbone({ model, warmup: 1 })).rejects.toThrow(ShapeError);
    } finally {
      await backbone.close();
    }
  });

  it("rejects configs that do not validate, naming file and field", async () => {
    const model = writeModel("bad-config", "separate", {
      ...config(),
      features: { name: "features", persons: "summed" },
    });
    const error = await loadOnnxBackbone({ model }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toMatch(/bad-config.backbone.json: features.persons:/);
    fs.writeFileSync(path.join(tmp, "bad-config.backbone.json"), "{ not json");
    await expect(loadOnnxBackbone({ model })).rejects.toThrow(/bad-config.backbone.json: not valid JSON/);
    await expect(loadOnnxBackbone({ model: good, batchSize: 0 })).rejects.toThrow(
      /backbone "onnx" config: field "batchSize" is 0/,
    );
    await expect(loadOnnxBackbone({ model: good, classEmbeddings: "x.npy" })).rejects.toThrow(
      /declares a logits output/,
    );
    const mismatch = writeModel("joints-mismatch", "separate", config({ input: { name: "x", joints: 25 } }));
    await expect(loadOnnxBackbone({ model: mismatch })).rejects.toThrow(
      /input.joints is 25 but input "x" of .* has 5 at dimension 3/,
    );
  });
});
