/**
 * What `evaluate` checks and derives of a labelled stream: its descriptors
 * (computed once from F), its classes against a split, a validation stream
 * against the test stream, and the candidate classes a prior must cover.
 */
import { checkBundleLayout } from "@skeleton-cache/bundle";
import { ValueError } from "@skeleton-cache/errors";
import type { PriorCandidates } from "@skeleton-cache/prior";
import {
  candidateClasses,
  classCatalog,
  getSplit,
  type LabelledStream,
  streamClassNames,
  streamShape,
} from "@skeleton-cache/skeleton";
import type { Tensor } from "@skeleton-cache/tensor";
import { streamDescriptors } from "@skeleton-cache/tta";

/**
 * The stream with its descriptors: given, or computed once from F (Eq. 3–4).
 * Its layout is checked first (the shapes agree, labels in [0, U), class ids
 * strictly ascending), naming its source.
 */
export function describedStream(stream: LabelledStream): LabelledStream & { readonly descriptors: Tensor } {
  const volume = stream.descriptors ?? stream.features;
  if (!volume) streamShape(stream); // names what is missing
  checkBundleLayout(
    {
      logitsShape: stream.logits.shape,
      kind: stream.descriptors ? "descriptors" : "features",
      volumeShape: volume!.shape,
      labels: stream.labels,
      classIds: stream.classIds,
    },
    stream.source ?? "stream",
  );
  return stream.descriptors
    ? (stream as LabelledStream & { readonly descriptors: Tensor })
    : { ...stream, descriptors: streamDescriptors(stream) };
}

/**
 * Checks the stream's class ids against a split's candidates (its unseen
 * classes; with GZSL, seen + unseen). A stream without class ids passes.
 */
export function checkStreamSplit(stream: LabelledStream, splitId: string, mode: "zsl" | "gzsl"): void {
  const split = getSplit(splitId);
  const classIds = stream.classIds;
  if (!classIds) return;
  const expected = candidateClasses(split, mode);
  const names = classCatalog(split.dataset).names;
  const numClasses = classIds.length;
  const source = stream.source ?? "the stream";
  if (expected.length !== numClasses) {
    throw new ValueError(
      `bundle ${source} has ${numClasses} candidate classes but split ${splitId} (${mode}) has ${expected.length}`,
      { field: "split", value: numClasses, expected: expected.length },
    );
  }
  for (let u = 0; u < expected.length; u++) {
    if (expected[u] !== classIds[u]) {
      throw new ValueError(
        `bundle ${source}: class ${u} is dataset id ${classIds[u]} but split ${splitId} (${mode}) has id ${expected[u]} (${names[expected[u]!]}) there`,
        { field: "split", position: u, value: classIds[u], expected: expected[u] },
      );
    }
  }
}

/**
 * Refuses a validation stream that cannot belong to the test stream: another
 * dataset, or (where both say) another split.
 */
export function checkValidationStream(test: LabelledStream, validation: LabelledStream): void {
  const field = "validationBundle";
  for (const key of ["dataset", "split"] as const) {
    const a = test.meta?.[key];
    const b = validation.meta?.[key];
    if (typeof a === "string" && typeof b === "string" && a !== b) {
      throw new ValueError(
        `validation bundle (--validation-bundle) ${validation.source} is of ${key} ${b}, but the test bundle ${test.source} is of ${key} ${a}: α and β must be chosen on the same ${key}'s validation classes`,
        { field, value: b, expected: a },
      );
    }
  }
}

/**
 * The candidate classes of a stream, as @skeleton-cache/prior's
 * `resolvePrior` checks a prior against them; `split` is the run's, else the
 * one the stream's meta names.
 */
export function priorCandidates(stream: LabelledStream, split?: string | undefined): PriorCandidates {
  const meta = stream.meta ?? {};
  const numClasses = stream.logits.shape[1]!;
  return {
    classIds: stream.classIds ?? Int32Array.from({ length: numClasses }, (_, u) => u),
    classIdsKnown: stream.classIds !== undefined,
    classNames: streamClassNames(stream),
    dataset: typeof meta.dataset === "string" ? meta.dataset : undefined,
    split: split ?? (typeof meta.split === "string" ? meta.split : undefined),
    bundle: stream.source,
  };
}
