// Issue 19's acceptance in a plain npm project outside the workspace, from the
// packed tarballs (called by verify-packages.mjs with the project it made):
//   a. the root README's library example (raw skeleton files → ONNX backbone →
//      evaluate, orders protocol → report.html) gives the report.json that
//      `skc eval` gives on the same bundle, field for field but for EXCEPT;
//   b. a test-time method written in that project (next-class: (backbone
//      argmax + shift) mod U) runs through evaluate() and through
//      `skc eval --method-module ./mine.mjs` in every protocol and in
//      --method all, with the top-1 this script computes from the logits;
//   c. a backbone adapter and a dataset reader (a toy CSV format) in a folder
//      of the project with its own copies of the packages work through
//      --backbone-module and --dataset-module; the two registry modules are
//      different files on disk (npm dedupes: the folder is its own project).
import fs from "node:fs";
import path from "node:path";
import { csvSkeletonFiles, JOINT_MOTION_ADAPTER } from "./plugins.mjs";

/** The report.json paths the README example and `skc eval` may differ in (who made it, when, and the CLI's own paths). */
export const EXCEPT = ["tool", "timing", "config.bundle", "config.out"];

/** Paths where two JSON values differ (objects walked key by key; anything else compared whole). */
function differences(a, b, at = "") {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const objects = [a, b].every((v) => v !== null && typeof v === "object" && !Array.isArray(v));
  if (!objects) return [at.slice(1)];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((key) => differences(a[key], b[key], `${at}.${key}`));
}

const PROTOCOLS = ["online", "validation", "orders", "reference"];

/** b: the library half, run as a script in the project (it prints one JSON line per protocol). */
const METHOD_THROUGH_EVALUATE = `import { readBundleDescriptors } from "@skeleton-cache/bundle";
import { evaluate, priorCandidates } from "@skeleton-cache/evaluate";
import { resolvePrior } from "@skeleton-cache/prior";
import "./mine.mjs";

const demo = process.argv[2];
const load = (dir) => {
  const stream = readBundleDescriptors(dir);
  return { stream, prior: resolvePrior("uniform", { candidates: priorCandidates(stream) }) };
};
const test = load(demo);
for (const protocol of ${JSON.stringify(PROTOCOLS)}) {
  const validation = protocol === "validation" ? load(demo + "/validation") : undefined;
  const { report } = evaluate(test.stream, { method: "next-class", protocol, orders: 3, prior: test.prior, ...(validation ? { validation } : {}) });
  console.log(JSON.stringify({ protocol, shift: report.params.shift, top1: report.results.cache.top1.percent, orders: report.orders?.top1 ?? null }));
}
`;

/** b: the top-1 of (argmax of the bundle's base logits + shift) mod U, computed here from the .npy files. */
const EXPECTED_TOP1 = `import path from "node:path";
import { readNpy, toIntArray } from "@skeleton-cache/formats";
const dir = process.argv[2];
const logits = readNpy(path.join(dir, "logits.npy"));
const labels = toIntArray(readNpy(path.join(dir, "labels.npy")));
const [N, U] = logits.shape;
const top1 = {};
for (const shift of [1, 2]) {
  let correct = 0;
  for (let n = 0; n < N; n++) {
    let best = 0;
    for (let u = 1; u < U; u++) if (logits.data[n * U + u] > logits.data[n * U + best]) best = u;
    if ((best + shift) % U === labels[n]) correct++;
  }
  top1[shift] = (100 * correct) / N;
}
console.log(JSON.stringify(top1));
`;

/**
 * Runs a, b and c in `dir` (an npm project holding @skeleton-cache/skc and the
 * README's packages; the README example has already run there).
 * `helpers`: { run, fail, ok, project, repo }.
 */
