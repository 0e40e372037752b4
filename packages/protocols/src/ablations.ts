import { ValueError } from "@skeleton-cache/errors";
import { buildFusionWeights, type FusionWeights, maskFusionWeights } from "@skeleton-cache/fusion";
import { accuracy } from "@skeleton-cache/metrics";
import { type Prior, uniformPrior } from "@skeleton-cache/prior";
import type { LabelledStream } from "@skeleton-cache/skeleton";
import { ALL_SLOTS, GLOBAL_SLOT, SPATIAL_SLOTS, TEMPORAL_SLOTS } from "@skeleton-cache/skeleton";
import { getMethodSpec, onlinePass } from "@skeleton-cache/tta";
import { checkedInput, type MethodSetup, type Tick } from "./data.js";
import { buildMethod } from "./online.js";

/** The descriptor subsets of the ablations (slot indices from `@skeleton-cache/skeleton`'s layout). */
export const ABLATIONS = [
  { id: "global", name: "global only", slots: [GLOBAL_SLOT] },
  { id: "global+spatial", name: "+ spatial", slots: [...SPATIAL_SLOTS, GLOBAL_SLOT] },
  { id: "global+temporal", name: "+ temporal", slots: [...TEMPORAL_SLOTS, GLOBAL_SLOT] },
  { id: "all", name: "all", slots: [...ALL_SLOTS] },
] as const satisfies readonly { id: string; name: string; slots: readonly number[] }[];
export type AblationId = (typeof ABLATIONS)[number]["id"];

/** A prior's fusion weights (Eq. 9) with only `slots` kept (the others zeroed, not renormalised). */
export function ablationWeights(prior: Prior, numClasses: number, slots: readonly number[]): FusionWeights {
  return maskFusionWeights(buildFusionWeights(prior, numClasses), slots);
}

export interface AblationRow {
  readonly id: AblationId;
  readonly descriptors: string;
  readonly slots: number[];
  /** "llm" = the run's prior, "uniform" = the no-LLM baseline. */
  readonly prior: "llm" | "uniform";
  readonly correct: number;
  readonly top1: number;
}

/**
 * Ablations at the setup's hyper-parameters, for methods that fuse with
 * the prior's weights: each descriptor subset with the run's prior and with
 * the uniform prior (γ = `uniformGamma`; only the uniform one when the run's
 * prior is uniform already).
 */
export function ablations(
  stream: LabelledStream,
  setup: MethodSetup,
  options: { readonly priorIsUniform: boolean; readonly uniformGamma: number },
  tick?: Tick,
): AblationRow[] {
  if (!getMethodSpec(setup.method).capabilities.fusionWeights) {
    throw new ValueError(`method ${setup.method} does not fuse with prior weights: no slot ablations`, {
      field: "method",
      value: setup.method,
    });
  }
  const numClasses = stream.logits.shape[1]!;
  const priors: { label: "llm" | "uniform"; prior: Prior }[] = [];
  if (!options.priorIsUniform) priors.push({ label: "llm", prior: setup.prior });
  priors.push({
    label: "uniform",
    prior: options.priorIsUniform ? setup.prior : uniformPrior(numClasses, options.uniformGamma),
  });
  const rows: AblationRow[] = [];
  for (const { label, prior } of priors) {
    for (const subset of ABLATIONS) {
      const weights = ablationWeights(prior, numClasses, subset.slots);
      const run = onlinePass(checkedInput(stream), buildMethod(stream, { ...setup, prior, weights }));
      const result = accuracy(run.refinedPred, stream.labels);
      rows.push({
        id: subset.id,
        descriptors: subset.name,
        slots: [...subset.slots],
        prior: label,
        correct: result.correct,
        top1: result.percent,
      });
      tick?.();
    }
  }
  return rows;
}
