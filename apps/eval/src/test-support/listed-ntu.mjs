/**
 * A test dataset reader: NTU RGB+D 60's, registered again as "ntu60" at a
 * higher priority, that lists the samples in the order of the data folder's
 * list.txt (one sample name per line) instead of sorted by name — the same
 * files handed over in another order, as a user's reader or a scheduler's
 * file list may do. Loading is the NTU reader's.
 */
import fs from "node:fs";
import path from "node:path";
import { ntu60Reader, registerDatasetReader } from "@skeleton-cache/datasets";

registerDatasetReader({
  ...ntu60Reader,
  priority: 10,
  origin: "apps/eval/src/test-support/listed-ntu.mjs",
  description: "NTU RGB+D 60 .skeleton files, listed in the order of the folder's list.txt",
  open(config) {
    const inner = ntu60Reader.open(config);
    const byName = new Map(inner.list().map((info) => [info.name, info]));
    const listed = fs
      .readFileSync(path.join(config.data, "list.txt"), "utf8")
      .trim()
      .split("\n")
      .map((name) => byName.get(name) ?? inner.load(name)); // an unknown name fails as the NTU reader says
    return {
      dataset: inner.dataset,
      layout: inner.layout,
      list: () => listed,
      load: (name) => inner.load(name),
    };
  },
});
