/**
 * `extractBundle` with `shard: { index, count }` writes one part;
 * `mergeBundleShards` of @skeleton-cache/bundle joins a complete set into the
 * bytes a single run writes, and refuses a set with a missing or duplicated
 * part, naming it.
 */
import fs from "node:fs";
import path from "node:path";
import { mergeBundleShards } from "@skeleton-cache/bundle";
import { writeSyntheticNtu } from "@skeleton-cache/datasets";
import { exitCodeOf } from "@skeleton-cache/errors";
import { filesOf, tempDir } from "@skeleton-cache/test-support";
import { describe, expect, it } from "vitest";
import { extractBundle } from "./extract.js";
import { MODEL, ONNX, rejection } from "./test-support/run.js";

describe("extractBundle with shards, and the merge of @skeleton-cache/bundle", () => {
  it("three parts merge into the bytes of one run (on two workers); a missing or doubled part is refused by name", async () => {
    const root = tempDir("skc-shards-");
    const data = path.join(root, "ntu");
    writeSyntheticNtu(data, { count: 23, actions: [1, 2, 3] });
    const options = { model: MODEL, data, classes: [0, 1, 2], descriptorsOnly: true, chunkSize: 5 };
    const whole = path.join(root, "whole");
    await extractBundle({ ...options, out: whole, workers: 2 }, ONNX);
    const parts = [0, 1, 2].map((i) => path.join(root, `part-${i}`));
    for (const [i, part] of parts.entries()) {
      await extractBundle({ ...options, out: part, shard: { index: i, count: 3 }, workers: 0 }, ONNX);
      const meta = JSON.parse(fs.readFileSync(path.join(part, "meta.json"), "utf8"));
      expect(meta.shard).toEqual({ index: i, count: 3, offset: [0, 7, 15][i], total: 23 });
    }
    const merged = path.join(root, "merged");
    const result = mergeBundleShards([parts[2]!, parts[0]!, parts[1]!], merged);
    expect(result).toEqual({ out: merged, parts: 3, samples: 23, kind: "descriptors" });
    expect(filesOf(merged)).toEqual(filesOf(whole));

    const missing = await rejection(
      (async () => mergeBundleShards([parts[0]!, parts[2]!], path.join(root, "m2")))(),
    );
    expect(exitCodeOf(missing)).toBe(2);
    expect(missing.message).toBe("part 1/3 is missing (given: 0/3, 2/3)");
    const doubled = await rejection(
      (async () => mergeBundleShards([...parts, parts[1]!], path.join(root, "m3")))(),
    );
    expect(exitCodeOf(doubled)).toBe(2);
    expect(doubled.message).toBe(`part 1/3 is given twice: ${parts[1]} and ${parts[1]}`);
    expect(fs.existsSync(path.join(root, "m2")) || fs.existsSync(path.join(root, "m3"))).toBe(false);
  });

  it("a part whose run fails on an unreadable file keeps its journal, naming the file; the merge refuses, naming the part and the file, and writes nothing", async () => {
    const root = tempDir("skc-shards-");
    const data = path.join(root, "ntu");
    writeSyntheticNtu(data, { count: 12, actions: [1, 2, 3] });
    const names = fs.readdirSync(data).sort();
    const bad = path.join(data, names[7]!); // in part 1 of 2 (samples 6-11)
    fs.writeFileSync(bad, "not a skeleton file\n");
    const options = {
      model: MODEL,
      data,
      classes: [0, 1, 2],
      descriptorsOnly: true,
      chunkSize: 3,
      workers: 0,
      sampleOrder: "listed" as const, // file order: names[7] is in part 1
    };
    const parts = [0, 1].map((i) => path.join(root, `part-${i}`));
    await extractBundle({ ...options, out: parts[0]!, shard: { index: 0, count: 2 } }, ONNX);
    const failed = await rejection(
      extractBundle({ ...options, out: parts[1]!, shard: { index: 1, count: 2 } }, ONNX),
    );
    expect(exitCodeOf(failed)).toBe(2);
    expect(failed.message).toContain(bad);
    const journal = JSON.parse(fs.readFileSync(path.join(parts[1]!, "journal.json"), "utf8"));
    expect(journal.done).toEqual([]);
    expect(journal.failure).toEqual({ message: failed.message, file: bad });
    expect(fs.existsSync(path.join(parts[1]!, "lock.json"))).toBe(false);

    const merged = path.join(root, "merged");
    const refused = await rejection((async () => mergeBundleShards(parts, merged))());
    expect(exitCodeOf(refused)).toBe(2);
    expect(refused.message).toBe(
      `${parts[1]}: an unfinished bundle, part 1/2 of the set (${path.join(parts[1]!, "journal.json")}: 0 of 2 chunks written by skc extract; its last run failed: ${failed.message}); rerun its task (it resumes from the journal), then merge again`,
    );
    expect(fs.readdirSync(root).sort()).toEqual(["ntu", "part-0", "part-1"]);

    // The file mended, the same command resumes the part; the failure is no longer on record.
    writeSyntheticNtu(path.join(root, "again"), { count: 12, actions: [1, 2, 3] });
    fs.copyFileSync(path.join(root, "again", names[7]!), bad);
    const resumed = await extractBundle({ ...options, out: parts[1]!, shard: { index: 1, count: 2 } }, ONNX);
    expect(resumed.state).toBe("resumed");
    expect(mergeBundleShards(parts, merged).samples).toBe(12);
  });

  it("an empty part, or a shard written to a file, is bad input", async () => {
    const root = tempDir("skc-shards-");
    const data = path.join(root, "ntu");
    writeSyntheticNtu(data, { count: 2, actions: [1] });
    const empty = await rejection(
      extractBundle(
        { model: MODEL, data, classes: [0], shard: { index: 0, count: 3 }, out: path.join(root, "p") },
        ONNX,
      ),
    );
    expect(exitCodeOf(empty)).toBe(2);
    expect(empty.message).toContain("--shard: part 0/3 holds no sample (there are 2); use at most 2 parts");
    const file = await rejection(
      extractBundle(
        {
          model: MODEL,
          data: root,
          classes: [0],
          shard: { index: 0, count: 2 },
          out: path.join(root, "b.npz"),
        },
        ONNX,
      ),
    );
    expect(exitCodeOf(file)).toBe(2);
    expect(file.message).toContain("a shard part is a directory");
  });
});
