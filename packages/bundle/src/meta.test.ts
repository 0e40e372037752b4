import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FormatError } from "@skeleton-cache/errors";
import { tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import {
  BUNDLE_META_FORMAT,
  bundleMetaJsonSchema,
  parseBundleMeta,
  readBundleDescriptors,
  writeBundleDir,
} from "./index.js";

describe("meta.json: its schema and its check", () => {
  it("the committed schema file is what the zod schema exports (pnpm --filter @skeleton-cache/bundle schemas)", () => {
    const text = bundleMetaJsonSchema();
    const file = fileURLToPath(new URL("../schemas/bundle-meta.schema.json", import.meta.url));
    expect(fs.readFileSync(file, "utf8")).toBe(text);
    const schema = JSON.parse(text);
    expect(schema.$id).toBe("skeleton-cache.bundle-meta/1");
    expect(schema.type).toBe("object");
  });

  it("bundle readers check meta.json: types of known keys and the format version; other keys are kept", () => {
    expect(parseBundleMeta({ format: BUNDLE_META_FORMAT, dataset: "ntu60", mine: [1] }, "m.json")).toEqual({
      format: BUNDLE_META_FORMAT,
      dataset: "ntu60",
      mine: [1],
    });
    expect(parseBundleMeta({}, "m.json")).toEqual({});
    expect(() => parseBundleMeta({ synthetic: "yes" }, "m.json")).toThrow(FormatError);
    expect(() => parseBundleMeta({ synthetic: "yes" }, "m.json")).toThrow(
      /m\.json: invalid bundle meta: synthetic: /,
    );
    expect(() => parseBundleMeta({ format: "skeleton-cache.bundle-meta/9" }, "m.json")).toThrow(
      /format skeleton-cache\.bundle-meta\/9 is not one this version reads/,
    );
    // Through the reader `skc eval` uses: the file is named.
    const dir = tempDir();
    writeBundleDir(dir, {
      kind: "descriptors",
      logits: { data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [2, 3] },
      descriptors: { data: Float32Array.from({ length: 2 * 8 * 4 }, (_, i) => i / 7), shape: [2, 8, 4] },
      labels: Int32Array.of(2, 0),
      classIds: Int32Array.of(10, 11, 19),
      meta: {},
    });
    fs.writeFileSync(path.join(dir, "meta.json"), JSON.stringify({ dataset: 60 }));
    expect(() => readBundleDescriptors(dir)).toThrow(
      `${path.join(dir, "meta.json")}: invalid bundle meta: dataset: `,
    );
    fs.writeFileSync(path.join(dir, "meta.json"), JSON.stringify({ format: "skeleton-cache.bundle-meta/2" }));
    expect(() => readBundleDescriptors(dir)).toThrow(
      `${path.join(dir, "meta.json")}: format skeleton-cache.bundle-meta/2 is not`,
    );
  });
});
