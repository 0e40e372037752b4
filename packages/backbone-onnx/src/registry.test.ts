/** The ONNX adapter through the registry: execution providers, the model's name and hash, its preprocessing. */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createBackbone } from "@skeleton-cache/backbone";
import { FormatError, ValueError } from "@skeleton-cache/errors";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import {
  checkExecutionProviders,
  executionProviderStatus,
  loadOnnxBackbone,
  modelNameOf,
  ONNX_BACKBONE_CONFIG_FORMAT,
  type OnnxBackbone,
} from "./index.js";
import { TINY, tinyModel, tinyWeights } from "./test-support/tiny-model.js";

const dir = tempDir("skc-onnx-registry-");

function writeModel(name: string, extra: Record<string, unknown> = {}): string {
  const model = path.join(dir, `${name}.onnx`);
  fs.writeFileSync(model, tinyModel("separate", tinyWeights(3)));
  const config = {
    format: ONNX_BACKBONE_CONFIG_FORMAT,
    input: { name: "x", frames: TINY.frames, joints: TINY.joints, persons: TINY.persons },
    features: { name: "features", persons: "separate" },
    output: { kind: "logits", name: "logits" },
    ...extra,
  };
  fs.writeFileSync(path.join(dir, `${name}.backbone.json`), JSON.stringify(config));
  return model;
}

describe("ONNX execution providers", () => {
  it("a provider whose libraries are missing is refused, naming what is missing and what is available", () => {
    const empty = tempDir("skc-ort-bin-");
    const error = (() => {
      try {
        checkExecutionProviders(["cuda"], "m.onnx", empty);
      } catch (e) {
        return e;
      }
    })() as ValueError;
    expect(error).toBeInstanceOf(ValueError);
    expect(error.message).toMatch(/^m\.onnx: execution provider "cuda" is not available: /);
    expect(error.message).toContain("libonnxruntime_providers_cuda.so");
    expect(error.message).toContain(empty);
    expect(error.message).toMatch(/Available here: cpu/);
    expect(error.details).toMatchObject({ field: "executionProviders", value: "cuda" });
    expect(checkExecutionProviders(["cpu"], "m.onnx", empty)).toEqual(["cpu"]);
  });

  it("asking this machine's build for CUDA either runs or is refused by name, never crashes", async () => {
    const model = writeModel("cuda");
    const cuda = executionProviderStatus().find((s) => s.name === "cuda")!;
    const outcome = await loadOnnxBackbone({ model, executionProviders: ["cuda", "cpu"] }).then(
      async (backbone) => {
        await backbone.close();
        return "ran";
      },
      (e: unknown) => e,
    );
    if (cuda.available) {
      // A CUDA build: it runs, or the session cannot start (no device) and says which providers.
      if (outcome !== "ran")
        expect((outcome as Error).message).toMatch(/execution providers \["cuda","cpu"\]/);
    } else {
      expect(outcome).toBeInstanceOf(ValueError);
      expect((outcome as Error).message).toContain(
        `execution provider "cuda" is not available: ${cuda.missing}`,
      );
    }
  });

  it("an unknown provider is a config error naming the field and the value", async () => {
    const model = writeModel("unknown-ep");
    await expect(createBackbone("onnx", { model, executionProviders: ["gpu"] })).rejects.toThrow(
      /backbone "onnx" config: field "executionProviders\.0" is "gpu"/,
    );
  });
});

describe("ONNX model identity and preprocessing", () => {
  it("names the model after its path (not just the adapter) and records its sha256", async () => {
    const model = writeModel("tiny-stgcn");
    const backbone = (await createBackbone("onnx", { model })) as OnnxBackbone;
    try {
      const sha256 = crypto.createHash("sha256").update(fs.readFileSync(model)).digest("hex");
      expect(backbone.model).toEqual({ name: "tiny-stgcn", location: model, sha256 });
    } finally {
      await backbone.close();
    }
    expect(modelNameOf("benchmarks/utd-mhad/models/utd_mhad_22_5/seed0/model.onnx")).toBe(
      "utd_mhad_22_5/seed0/model",
    );
    expect(modelNameOf("/x/efficientgcn-b0.onnx")).toBe("efficientgcn-b0");
    expect(modelNameOf("best.onnx").endsWith("/best")).toBe(true);
  });

  it("gives the preprocessing of its config, with T and M from the input where unset; a config name wins", async () => {
    const model = writeModel("pre", {
      name: "my-stgcn",
      preprocessing: { temporal: "resample", center: "first-frame", bodySelection: "motion-energy" },
    });
    const backbone = await loadOnnxBackbone({ model });
    try {
      expect(backbone.preprocessing).toEqual({
        frames: TINY.frames,
        bodies: TINY.persons,
        temporal: "resample",
        center: "first-frame",
        bodySelection: "motion-energy",
      });
      expect(backbone.model?.name).toBe("my-stgcn");
    } finally {
      await backbone.close();
    }
    const bad = writeModel("bad-pre", { preprocessing: { temporal: "stretch" } });
    const error = await loadOnnxBackbone({ model: bad }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toMatch(/bad-pre\.backbone\.json: preprocessing\.temporal:/);
  });
});
