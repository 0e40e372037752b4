#!/usr/bin/env node
// Regenerates packages/skeleton/assets/*.json from the public source files
// kept in the research data folder ($SKC_DATA, default `../shared/data` beside
// the repository). Run:
//   node packages/skeleton/scripts/build-assets.mjs
// Every record keeps where it came from; the output is sorted and stable, so
// rerunning it on the same inputs gives the same bytes.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const data = path.resolve(process.env.SKC_DATA ?? path.resolve(here, "../../../../shared/data"));
const out = path.resolve(here, "../assets");
const readJson = (rel) => JSON.parse(fs.readFileSync(path.join(data, rel), "utf8"));

// ---- class catalogs -------------------------------------------------------
const ntu = readJson("reference/class_names.json");
const ntu120 = ntu.ntu120 ?? ntu.names;
if (!Array.isArray(ntu120) || ntu120.length !== 120)
  throw new Error("class_names.json: expected 120 NTU names");
const pkuLines = fs
  .readFileSync(path.join(data, "real/pku-mmd/actions.csv"), "utf8")
  .split(/\r?\n/)
  .filter((l) => l.trim() !== "");
if (pkuLines[0] !== "label,action") throw new Error("actions.csv: unexpected header");
const pku = pkuLines.slice(1).map((line, i) => {
  const comma = line.indexOf(",");
  const id = Number(line.slice(0, comma));
  if (id !== i + 1) throw new Error(`actions.csv line ${i + 2}: label ${id}, expected ${i + 1}`);
  return line.slice(comma + 1).trim();
});
if (pku.length !== 51) throw new Error("actions.csv: expected 51 classes");
const utd = readJson("priors/utd-mhad.json").class_names;
if (!Array.isArray(utd) || utd.length !== 27) throw new Error("utd-mhad.json: expected 27 class names");
const catalogs = {
  note: "Class names by dataset; index = 0-based class id = the dataset's 1-based action id - 1.",
  catalogs: {
    ntu60: {
      names: ntu120.slice(0, 60),
      source:
        "NTU RGB+D action names (shahroudy/NTURGB-D README), as in the Skeleton-Cache reference code class_names (BSD-3-Clause); NTU60 = A001-A060",
    },
    ntu120: {
      names: ntu120,
      source:
        "NTU RGB+D 120 action names (shahroudy/NTURGB-D README), as in the Skeleton-Cache reference code (BSD-3-Clause)",
    },
    "pku-mmd": {
      names: pku,
      source: "PKU-MMD phase 1 Actions.xlsx (ECHO960/PKU-MMD), labels 1-51",
    },
    "utd-mhad": {
      names: utd,
      source:
        "UTD-MHAD action list (Chen, Jafari, Kehtarnavaz, ICIP 2015; utdallas.edu/~kehtar/UTD-MHAD.html), actions a1-a27",
    },
  },
};

// ---- zero-shot splits -------------------------------------------------------
const reference = readJson("reference/splits.json").splits;
const zsl = readJson("real/zsl_splits.json");
const utdSplits = readJson("real/utd_mhad_splits.json");
const sizeOf = { ntu60: 60, ntu120: 120, "pku-mmd": 51, "utd-mhad": 27 };
const datasetOf = (d) => (d === "pku51" ? "pku-mmd" : d);
const complement = (n, unseen) => {
  const set = new Set(unseen);
  return Array.from({ length: n }, (_, i) => i).filter((i) => !set.has(i));
};
const splits = [];
for (const [id, entry] of Object.entries(zsl)) {
  if (id.startsWith("_")) continue;
  const dataset = datasetOf(entry.dataset);
  if (entry.num_classes !== sizeOf[dataset]) throw new Error(`${id}: num_classes ${entry.num_classes}`);
  const ref = reference[id];
  const unseen = ref ? [...ref.unseen] : [...entry.unseen_0based];
  const seen = ref ? [...ref.seen] : complement(sizeOf[dataset], unseen);
  if (
    ref &&
    JSON.stringify([...ref.unseen].sort((a, b) => a - b)) !==
      JSON.stringify([...unseen].sort((a, b) => a - b))
  )
    throw new Error(`${id}: reference and zsl_splits disagree`);
  const split = {
    id,
    dataset,
    seen,
    unseen,
    source: [
      ...(ref
        ? ["Alchemist0754/Skeleton-Cache (reference code, BSD-3-Clause): seen/unseen and validation split"]
        : []),
      ...entry.sources,
    ].join("; "),
  };
  if (ref?.validation)
    split.validation = { seen: [...ref.validation.seen], unseen: [...ref.validation.unseen] };
  if (!ref) split.note = "seen = every class of the dataset not in unseen";
  if (entry.note) split.note = entry.note;
  splits.push(split);
}
for (const id of Object.keys(reference)) {
  if (!splits.some((s) => s.id === id)) throw new Error(`reference split ${id} missing from zsl_splits.json`);
}
for (const [id, entry] of Object.entries(utdSplits)) {
  splits.push({
    id,
    dataset: datasetOf(entry.dataset),
    seen: [...entry.seen],
    unseen: [...entry.unseen],
    source: entry.source,
  });
}
const splitFile = {
  note: "Zero-shot splits; class ids are 0-based (the dataset's 1-based action id - 1). Lists keep the order of their source. Collected from the public code of the works named in each `source`.",
  license:
    "Lists of class ids from public research code: Skeleton-Cache and PURLS (BSD-3-Clause), SMIE, STAR, SynSE; attribution in each source field.",
  splits,
};

// Pretty JSON with each list of numbers on one line.
const pretty = (value) =>
  `${JSON.stringify(value, null, 1).replace(/\[[\d,\s]*\]/g, (m) => m.replace(/\s+/g, ""))}\n`;
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, "class-catalogs.json"), pretty(catalogs));
fs.writeFileSync(path.join(out, "splits.json"), pretty(splitFile));
process.stderr.write(`wrote ${splits.length} splits and 4 catalogs to ${out}\n`);
