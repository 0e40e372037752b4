import { meanSd, pairedDifference } from "@skeleton-cache/metrics";
import { getMethodSpec, resolveMethodParams } from "@skeleton-cache/tta";
import { type BenchResults, gridKey, gridPoints, type SplitResult } from "./compute.js";
import { ABLATIONS, type AblationId, FIXED, K, ORDERS } from "./core.js";

const SPLIT_LABEL: Record<string, string> = {
  utd_mhad_22_5: "22/5",
  utd_mhad_18_9: "18/9",
  utd_mhad_14_13: "14/13",
};

/** "m ± sd" with one decimal. */
export function pm(values: readonly number[]): string {
  const { mean, sd } = meanSd(values);
  return `${mean.toFixed(1)} ± ${sd.toFixed(1)}`;
}

function signedPm(values: readonly number[]): string {
  const { mean, sd } = meanSd(values);
  return `${mean >= 0 ? "+" : "−"}${Math.abs(mean).toFixed(1)} ± ${sd.toFixed(1)}`;
}

const label = (s: SplitResult) => SPLIT_LABEL[s.split] ?? s.split;

/** A signed figure with one decimal and a real minus sign. */
function signed(value: number): string {
  return `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(1)}`;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** "+1.2 [−0.5, +2.9]": the mean paired gain over seeds with its 95 % t interval. */
function gainCell(method: readonly number[], backbone: readonly number[]): string {
  const d = pairedDifference(method, backbone);
  return d.ci ? `${signed(d.mean)} [${signed(d.ci[0])}, ${signed(d.ci[1])}]` : signed(d.mean);
}

type MethodResult = SplitResult["methods"][number];

/** One row per method of a split: test top-1, paired gains with 95 % CIs, early and imbalanced streams. */
function methodRows(s: SplitResult): string[][] {
  const backbone = s.tests.map((t) => t.baseline.descriptions);
  const rows = [[label(s), "backbone", "—", pm(backbone), "—", "—", "—", "—"]];
  for (const m of s.methods as MethodResult[]) {
    const perSeed = (pick: (t: MethodResult["tests"][number]) => number) => m.tests.map(pick);
    const whole = perSeed((t) => mean(t.top1));
    const improved = pairedDifference(whole, backbone).improved;
    rows.push([
      label(s),
      `${getMethodSpec(m.method).title} (\`${m.method}\`)`,
      Object.entries(m.chosen)
        .map(([k, v]) => `${k} = ${v}`)
        .join(", "),
      pm(m.tests.flatMap((t) => t.top1)),
      gainCell(whole, backbone),
      `${improved} of ${whole.length}`,
      gainCell(
        perSeed((t) => mean(t.early)),
        perSeed((t) => mean(t.earlyBackbone)),
      ),
      gainCell(
        perSeed((t) => mean(t.imbalanced)),
        perSeed((t) => mean(t.imbalancedBackbone)),
      ),
    ]);
  }
  return rows;
}

/** Each method at its declared defaults: test top-1 and the paired gain (no hyper-parameter selection). */
function defaultRows(s: SplitResult): string[][] {
  const backbone = s.tests.map((t) => t.baseline.descriptions);
  return (s.methods as MethodResult[]).map((m) => {
    const whole = m.defaults.map((t) => mean(t.top1));
    return [
      label(s),
      `\`${m.method}\``,
      Object.entries(resolveMethodParams(m.method))
        .filter(([k]) => k in getMethodSpec(m.method).grid)
        .map(([k, v]) => `${k} = ${v}`)
        .join(", "),
      pm(m.defaults.flatMap((t) => t.top1)),
      gainCell(whole, backbone),
      `${pairedDifference(whole, backbone).improved} of ${whole.length}`,
    ];
  });
}

/** The comparison of the test-time methods (every split). */
function methodsSection(results: BenchResults): string[] {
  const seeds = results.splits[0]?.tests.length ?? 0;
  return [
    "### Test-time methods compared (each at its own validation-chosen point)",
    "",
    table(
      [
        "split",
        "method",
        "chosen on held-out seen",
        "test top-1",
        "gain [95 % CI]",
        "seeds improved",
        "early-stream gain (first 25 %) [95 % CI]",
        "imbalanced-stream gain [95 % CI]",
      ],
      results.splits.flatMap(methodRows),
    ),
    "",
    `Test top-1: mean ± sd over ${seeds} seeds × ${ORDERS} orders. Gains are paired per seed (the method's mean over the ${ORDERS} orders minus the seed's backbone), averaged over the ${seeds} seeds, with a 95 % Student t interval over seeds (${seeds - 1} degrees of freedom); "seeds improved" counts the seeds whose gain is positive. Early stream: the first 25 % of stream positions of the same runs, against the backbone on the same samples. Imbalanced stream: order o keeps only the first quarter (in stream order) of class o mod U's samples, every other sample as it was; method against backbone on that stream. Each method's hyper-parameters come from its own grid on the held-out-seen fold bundles (best mean over folds × orders, first in grid order on ties): no test label chooses them.`,
    "",
    "At each method's declared defaults (the other hyper-parameters as declared: K = 8, hedge auto for the cache methods; TDA's capacities and thresholds from its public configuration), without any selection:",
    "",
    table(
      ["split", "method", "default point", "test top-1", "gain [95 % CI]", "seeds improved"],
      results.splits.flatMap(defaultRows),
    ),
    "",
  ];
}

/** Per (seed, order) values of one grid point. */
export function gridValues(s: SplitResult, alpha: number, beta: number): number[] {
  return s.tests.flatMap((t) => t.grid[gridKey(alpha, beta)]!);
}

/** Per (seed, order) difference to the seed's baseline. */
function deltas(s: SplitResult, pick: (t: SplitResult["tests"][number]) => readonly number[]): number[] {
  return s.tests.flatMap((t) => pick(t).map((v) => v - t.baseline.descriptions));
}

/** Per (seed, order): best over the grid of the reference (second-pass) figure. */
export function referenceValues(s: SplitResult): number[] {
  return s.tests.flatMap((t) =>
    Array.from({ length: ORDERS }, (_, o) => Math.max(...gridPoints().map((p) => t.reference[p.key]![o]!))),
  );
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** The generated tables, deterministic text. */
export function renderTables(results: BenchResults): string {
  return [
    ...mainSection(results),
    ...methodsSection(results),
    ...featuresSection(results),
    ...semanticsSection(results),
    ...ablationsSection(results),
    ...results.splits.flatMap((s) => gridSection(results, s)),
    ...validationSection(results),
    ...perSeedSection(results),
  ].join("\n");
}

/** The header note and the main table (fixed point, validation-chosen point, reference oracle). */
function mainSection(results: BenchResults): string[] {
  const seeds = results.splits[0]?.tests.length ?? 0;
  return [
    "<!-- Generated by `pnpm bench:utd` (tooling/utd-mhad/src/bench.ts) from benchmarks/utd-mhad/bundles; edit outside the markers only. -->",
    "",
    `All figures are zero-shot top-1 (%) over all samples of the unseen classes (all subjects), mean ± sd over ${seeds} training seeds × ${ORDERS} seeded stream orders (backbone figures: over the ${seeds} seeds; they do not depend on the order). Skeleton-Cache: K = ${K}, hedge auto, LLM dataset prior unless said otherwise.`,
    "",
    "### Main results",
    "",
    table(
      [
        "split",
        "U",
        "test samples",
        "backbone top-1",
        "classes right (plurality)",
        `SC α=${FIXED.alpha}, β=${FIXED.beta}`,
        "Δ",
        "(α, β) chosen on held-out seen",
        "SC at chosen",
        "Δ",
        "reference protocol (chosen on TEST labels)",
      ],
      results.splits.map((s) => {
        const chosen = gridValues(s, s.chosen.alpha, s.chosen.beta);
        return [
          label(s),
          String(s.classes),
          String(s.tests[0]!.samples),
          pm(s.tests.map((t) => t.baseline.descriptions)),
          `${pm(s.tests.map((t) => t.plurality.descriptions))} of ${s.classes}`,
          pm(gridValues(s, FIXED.alpha, FIXED.beta)),
          signedPm(deltas(s, (t) => t.grid[gridKey(FIXED.alpha, FIXED.beta)]!)),
          `(${s.chosen.alpha}, ${s.chosen.beta})`,
          pm(chosen),
          signedPm(deltas(s, (t) => t.grid[gridKey(s.chosen.alpha, s.chosen.beta)]!)),
          pm(referenceValues(s)),
        ];
      }),
    ),
    "",
    "The reference column is the `reference` protocol: for each seed and order, the best of the 20 grid points judged on the test labels, each after the conditional second pass (every block full and mean largest base logit > 0.85). It is an oracle, shown only to compare with published figures.",
    "",
  ];
}

/** Backbone zero-shot accuracy against a label-using 1-NN on the same features. */
function featuresSection(results: BenchResults): string[] {
  return [
    "### Where the errors come from: features vs labels",
    "",
    table(
      [
        "split",
        "U",
        "backbone zero-shot top-1",
        "classes right (plurality)",
        "cross-subject 1-NN top-1 (global descriptor; uses test labels)",
      ],
      results.splits.map((s) => [
        label(s),
        String(s.classes),
        pm(s.tests.map((t) => t.baseline.descriptions)),
        `${pm(s.tests.map((t) => t.plurality.descriptions))} of ${s.classes}`,
        pm(s.tests.map((t) => t.nearestNeighbour)),
      ]),
    ),
    "",
    "1-NN: each test sample takes the label of its nearest neighbour (cosine of the global descriptor, slot 7) among the test samples of the other seven subjects. It needs the test labels, so it is a diagnostic of the features, not a zero-shot result.",
    "",
  ];
}

/** Class names against class descriptions as the zero-shot semantics. */
function semanticsSection(results: BenchResults): string[] {
  return [
    "### Class semantics: names vs descriptions",
    "",
    table(
      [
        "split",
        "semantics",
        "backbone top-1",
        "classes right (plurality)",
        `SC α=${FIXED.alpha}, β=${FIXED.beta}`,
      ],
      results.splits.flatMap((s) => [
        [
          label(s),
          "descriptions",
          pm(s.tests.map((t) => t.baseline.descriptions)),
          `${pm(s.tests.map((t) => t.plurality.descriptions))} of ${s.classes}`,
          pm(gridValues(s, FIXED.alpha, FIXED.beta)),
        ],
        [
          label(s),
          "names",
          pm(s.tests.map((t) => t.baseline.names)),
          `${pm(s.tests.map((t) => t.plurality.names))} of ${s.classes}`,
          pm(s.tests.flatMap((t) => t.namesFixed)),
        ],
      ]),
    ),
    "",
    "The backbones were trained against the description semantics; the names rows score the same embeddings against the class-name vectors.",
    "",
  ];
}

/** Slot and prior ablations at the validation-chosen point. */
function ablationsSection(results: BenchResults): string[] {
  return [
    "### Ablations at the validation-chosen (α, β)",
    "",
    table(
      [
        "split",
        "(α, β)",
        "backbone",
        ...(Object.keys(ABLATIONS) as AblationId[]).map((a) => `LLM prior, ${a}`),
        "uniform prior, all",
      ],
      results.splits.map((s) => [
        label(s),
        `(${s.chosen.alpha}, ${s.chosen.beta})`,
        pm(s.tests.map((t) => t.baseline.descriptions)),
        ...(Object.keys(ABLATIONS) as AblationId[]).map((a) => pm(s.tests.flatMap((t) => t.ablations[a]))),
        pm(s.tests.flatMap((t) => t.uniform)),
      ]),
    ),
    "",
    "Slots kept: global = the global descriptor only; + spatial = head, torso, arms, feet and global; + temporal = begin, middle, end and global; all = the eight. Masked weights are not renormalised (`maskFusionWeights`).",
    "",
  ];
}

/** The full α × β grid of one split on its test set. */
function gridSection(results: BenchResults, s: SplitResult): string[] {
  const alphas = results.settings.alphas;
  const betas = results.settings.betas;
  return [
    `### Full grid, split ${label(s)} (online top-1 on the test set; backbone ${pm(s.tests.map((t) => t.baseline.descriptions))})`,
    "",
    table(
      ["α \\ β", ...betas.map(String)],
      alphas.map((a) => [String(a), ...betas.map((b) => pm(gridValues(s, a, b)))]),
    ),
    "",
  ];
}

/** How α and β were chosen: the folds, then each split's validation grid. */
function validationSection(results: BenchResults): string[] {
  const alphas = results.settings.alphas;
  const betas = results.settings.betas;
  return [
    "### Validation (held-out seen classes) used to choose α and β",
    "",
    table(
      [
        "split",
        "folds",
        "held-out classes per fold",
        "samples per fold",
        "backbone top-1 (folds)",
        "chosen (α, β)",
      ],
      results.splits.map((s) => [
        label(s),
        String(s.folds.length),
        s.folds.map((f) => f.classes).join(", "),
        s.folds.map((f) => f.samples).join(", "),
        pm(s.folds.map((f) => f.baseline)),
        `(${s.chosen.alpha}, ${s.chosen.beta})`,
      ]),
    ),
    "",
    ...results.splits.flatMap((s) => validationGrid(s, alphas, betas)),
    "The chosen point is the highest mean (first in α-major order on ties).",
    "",
  ];
}

/** One split's validation grid (mean ± sd over folds × orders). */
function validationGrid(s: SplitResult, alphas: readonly number[], betas: readonly number[]): string[] {
  return [
    `Validation grid, split ${label(s)} (online top-1 on the folds' pseudo-unseen classes, mean ± sd over folds × orders):`,
    "",
    table(
      ["α \\ β", ...betas.map(String)],
      alphas.map((a) => [
        String(a),
        ...betas.map((b) => pm(s.folds.flatMap((f) => f.grid[gridKey(a, b)] ?? []))),
      ]),
    ),
    "",
  ];
}

/** Per seed: mean ± sd over the stream orders, and how often the second pass fired. */
function perSeedSection(results: BenchResults): string[] {
  return [
    "### Per seed (mean ± sd over the stream orders)",
    "",
    table(
      [
        "split",
        "seed",
        "backbone top-1",
        "classes right",
        `SC α=${FIXED.alpha}, β=${FIXED.beta}`,
        "SC at chosen",
        "second pass fired (of 200 runs)",
      ],
      results.splits.flatMap((s) =>
        s.tests.map((t) => [
          label(s),
          t.name,
          t.baseline.descriptions.toFixed(1),
          `${t.plurality.descriptions} of ${s.classes}`,
          pm(t.grid[gridKey(FIXED.alpha, FIXED.beta)]!),
          pm(t.grid[gridKey(s.chosen.alpha, s.chosen.beta)]!),
          String(t.secondPassFired),
        ]),
      ),
    ),
    "",
  ];
}
