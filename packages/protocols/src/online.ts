import { type LabelledStream, streamShape } from "@skeleton-cache/skeleton";
import { argmaxRows } from "@skeleton-cache/tensor";
import { createMethod, type TestTimeMethod } from "@skeleton-cache/tta";
import type { MethodSetup } from "./data.js";

/** A fresh method for a stream (U from its logits, C from its descriptors or F), as `setup` names it (run it with tta's `onlinePass`). */
export function buildMethod(
  stream: Pick<LabelledStream, "logits" | "descriptors" | "features">,
  setup: MethodSetup,
): TestTimeMethod {
  const { numClasses, channels } = streamShape(stream);
  return createMethod(
    setup.method,
    {
      numClasses,
      channels,
      prior: setup.prior,
      ...(setup.weights ? { weights: setup.weights } : {}),
      ...(setup.kernel ? { kernel: setup.kernel } : {}),
    },
    setup.params,
  );
}

/** argmax of the base logits per sample (the backbone's predictions). */
export function baselinePredictions(stream: Pick<LabelledStream, "logits">): Int32Array {
  return argmaxRows(stream.logits.data, stream.logits.shape[1]!);
}
