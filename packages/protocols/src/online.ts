import { argmaxRows } from "@skeleton-cache/tensor";
import { createMethod, type MethodRun, runMethod, type TestTimeMethod } from "@skeleton-cache/tta";
import { checkedInput, type MethodSetup, type StreamData } from "./data.js";

/** A fresh method for a stream. */
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

/** The online protocol: one pass (SPEC §6) of a fresh method over the stream, in `order` (default as stored). */
export function onlinePass(
  data: StreamData,
  setup: MethodSetup,
  options: { readonly order?: readonly number[] | Int32Array } = {},
): MethodRun {
  return runMethod(
    checkedInput(data),
    buildMethod(data, setup),
    options.order ? { order: options.order } : {},
  );
}

/** argmax of the base logits per sample (the backbone's predictions). */
export function baselinePredictions(data: StreamData): Int32Array {
  return argmaxRows(data.logits.data, data.numClasses);
}