export async function verifyOutside(dir, { run, fail, ok, project, repo }) {
  const skc = (args, label) =>
    run(
      process.execPath,
      [path.join(dir, "node_modules/@skeleton-cache/skc/bin/skc.js"), ...args],
      dir,
      label,
    );
  const readJson = (file) => JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));

  // a. The README's report.json against skc eval's on the same bundle.
  const cli = await skc(
    [
      "eval",
      "--bundle",
      "example-output/bundle",
      "--protocol",
      "orders",
      "--prior",
      "ntu60_55_5",
      "--out",
      "example-output/cli-run",
      "--quiet",
    ],
    "outside a: skc eval on the README's bundle",
  );
  if (cli !== null) {
    const differ = differences(
      readJson("example-output/run/report.json"),
      readJson("example-output/cli-run/report.json"),
    );
    const unexpected = differ.filter((p) => !EXCEPT.some((e) => p === e || p.startsWith(`${e}.`)));
    if (unexpected.length > 0)
      fail("outside a: the README's report.json differs from skc eval's", unexpected.join("\n"));
    else
      ok(
        `outside a: the README's report.json equals skc eval's but for ${EXCEPT.join(", ")} (${differ.length} leaf paths differ there)`,
      );
  }

  // b. A method of the project's own, through evaluate() and through skc eval --method-module.
  fs.copyFileSync(
    path.join(repo, "apps/eval/src/test-support/next-class-method.mjs"),
    path.join(dir, "mine.mjs"),
  );
  fs.writeFileSync(path.join(dir, "through-evaluate.mjs"), METHOD_THROUGH_EVALUATE);
  fs.writeFileSync(path.join(dir, "expected-top1.mjs"), EXPECTED_TOP1);
  const demo = path.join(dir, "node_modules/@skeleton-cache/skc/assets/demo");
  const expectedOut = await run(
    process.execPath,
    ["expected-top1.mjs", demo],
    dir,
    "outside b: expected top-1",
  );
  const library = await run(process.execPath, ["through-evaluate.mjs", demo], dir, "outside b: evaluate()");
  if (expectedOut !== null && library !== null) {
    const expected = JSON.parse(expectedOut);
    const close = (a, b) => Math.abs(a - b) < 1e-9;
    const problems = [];
    const rows = library
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    for (const row of rows) {
      if (!close(row.top1, expected[row.shift]))
        problems.push(`evaluate() ${row.protocol}: top-1 ${row.top1}, expected ${expected[row.shift]}`);
      for (const top1 of row.orders ?? [])
        if (!close(top1, expected[row.shift])) problems.push(`evaluate() orders: an order's top-1 ${top1}`);
    }
    if (rows.length !== PROTOCOLS.length) problems.push(`evaluate() ran ${rows.length} protocols`);
    for (const protocol of PROTOCOLS) {
      const out = `b-${protocol}`;
      const args = ["eval", "--demo", "synthetic", "--method-module", "./mine.mjs", "--method", "next-class"];
      if (
        (await skc(
          [...args, "--protocol", protocol, "--orders", "3", "--out", out, "--quiet", "--no-plots"],
          `outside b: skc eval --protocol ${protocol}`,
        )) === null
      )
        continue;
      const report = readJson(`${out}/report.json`);
      if (
        report.method.name !== "next-class" ||
        !close(report.results.cache.top1.percent, expected[report.params.shift])
      )
        problems.push(
          `skc eval --protocol ${protocol}: ${report.method.name} top-1 ${report.results.cache.top1.percent}, expected ${expected[report.params.shift]}`,
        );
    }
    const all = await skc(
      [
        "eval",
        "--demo",
        "synthetic",
        "--method-module",
        "./mine.mjs",
        "--method",
        "all",
        "--orders",
        "2",
        "--out",
        "b-all",
        "--quiet",
        "--no-plots",
      ],
      "outside b: skc eval --method all",
    );
    if (all !== null) {
      const row = readJson("b-all/compare.json").rows.find((r) => r.method === "next-class");
      if (!row || !close(row.top1, expected[1]))
        problems.push(`--method all: next-class row ${JSON.stringify(row)}, expected top-1 ${expected[1]}`);
      if (!fs.existsSync(path.join(dir, "b-all/next-class/report.json")))
        problems.push("--method all: no b-all/next-class/report.json");
    }
    if (problems.length > 0) fail("outside b: a method of the project's own", problems.join("\n"));
    else
      ok(
        `outside b: next-class (argmax + shift mod U) through evaluate() and skc eval --method-module in ${PROTOCOLS.join(", ")} and --method all: top-1 ${expected[1].toFixed(2)} % (shift 1), as computed`,
      );
  }

  // c. An adapter and a dataset reader in a folder with its own copies of the packages.
  const plugins = await project(path.join(path.basename(dir), "plugins"), [
    "@skeleton-cache/backbone",
    "@skeleton-cache/datasets",
  ]);
  if (plugins === null) return;
  fs.writeFileSync(path.join(plugins, "jm.mjs"), JOINT_MOTION_ADAPTER);
  fs.copyFileSync(
    path.join(repo, "packages/datasets/examples/csv-skeletons.mjs"),
    path.join(plugins, "csv.mjs"),
  );
  const data = path.join(dir, "csv-data");
  fs.mkdirSync(data, { recursive: true });
  for (const [name, text] of csvSkeletonFiles(12, [1, 2, 3], 24))
    fs.writeFileSync(path.join(data, name), text);
  const prototypes = [1, 2, 3].map((a) => Array.from({ length: 25 }, (_, v) => 0.01 * a + 0.001 * v));
  fs.writeFileSync(path.join(dir, "jm.json"), JSON.stringify({ prototypes }));
  const own = fs.realpathSync(path.join(dir, "node_modules/@skeleton-cache/registry"));
  const theirs = fs.realpathSync(path.join(plugins, "node_modules/@skeleton-cache/registry"));
  if (own === theirs) fail(`outside c: the plugins share the CLI's registry module (${own})`);
  const extract = await skc(
    [
      "extract",
      "--backbone-module",
      "./plugins/jm.mjs",
      "--backbone",
      "joint-motion",
      "--backbone-config",
      "jm.json",
      "--dataset-module",
      "./plugins/csv.mjs",
      "--dataset",
      "csv-skeletons",
      "--data",
      "csv-data",
      "--classes",
      "all",
      "--workers",
      "2",
      "--chunk-size",
      "4",
      "--out",
      "c-bundle",
      "--quiet",
    ],
    "outside c: skc extract --backbone-module --dataset-module",
  );
  if (extract === null) return;
  const evaluated = await skc(
    ["eval", "--bundle", "c-bundle", "--prior", "uniform", "--out", "c-run", "--quiet", "--no-plots"],
    "outside c: skc eval on its bundle",
  );
  if (evaluated === null) return;
  const report = readJson("c-run/report.json");
  const meta = readJson("c-bundle/meta.json");
  if (report.bundle.numSamples !== 12 || meta.dataset !== "csv-skeletons")
    fail("outside c: the bundle", `numSamples ${report.bundle.numSamples}, meta.dataset ${meta.dataset}`);
  else if (own !== theirs)
    ok(
      `outside c: joint-motion and csv-skeletons from plugins/ (its own registry at ${path.relative(dir, theirs)}, the CLI's at ${path.relative(dir, own)}): 12 samples extracted on 2 workers and evaluated`,
    );
}
