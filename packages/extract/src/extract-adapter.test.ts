/**
 * Your own adapter through `extractBundle`: the adapter of
 * docs/write-your-own-adapter.md imported by `backboneModule`, on worker
 * threads; an adapter registered on the main thread only is refused by the
 * workers, naming `pluginModules`.
 */

import fs from "node:fs";
import path from "node:path";
import { type BackboneAdapter, registerBackbone, unregisterBackbone } from "@skeleton-cache/backbone";
import { writeSyntheticNtu } from "@skeleton-cache/datasets";
import { exitCodeOf } from "@skeleton-cache/errors";
import { readNpy } from "@skeleton-cache/formats";
import type { Tensor } from "@skeleton-cache/tensor";
import { REPO, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { extractBundle } from "./extract.js";
import { rejection } from "./test-support/run.js";

const EXAMPLE = path.join(REPO, "packages/backbone/examples/joint-motion-adapter.ts");

function motionConfig(root: string): string {
  const config = path.join(root, "motion.json");
  const prototypes = [0, 1, 2].map((k) => Array.from({ length: 25 }, (_, v) => ((v + k) % 5) + 1));
  fs.writeFileSync(config, JSON.stringify({ prototypes }));
  return config;
}

describe("your own adapter through extractBundle", () => {
  it("backboneModule registers it (in every worker), backbone picks it; a module that cannot be imported is named", async () => {
    const root = tempDir("skc-own-adapter-");
    const data = path.join(root, "ntu");
    writeSyntheticNtu(data, { count: 12, actions: [1, 2, 3] });
    const out = path.join(root, "B");
    const result = await extractBundle({
      backboneModule: EXAMPLE,
      backbone: "joint-motion",
      backboneConfig: motionConfig(root),
      data,
      classes: "all",
      frames: 20,
      chunkSize: 4,
      workers: 2,
      out,
    });
    expect(result.chunks).toBe(3);
    const meta = JSON.parse(fs.readFileSync(path.join(out, "meta.json"), "utf8"));
    expect(meta.backbone).toBe("joint-motion:joint-motion (3 prototypes)");
    expect(readNpy(path.join(out, "features.npy")).shape).toEqual([12, 3, 19, 25]);
    expect(readNpy(path.join(out, "logits.npy")).shape).toEqual([12, 3]);

    const absent = path.join(root, "no-such-adapter.js");
    const missing = await rejection(
      extractBundle({ backboneModule: absent, data, classes: "all", out: path.join(root, "C") }),
    );
    expect(exitCodeOf(missing)).toBe(2);
    expect(missing.message).toContain(`--backbone-module ${absent}: no such file: ${absent}`);
  });

  it("an adapter registered on the main thread only: the workers refuse it, naming pluginModules", async () => {
    const { jointMotionAdapter } = await import(EXAMPLE);
    const motion = jointMotionAdapter as BackboneAdapter;
    // The main thread's copy never finishes a chunk, so the run can only end through the workers' answer.
    const mainOnly: BackboneAdapter = {
      ...motion,
      name: "main-thread-only",
      async create(config) {
        const backbone = (await motion.create(config)) as import("@skeleton-cache/backbone").Backbone<Tensor>;
        return {
          ...backbone,
          name: "main-thread-only",
          encodeAll: async function* () {
            yield* [];
            await new Promise<never>(() => {});
          },
        };
      },
    };
    registerBackbone(mainOnly);
    try {
      const root = tempDir("skc-main-only-");
      const data = path.join(root, "ntu");
      writeSyntheticNtu(data, { count: 6, actions: [1, 2, 3] });
      const out = path.join(root, "B");
      const error = await rejection(
        extractBundle({
          backbone: "main-thread-only",
          backboneConfig: motionConfig(root),
          data,
          classes: "all",
          frames: 20,
          workers: 1,
          out,
        }),
      );
      expect(exitCodeOf(error)).toBe(2);
      expect(error.message).toContain(
        'backbone adapter "main-thread-only" is not registered in the extraction worker threads',
      );
      expect(error.message).toContain("pluginModules");
      expect(fs.existsSync(out)).toBe(false);
    } finally {
      unregisterBackbone("main-thread-only");
    }
  });
});
