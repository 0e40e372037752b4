import { argmaxRows } from "@skeleton-cache/tensor";
import { createMethod, type TestTimeMethod } from "@skeleton-cache/tta";
import type { MethodSetup, StreamData } from "./data.js";

/** A fresh method for a stream, as `setup` names it (run it with tta's `onlinePass`). */
export function buildMethod(data: StreamData, setup: MethodSetup): TestTimeMethod {
  return createMethod(
    setup.method,
    {
      numClasses: data.numClasses,
      channels: data.channels,
      prior: setup.prior,
      ...(setup.weights ? { weights: setup.weights } : {}),
      ...(setup.kernel ? { kernel: setup.kernel } : {}),
    },
    setup.params,
  );
}

/** argmax of the base logits per sample (the backbone's predictions). */
export function baselinePredictions(data: StreamData): Int32Array {
  return argmaxRows(data.logits.data, data.numClasses);
}
