/**
 * A complete dataset reader for a toy format, "csv-skeletons": a folder of
 * `<name>_A<action>.csv` files, one per sample, each line
 * `frame,joint,x,y,z` for one body of the NTU-25 joints (frames and joints
 * 0-based; the action 1-based, so A003 is class 2). Registered as
 * "csv-skeletons" when imported, so
 *
 *   skc extract --dataset-module ./csv-skeletons.mjs --dataset csv-skeletons --data DIR ...
 *
 * reads it (in every worker thread too). Its config is `{ data }`; the
 * registry validates it with the zod schema below before `open` sees it.
 */
import fs from "node:fs";
import path from "node:path";
import { registerDatasetReader } from "@skeleton-cache/datasets";
import { NTU25 } from "@skeleton-cache/skeleton";
import { z } from "zod";

const FILE = /^(.+)_A(\d{3})\.csv$/;

class CsvSkeletons {
  dataset = "csv-skeletons";
  layout = NTU25;

  constructor(dir) {
    this.dir = dir;
    this.samples = fs
      .readdirSync(dir)
      .filter((file) => FILE.test(file))
      .sort()
      .map((file) => {
        const action = Number(FILE.exec(file)[2]);
        return { name: file.slice(0, -4), dataset: this.dataset, action, label: action - 1, file };
      });
  }

  list() {
    return this.samples;
  }

  load(name) {
    const info = this.samples.find((s) => s.name === name);
    if (!info) throw new Error(`csv-skeletons: no sample ${name} in ${this.dir}`);
    const file = path.join(this.dir, info.file);
    const rows = fs
      .readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((line, i) => {
        const cells = line.split(",").map(Number);
        if (cells.length !== 5 || cells.some((v) => !Number.isFinite(v)))
          throw new Error(`${file}: line ${i + 1} is not frame,joint,x,y,z: ${line}`);
        return cells;
      });
    const V = this.layout.numJoints;
    const T = Math.max(...rows.map(([t]) => t)) + 1;
    const joints = new Float32Array(T * V * 3); // (T, M = 1, V, 3)
    for (const [t, v, x, y, z] of rows) joints.set([x, y, z], (t * V + v) * 3);
    return { ...info, layout: this.layout.id, shape: [T, 1, V, 3], joints };
  }
}

registerDatasetReader({
  name: "csv-skeletons",
  description: "toy CSV skeletons: <name>_A<action>.csv files of frame,joint,x,y,z lines (NTU-25, one body)",
  configSchema: z.object({ data: z.string().min(1) }),
  open: (config) => new CsvSkeletons(config.data),
});
