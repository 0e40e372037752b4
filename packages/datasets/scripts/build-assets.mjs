#!/usr/bin/env node
// Regenerates packages/datasets/assets/*.json from the public lists kept in
// the research data folder's `real/` ($SKC_DATA, default `../shared/data`
// beside the repository):
//   node packages/datasets/scripts/build-assets.mjs
// The outputs are lists of sample / video names, published with the datasets.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const real = path.join(
  path.resolve(process.env.SKC_DATA ?? path.resolve(here, "../../../../shared/data")),
  "real",
);
const out = path.resolve(here, "../assets");

const NAME = /^S\d{3}C\d{3}P\d{3}R\d{3}A\d{3}$/;
function missingList(file, expected) {
  const names = fs
    .readFileSync(path.join(real, "ntu", file), "utf8")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => NAME.test(l)); // the 120 list starts with header lines
  if (names.length !== expected) throw new Error(`${file}: ${names.length} names, expected ${expected}`);
  return names;
}
const missing = {
  source:
    "shahroudy/NTURGB-D Matlab/NTU_RGBD_samples_with_missing_skeletons.txt and NTU_RGBD120_samples_with_missing_skeletons.txt (official lists of samples to skip)",
  ntu60: missingList("NTU_RGBD_samples_with_missing_skeletons.txt", 302),
  ntu120: missingList("NTU_RGBD120_samples_with_missing_skeletons.txt", 535),
};

function pkuSplit(file) {
  const lines = fs.readFileSync(path.join(real, "pku-mmd", file), "utf8").split(/\r?\n/);
  const sections = { train: [], test: [] };
  let current;
  for (const line of lines) {
    if (/^Training videos:/.test(line.trim())) current = sections.train;
    else if (/^Valid\w* videos:/.test(line.trim())) current = sections.test;
    else if (line.trim() !== "") {
      for (const token of line.split(",")) {
        const name = token.trim();
        if (name === "") continue;
        if (!/^\d{4}-[LMR]$/.test(name)) throw new Error(`${file}: bad video name ${name}`);
        current.push(name);
      }
    }
  }
  return sections;
}
const pku = {
  source:
    "PKU-MMD phase 1 cross-subject.txt / cross-view.txt (ECHO960/PKU-MMD, Split/); 'test' is the file's 'Validataion videos' list",
  "cross-subject": pkuSplit("cross-subject.txt"),
  "cross-view": pkuSplit("cross-view.txt"),
};

const pretty = (value) =>
  `${JSON.stringify(value, null, 1).replace(/\[[^[\]{}]*\]/g, (m) => m.replace(/\s*\n\s*/g, ""))}\n`;
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, "ntu-missing-skeletons.json"), pretty(missing));
fs.writeFileSync(path.join(out, "pku-mmd-splits.json"), pretty(pku));
process.stderr.write(
  `wrote ${missing.ntu60.length}+${missing.ntu120.length} missing names and PKU-MMD splits to ${out}\n`,
);
